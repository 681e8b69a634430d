import Foundation
import Text4SegTestSupport
import XCTest

/// A checkpoint folder is outside input: every value of its config, tokenizer files and
/// safetensors header is checked, and a bad one stops `label` with exit 2 and a message
/// naming the file and the field, instead of a trap or labels from silently wrong numbers.
final class CheckpointValidationEndToEndTests: XCTestCase {
    /// A copy of the tiny checkpoint with `change` applied to one of its files.
    func checkpoint(_ file: String, _ change: (inout Data) throws -> Void) throws -> String {
        let folder = try CLI.temporaryFolder()
        for name in ["config.json", "vocab.json", "merges.txt", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: TestPaths.clipTiny + "/" + name, toPath: folder + "/" + name)
        }
        var data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file))
        try change(&data)
        try data.write(to: URL(fileURLWithPath: folder + "/" + file))
        return folder
    }

    /// Replaces the first `old` in a text file with `new`.
    func replacing(_ old: String, _ new: String) -> (inout Data) throws -> Void {
        { data in
            let text = String(decoding: data, as: UTF8.self)
            guard let range = text.range(of: old) else { throw StubError("no \(old) in the file") }
            data = Data(text.replacingCharacters(in: range, with: new).utf8)
        }
    }

    func testBadCheckpointValuesExitTwoNamingTheFileAndField() throws {
        let cases: [(file: String, change: (inout Data) throws -> Void, message: String)] = [
            ("config.json", replacing(#""layer_norm_eps": 1e-05"#, #""layer_norm_eps": -1"#), "text_config.layer_norm_eps: -1.0 is not in"),
            ("config.json", replacing(#""layer_norm_eps": 1e-05,"#, #""layer_norm_eps": 1e39,"#), "layer_norm_eps: 1e+39 is not in"),
            ("config.json", replacing(#""num_attention_heads": 4"#, #""num_attention_heads": 4.5"#), "text_config.num_attention_heads"),
            (
                "config.json", replacing(#""hidden_size": 32"#, #""hidden_size": 64"#),
                "text_config.hidden_size: 64, but the weights have 32"
            ),
            ("config.json", replacing(#""eos_token_id": 1513"#, #""eos_token_id": 99999"#), "text_config.eos_token_id: 99999 is past"),
            ("config.json", replacing(#""hidden_act": "quick_gelu""#, #""hidden_act": "relu""#), #"hidden_act: "relu" is not one of"#),
            (
                "config.json",
                { data in
                    var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
                    object["text_config"] = "oops"
                    data = try JSONSerialization.data(withJSONObject: object)
                }, "config.json: text_config: expected an object"
            ),
            ("vocab.json", replacing(#": 1513"#, #": 1e20"#), "vocab.json: the id of"),
            ("vocab.json", replacing(#": 1513"#, #": -7"#), "-7 is not between 0 and"),
            ("vocab.json", replacing(#": 1513"#, #": 1512"#), "1512 is also the id of"),
            ("vocab.json", replacing(#": 1513"#, #": 4000"#), "4000 is past the 1514 token embeddings"),
            ("merges.txt", replacing("\ni n\n", "\ni n x\n"), #"merges.txt: line 2: "i n x" is not two symbols"#),
            (
                "model.safetensors",
                { data in data.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) },
                "model.safetensors: header length: 9223372036854775807 is not between 1 and"
            ),
        ]
        for (file, change, message) in cases {
            let folder = try checkpoint(file, change)
            let result = try CLI.run(
                [
                    "label", TestPaths.voc12 + "/images/2007_000033.jpg", "--engine", "clip", "--model-dir", folder, "--out",
                    try CLI.temporaryFolder(),
                ], environment: ["XDG_CACHE_HOME": try CLI.temporaryFolder()])
            XCTAssertEqual(result.status, 2, "\(message): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(message): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(folder + "/" + file), "names the file: \(result.stderr)")
        }
    }
}
