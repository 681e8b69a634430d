import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

@testable import Text4SegModels

/// The methods' configs as data (Configs/clip/*.yaml, from the official repositories by
/// scripts/clip_method_configs.py), and how a vocabulary picks one.
final class CLIPMethodConfigTests: XCTestCase {
    /// Values checked by hand against each repository's configs/cfg_*.py and segmentor defaults.
    func testTheConfigsHoldTheOfficialNumbers() throws {
        let clear = CLIPMethodConfig.builtin(.clearclip), sclip = CLIPMethodConfig.builtin(.sclip)
        let naclip = CLIPMethodConfig.builtin(.naclip)
        XCTAssertEqual(clear.commit.prefix(7), "ad68a40")
        XCTAssertEqual(sclip.commit.prefix(7), "b56bd30")
        XCTAssertEqual(naclip.commit.prefix(7), "0cac3a6")
        for config in [clear, sclip, naclip] {
            XCTAssertEqual(
                Set(config.datasets.keys).intersection([
                    "voc21", "voc20", "context60", "context59", "coco_stuff164k", "coco_object", "ade20k", "cityscapes",
                ]).count,
                8, "\(config.method)")
        }
        let c = try XCTUnwrap(clear.datasets["voc21"])
        XCTAssertEqual([c.shortSide, c.window, c.stride], [448, 448, 224])
        XCTAssertEqual([c.logitScale, c.threshold], [50, 0.5])
        XCTAssertTrue(c.padWindows && c.background && c.wholeLogitsAtOriginal && !c.renormalize)
        XCTAssertNil(c.areaThreshold)
        XCTAssertEqual(c.pamrSteps, 0)
        XCTAssertEqual(clear.datasets["context60"]?.threshold, 0.15)
        XCTAssertEqual(clear.datasets["coco_object"]?.threshold, 0.4)
        XCTAssertEqual(clear.datasets["cityscapes"]?.window, 224)
        let s = try XCTUnwrap(sclip.datasets["voc21"])
        XCTAssertEqual([s.shortSide, s.window, s.stride], [336, 224, 112])
        XCTAssertEqual([s.logitScale, s.threshold, s.areaThreshold], [65, 0.1, 0.1])
        XCTAssertFalse(s.padWindows)
        XCTAssertEqual(s.queries.count, 21)
        XCTAssertEqual(s.queries[0].count, 26, "SCLIP's VOC-21 background is a line of 26 stuff words")
        XCTAssertEqual(s.queries[4], ["ship"])
        XCTAssertEqual(sclip.datasets["coco_stuff164k"]?.shortSide, 448)
        XCTAssertEqual(sclip.datasets["cityscapes"]?.shortSide, 560)
        XCTAssertEqual(sclip.datasets["context60"]?.logitScale, 50)
        XCTAssertEqual(sclip.datasets["voc20"]?.threshold, 0)
        let n = try XCTUnwrap(naclip.datasets["voc21"])
        XCTAssertEqual([n.shortSide, n.window, n.pamrSteps], [336, 0, 10])
        XCTAssertEqual(n.pamrDilations, [8, 16])
        XCTAssertTrue(n.renormalize && !n.wholeLogitsAtOriginal)
        XCTAssertEqual(naclip.datasets["voc20"]?.window, 0)
        XCTAssertEqual(naclip.datasets["ade20k"]?.window, 224)
        XCTAssertEqual(naclip.datasets["ade20k"]?.queries.count, 150)
        XCTAssertEqual(naclip.datasets["coco_stuff164k"]?.queries.count, 171)
    }

    /// The files compiled in are the ones in Configs/clip, byte for byte.
    func testTheEmbeddedConfigsAreTheRepositorysFiles() throws {
        for method in CLIPDenseMethod.allCases {
            let path = TestPaths.packageRoot + "/Configs/clip/\(method.rawValue).yaml"
            let onDisk = try String(contentsOfFile: path, encoding: .utf8)
            // The literal drops the file's last newline.
            XCTAssertTrue(EmbeddedCLIPConfigs.files[method.rawValue].map { $0 + "\n" } == onDisk, method.rawValue)
        }
    }

    func testBuiltinVocabulariesPickTheirDataset() throws {
        func pick(_ name: String, ignored: Bool) throws -> String? {
            CLIPMethodConfig.automaticDataset(for: try Vocabulary.load(name), othersIgnored: ignored)
        }
        XCTAssertEqual(try pick("pascal-voc", ignored: false), "voc21")
        XCTAssertEqual(try pick("pascal-voc", ignored: true), "voc20")
        XCTAssertEqual(try pick("pascal-context-59", ignored: false), "context60")
        XCTAssertEqual(try pick("pascal-context-59", ignored: true), "context59")
        XCTAssertEqual(try pick("coco-stuff-171", ignored: false), "coco_stuff164k")
        XCTAssertEqual(try pick("ade20k-150", ignored: true), "ade20k")
        XCTAssertNil(CLIPMethodConfig.automaticDataset(for: try Vocabulary.load("{classes: [cat, dog]}"), othersIgnored: false))
        // The class names of every built-in vocabulary's config agree with it line by line where the
        // dataset's names are the same words (the methods rename a few, e.g. VOC's "boat" is "ship").
        for (vocabulary, key, ignored) in [
            ("pascal-voc", "voc21", false), ("pascal-context-59", "context60", false), ("coco-stuff-171", "coco_stuff164k", false),
            ("ade20k-150", "ade20k", true),
        ] {
            for method in CLIPDenseMethod.allCases {
                let recipe = try CLIPEngine.Settings.with(method: method).recipe(
                    for: try Vocabulary.load(vocabulary), othersIgnored: ignored)
                XCTAssertEqual(recipe.dataset, key)
                XCTAssertEqual(
                    recipe.labels,
                    (try Vocabulary.load(vocabulary)).classes.map(\.id).sorted().filter { !ignored || $0 != 0 }.map { UInt16($0) })
            }
        }
    }

    /// VOC-21 under SCLIP: line 0 (26 stuff words) is background (label 0), each other line its
    /// class in id order, and a pixel under the threshold is background.
    func testARecipeMapsClassLinesToLabels() throws {
        let voc = try Vocabulary.load("pascal-voc")
        let recipe = try CLIPEngine.Settings.with(method: .sclip).recipe(for: voc, othersIgnored: false)
        // 26 stuff words, 18 classes of one name, "person" and 6 kinds of it, 5 names of the TV.
        XCTAssertEqual(recipe.names.count, 26 + 18 + 7 + 5)
        XCTAssertEqual(recipe.slots.prefix(27), ArraySlice(Array(repeating: 0, count: 26) + [1]))
        XCTAssertEqual(recipe.slots.suffix(5), ArraySlice(Array(repeating: 20, count: 5)))
        XCTAssertEqual(recipe.labels, (0...20).map { UInt16($0) })
        XCTAssertEqual(recipe.belowThreshold, 0)
        XCTAssertEqual(recipe.settings.logitScale, 65)
        XCTAssertTrue(recipe.summary.contains("voc21"), recipe.summary)
        XCTAssertTrue(recipe.summary.contains("area threshold 0.1"), recipe.summary)

        // VOC-20 for a run that ignores background: 20 lines, no threshold.
        let twenty = try CLIPEngine.Settings.with(method: .sclip).recipe(for: voc, othersIgnored: true)
        XCTAssertEqual(twenty.labels, (1...20).map { UInt16($0) })
        XCTAssertEqual(twenty.settings.threshold, 0)

        // Flags override the config's numbers.
        var settings = CLIPEngine.Settings.with(method: .sclip)
        (settings.logitScale, settings.areaThreshold, settings.window, settings.backgroundThreshold) = (30, 0, 0, 0.3)
        let changed = try settings.recipe(for: voc, othersIgnored: false)
        XCTAssertEqual(changed.settings.logitScale, 30)
        XCTAssertNil(changed.settings.areaThreshold)
        XCTAssertEqual(changed.settings.window, 0)
        XCTAssertEqual(changed.settings.threshold, 0.3)
    }

    func testAVocabularyWithoutAConfigQueriesItsOwnNames() throws {
        let (vocabulary, issues) = VocabularyLoader.parse(
            """
            classes:
              - {id: 0, name: background, prompt: others}
              - {id: 1, name: cat, synonyms: [kitten]}
              - {id: 2, name: sofa, queries: [sofa, couch, settee]}
            """, file: "v.yaml")
        XCTAssertEqual(issues, [])
        let v = try XCTUnwrap(vocabulary)
        XCTAssertEqual(v.classes[2].queries, ["sofa", "couch", "settee"])
        XCTAssertNil(v.classes[1].queries)
        let recipe = try CLIPEngine.Settings.with(method: .clearclip).recipe(for: v, othersIgnored: false)
        XCTAssertNil(recipe.dataset)
        XCTAssertEqual(recipe.names, ["background", "cat", "kitten", "sofa", "couch", "settee"])
        XCTAssertEqual(recipe.slots, [0, 1, 1, 2, 2, 2])
        XCTAssertEqual(recipe.settings.threshold, 0.5, "ClearCLIP's VOC-21 threshold for a queried background")
        XCTAssertEqual(recipe.settings.shortSide, 448)

        // A config whose lines do not fit the vocabulary is refused, naming both counts.
        var settings = CLIPEngine.Settings.with(method: .clearclip)
        settings.dataset = "voc21"
        XCTAssertThrowsError(try settings.recipe(for: v, othersIgnored: false)) { error in
            XCTAssertEqual(error as? CLIPRecipeError, .classCountMismatch(dataset: "voc21", lines: 21, classes: 3))
        }
        settings.dataset = "nope"
        XCTAssertThrowsError(try settings.validate())
    }

    /// Queries change a vocabulary's hash only when a class has them, so reports and resumed runs
    /// of vocabularies without them keep theirs.
    func testQueriesEnterTheHashOnlyWhenGiven() throws {
        let plain = try Vocabulary.load("{classes: [cat, dog]}")
        var with = plain
        with.classes[1].queries = ["cat", "kitty"]
        XCTAssertNotEqual(plain.contentHash, with.contentHash)
        XCTAssertEqual(plain.contentHash, try Vocabulary.load("{classes: [cat, dog]}").contentHash)
    }
}

extension CLIPEngine.Settings {
    static func with(method: CLIPDenseMethod) -> Self {
        var settings = Self()
        settings.method = method
        return settings
    }
}
