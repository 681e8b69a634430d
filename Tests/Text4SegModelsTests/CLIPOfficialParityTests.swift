import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

@testable import Text4SegModels

/// The clip engine against the methods' own code end to end: fixtures made by
/// scripts/clip_official_reference.py, which runs mc-lan/ClearCLIP, wangf3014/SCLIP and
/// sinahmr/NACLIP unmodified (their segmentors, CLIP code, class files and configs, after
/// mmcv's resize) on a tiny random checkpoint with ViT-B/16's geometry. Each case compares the
/// official full-resolution labels (≥ 99.9% of pixels) and per-class probabilities (every 8th
/// pixel, within 1e-4) with the engine's, on images that need resizing, padding, whole-image
/// inference, PAMR, SCLIP's area threshold and the pretrained position count in a 7 × 28 window.
final class CLIPOfficialParityTests: XCTestCase {
    struct Case: Decodable {
        struct Settings: Decodable {
            var shortSide: Int, slideCrop: Int, slideStride: Int, logitScale: Float, probThd: Float
            var areaThd: Float?, pamrSteps: Int?
            enum CodingKeys: String, CodingKey {
                case shortSide = "short_side", slideCrop = "slide_crop", slideStride = "slide_stride", logitScale = "logit_scale"
                case probThd = "prob_thd", areaThd = "area_thd", pamrSteps = "pamr_steps"
            }
        }
        struct Probs: Decodable {
            var file: String, stride: Int, shape: [Int]
        }
        var name: String, method: String, dataset: String, image: String, names: [[String]], settings: Settings, labels: String
        var probs: Probs
    }

    static let folder = TestPaths.fixtures + "/clip-official"

    func cases() throws -> [Case] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/cases.json"))
        return try JSONDecoder().decode([Case].self, from: data)
    }

    func testTheEngineGivesTheOfficialLabelsAndScores() async throws {
        let cases = try cases()
        XCTAssertEqual(Set(cases.map(\.method)), ["clearclip", "sclip", "naclip"])
        let cache = NSTemporaryDirectory() + "text4seg-clip-official-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: cache) }
        for item in cases {
            try await check(item, cache: cache)
        }
    }

    func check(_ item: Case, cache: String) async throws {
        let method = try XCTUnwrap(CLIPDenseMethod(rawValue: item.method))
        let vocabularyName = item.dataset.hasPrefix("voc") ? "pascal-voc" : "pascal-context-59"
        let othersIgnored = item.dataset == "voc20" || item.dataset == "context59"
        let vocabulary = try Vocabulary.load(vocabularyName)
        var settings = CLIPEngine.Settings()
        settings.method = method
        let config = try XCTUnwrap(CLIPMethodConfig.builtin(method).datasets[item.dataset])
        // The one non-official override (the 7 × 28 window case) is a short side.
        if item.settings.shortSide != config.shortSide { settings.shortSide = item.settings.shortSide }
        let engine = try CLIPEngine(folder: Self.folder + "/checkpoint", cacheFolder: cache, settings: settings)
        engine.othersIgnored = othersIgnored
        let recipe = try engine.recipe(for: vocabulary)
        // The config as data is the one the official code ran.
        XCTAssertEqual(recipe.dataset, item.dataset, item.name)
        // ClearCLIP keeps a name's spaces ("wood " ends its Context-60 file); its tokenizer drops them, as ours does.
        XCTAssertEqual(recipe.names, item.names.flatMap { $0 }.map { $0.trimmingCharacters(in: .whitespaces) }, item.name)
        let s = recipe.settings
        XCTAssertEqual(s.window, item.settings.slideCrop, item.name)
        if s.window > 0 { XCTAssertEqual(s.stride, item.settings.slideStride, item.name) }
        XCTAssertEqual(s.logitScale, item.settings.logitScale, item.name)
        XCTAssertEqual(s.threshold, item.settings.probThd, accuracy: 1e-6, item.name)
        XCTAssertEqual(s.areaThreshold, item.settings.areaThd, item.name)
        XCTAssertEqual(s.pamrSteps, item.settings.pamrSteps ?? 0, item.name)

        let image = try ImageIO.readImage(Self.folder + "/" + item.image)
        // What `describe` does (logits, decision, output), with each band's logits made once and
        // kept for the score check below (a PAMR band is refined once, not once per use).
        let started = Date()
        let pipeline = try engine.logits(image, recipe: recipe)
        let memo = BandMemo(pipeline.rows)
        let decision = recipe.decision
        let result = decision.decide(width: image.width, height: image.height, bands: pipeline.bands, cells: pipeline.cells, jobs: 2) {
            memo.rows($0)
        }
        let output = engine.output(result, recipe: recipe, cells: pipeline.cells, width: image.width, height: image.height, seconds: 0)
        let labels = try XCTUnwrap(output.labelMap)
        let official = try ImageIO.readLabelMap(Self.folder + "/" + item.labels)
        XCTAssertEqual([official.width, official.height], [image.width, image.height], item.name)
        var agree = 0
        for (ours, theirs) in zip(labels.values, official.values) where ours == recipe.labels[Int(theirs)] { agree += 1 }
        let share = Double(agree) / Double(official.values.count)
        XCTAssertGreaterThanOrEqual(share, 0.999, "\(item.name): \(share) of the labels agree")
        XCTAssertGreaterThan(Set(official.values).count, 2, "\(item.name): a fixture with one label would show little")

        // Scores: the official per-class probabilities after postprocess, every `stride` pixels.
        let expected = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + item.probs.file)).withUnsafeBytes {
            Array($0.bindMemory(to: Float.self))
        }
        let (classes, ys, xs) = (item.probs.shape[0], item.probs.shape[1], item.probs.shape[2])
        XCTAssertEqual(classes, recipe.labels.count, item.name)
        XCTAssertEqual(expected.count, classes * ys * xs, item.name)
        let keep = decision.areaThreshold.map {
            decision.areaKeep($0, width: image.width, bands: pipeline.bands, jobs: 2) { memo.rows($0) }
        }
        var worst: Float = 0
        var logits = [Float](repeating: 0, count: recipe.names.count * image.width)
        var probs = [Float](repeating: 0, count: classes * image.width)
        var labelsRow = [UInt16](repeating: 0, count: image.width)
        for (row, y) in Swift.stride(from: 0, to: image.height, by: item.probs.stride).enumerated() where row < ys {
            let band = try XCTUnwrap(pipeline.bands.first { $0.contains(y) })
            let (source, offset) = memo.rows(band)
            logits.withUnsafeMutableBufferPointer { l in
                probs.withUnsafeMutableBufferPointer { p in
                    labelsRow.withUnsafeMutableBufferPointer { r in
                        source.row(y - offset, into: l.baseAddress!)
                        decision.probabilities(l.baseAddress!, width: image.width, into: p.baseAddress!)
                        decision.decideRow(p.baseAddress!, width: image.width, keep: keep, into: r.baseAddress!)
                    }
                }
            }
            for (column, x) in Swift.stride(from: 0, to: image.width, by: item.probs.stride).enumerated() where column < xs {
                for c in 0..<classes {
                    worst = max(worst, abs(probs[c * image.width + x] - expected[(c * ys + row) * xs + column]))
                }
            }
        }
        XCTAssertLessThan(worst, 1e-4, "\(item.name): the largest score difference")
        print(
            "\(item.name) (\(Int(Date().timeIntervalSince(started))) s): \(official.values.count - agree) pixels differ, labels agree on \(String(format: "%.4f", share)), scores within \(worst)"
        )
    }
}

/// Each band's logits made once.
final class BandMemo: @unchecked Sendable {
    private let make: @Sendable (Range<Int>) -> (logits: any CLIPLogitRows, offset: Int)
    private let lock = NSLock()
    private var made: [Range<Int>: (logits: any CLIPLogitRows, offset: Int)] = [:]

    init(_ make: @escaping @Sendable (Range<Int>) -> (logits: any CLIPLogitRows, offset: Int)) { self.make = make }

    func rows(_ band: Range<Int>) -> (logits: any CLIPLogitRows, offset: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let found = made[band] { return found }
        let value = make(band)
        made[band] = value
        return value
    }
}
