import Foundation
import Text4SegTestSupport
import XCTest

final class CommandsEndToEndTests: XCTestCase {
    func testDescriptorsEncodeThenDecodeReproducesTheOracleLabelMap() throws {
        let folder = try CLI.temporaryFolder()
        let label = CLI.samples + "/labels/2007_000033.png"
        let encode = try CLI.run([
            "descriptors", "encode", label, "--vocab", "pascal-voc", "--grid", "24", "--answer", "--out", folder + "/d.txt",
        ])
        XCTAssertEqual(encode.status, 0, encode.stderr)
        let text = try String(contentsOfFile: folder + "/d.txt", encoding: .utf8)
        XCTAssertTrue(text.contains("aeroplane *"), text)
        let decode = try CLI.run([
            "descriptors", "decode", folder + "/d.txt", "--grid", "24", "--size", "500x366", "--out", folder + "/d.png", "--strict",
        ])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        XCTAssertEqual(decode.stderr, "")
        let label2 = try CLI.run([
            "label", CLI.samples + "/images/2007_000033.jpg", "--engine", "oracle", "--ground-truth", CLI.samples + "/labels", "--refine",
            "nearest", "--out", folder + "/labels",
        ])
        XCTAssertEqual(label2.status, 0, label2.stderr)
        XCTAssertEqual(
            FileManager.default.contents(atPath: folder + "/d.png"),
            FileManager.default.contents(atPath: folder + "/labels/2007_000033.png"))
        // Plain descriptor text on standard output, Text4Seg's format (checked against Pillow's 4×4 NEAREST resize).
        let plain = try CLI.run(["descriptors", "encode", label, "--grid", "4"])
        XCTAssertEqual(plain.stdout, "others *4\n aeroplane *1| others *3\n others *2| aeroplane *1| others *1\n others *4\n")
    }

    func testStrictDecodingRefusesRepairs() throws {
        let folder = try CLI.temporaryFolder()
        let cut = "Sure, the segmentation mask is:\n<seg>others *24\n others *12| cat *1"
        let tolerant = try CLI.run(["descriptors", "decode", "-", "--size", "10x10", "--out", folder + "/t.png"], input: cut)
        XCTAssertEqual(tolerant.status, 0, tolerant.stderr)
        XCTAssertTrue(tolerant.stderr.contains("cut off"), tolerant.stderr)
        let strict = try CLI.run(["descriptors", "decode", "-", "--size", "10x10", "--out", folder + "/s.png", "--strict"], input: cut)
        XCTAssertNotEqual(strict.status, 0)
        XCTAssertTrue(strict.stderr.contains("strict"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/s.png"))
    }

    func testVocabCommands() throws {
        let list = try CLI.run(["vocab", "list"])
        XCTAssertEqual(list.status, 0)
        XCTAssertEqual(list.stdout.split(separator: "\n").count, 4)
        let show = try CLI.run(["vocab", "show", "pascal-voc"])
        XCTAssertTrue(show.stdout.contains("20\ttvmonitor\tTV\t#004080"), show.stdout)
        let good = try CLI.run(["vocab", "check", "pascal-voc", CLI.packageRoot + "/Vocabularies/coco-stuff-171.yaml"])
        XCTAssertEqual(good.status, 0, good.stdout)
        let folder = try CLI.temporaryFolder()
        try "name: x\nclasses:\n  - id: 1\n    name: cat\n    colour: red\n  - id: 1\n    name: dog\n".write(
            toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try CLI.run(["vocab", "check", folder + "/bad.yaml"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stdout.contains("bad.yaml:5:5: error: unknown key 'colour'"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("bad.yaml:6:9: error: duplicate id 1"), bad.stdout)
    }

    func testPromptCommand() throws {
        let question = try CLI.run(["prompt", "--vocab", "pascal-voc"])
        XCTAssertEqual(
            question.stdout,
            "Please segment the image based on the category: "
                + "others|aeroplane|bicycle|bird|ship|bottle|bus|car|cat|chair|cow|table|dog|horse|motorbike|person|potted "
                + "plant|sheep|sofa|train|TV.\n"
        )
        let vicuna = try CLI.run(["prompt", "--task", "all", "--format", "vicuna_v1"])
        XCTAssertTrue(
            vicuna.stdout.hasSuffix(" USER: <image>\nSegment the entire image and classify each category separately. ASSISTANT:\n"),
            vicuna.stdout)
        let openai = try CLI.run(["prompt", "--format", "openai"])
        XCTAssertTrue(openai.stdout.contains("\"image_url\""), openai.stdout)
    }

    func testConfigFileAndItsErrors() throws {
        let folder = try CLI.temporaryFolder()
        try "engine: oracle\ngrid: 16\n".write(toFile: folder + "/c.yaml", atomically: true, encoding: .utf8)
        let run = try CLI.run(["eval", "--dataset", CLI.samples, "--config", folder + "/c.yaml", "--report", folder + "/r.json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try CLI.json(folder + "/r.json")["grid"] as? Int, 16)
        try "engine: oracle\ngird: 16\n".write(toFile: folder + "/typo.yaml", atomically: true, encoding: .utf8)
        let typo = try CLI.run(["eval", "--dataset", CLI.samples, "--config", folder + "/typo.yaml"])
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.stderr.contains("typo.yaml:2:1: unknown key 'gird'"), typo.stderr)
    }

    func testRefinerSettingsFromTheConfigFile() throws {
        let folder = try CLI.temporaryFolder()
        func miou(_ config: String, _ extra: [String] = []) throws -> Double {
            try config.write(toFile: folder + "/c.yaml", atomically: true, encoding: .utf8)
            let run = try CLI.run(
                ["eval", "--dataset", CLI.samples, "--config", folder + "/c.yaml", "--report", folder + "/r.json"] + extra)
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertEqual(try CLI.json(folder + "/r.json")["refiner"] as? String, "watershed")
            return try CLI.json(folder + "/r.json")["mIoU"] as! Double
        }
        let defaults = try miou("engine: oracle\nrefine: watershed\n")
        // A band of 0 cells re-decides only the pixels at label changes: close to nearest.
        let pinned = try miou("engine: oracle\nrefine: watershed\nwatershed:\n  margin: 0\n  others_margin: 0\n")
        let reference = try CLI.run([
            "eval", "--dataset", CLI.samples, "--engine", "oracle", "--refine", "nearest", "--report", folder + "/n.json",
        ])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let nearest = try CLI.json(folder + "/n.json")["mIoU"] as! Double
        XCTAssertEqual(pinned, nearest, accuracy: 0.5)
        XCTAssertGreaterThan(defaults, pinned + 1)
        // Flags override the file.
        XCTAssertEqual(
            try miou(
                "engine: oracle\nrefine: watershed\nwatershed: {margin: 0, others_margin: 0}\n",
                ["--watershed-margin", "0.34", "--watershed-others-margin", "1.6"]), defaults, accuracy: 1e-9)
        // Every section is checked, also for a refiner not in use: keys, types and ranges, with line and column.
        for (config, message) in [
            (
                "engine: oracle\nwatershed:\n  margn: 2\n",
                "typo.yaml:3:3: unknown key 'margn' in watershed. Did you mean 'margin'? Expected one of: margin,"
            ),
            ("engine: oracle\ncrf: {iterations: 2.5}\n", "typo.yaml:2:19: crf.iterations: '2.5' is not a whole number"),
            ("engine: oracle\ncrf: {iterations: 500}\n", "typo.yaml:2:19: crf.iterations: 500 is out of range (1–100)"),
            ("engine: oracle\nguided: {upsampling: cubic}\n", "guided.upsampling: 'cubic' is not one of nearest, bilinear"),
            ("engine: oracle\nembedded: {top_k: many}\n", "typo.yaml:2:19: embedded.top_k: 'many' is not a number"),
            ("engine: oracle\nrefine_options: {margin: 2}\n", "typo.yaml:2:1: refine_options was replaced by one section per refiner"),
        ] {
            try config.write(toFile: folder + "/typo.yaml", atomically: true, encoding: .utf8)
            let typo = try CLI.run(["eval", "--dataset", CLI.samples, "--config", folder + "/typo.yaml"])
            XCTAssertEqual(typo.status, 2, config)
            XCTAssertTrue(typo.stderr.contains(message), typo.stderr)
        }
    }

    func testTuningFlagsAreCheckedAtParseTimeAndOldNamesPointToTheNewOnes() throws {
        let out = try CLI.temporaryFolder()
        let outOfRange = try CLI.run(["eval", "--dataset", CLI.samples, "--engine", "oracle", "--crf-iterations", "0"])
        XCTAssertEqual(outOfRange.status, 64)
        XCTAssertTrue(outOfRange.stderr.contains("--crf-iterations must be between 1 and 100 (got 0)"), outOfRange.stderr)
        let renamed = try CLI.run(["label", CLI.samples + "/images/2007_000033.jpg", "--out", out, "--ws-margin=0.2"])
        XCTAssertEqual(renamed.status, 64)
        XCTAssertTrue(renamed.stderr.contains("--ws-margin is now --watershed-margin"), renamed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/2007_000033.png"))
    }
}

/// Each hidden tuning flag reaches the setting it is named after: given its default, the run's
/// settings in the report show that key with that value (a flag whose property names no
/// setting is refused as an unknown key, so the run would fail).
final class TuningFlagsEndToEndTests: XCTestCase {
    func testEveryTuningFlagReachesItsSetting() throws {
        let help = try CLI.run(["eval", "run", "--help-hidden"], environment: ["COLUMNS": "400"]).stdout
        let folder = try CLI.temporaryFolder()
        var checked = 0
        for refiner in ["watershed", "crf", "guided", "jbu", "mode"] {
            // "--crf-iterations <crf-iterations>\n    Mean-field iterations; 1–100. (default: 5)"
            let pattern = try NSRegularExpression(pattern: "--\(refiner)-([a-z-]+) <[a-z-]+>[^(]*\\(default: ([a-z0-9.]+)")
            let matches = pattern.matches(in: help, range: NSRange(help.startIndex..., in: help))
            XCTAssertFalse(matches.isEmpty, refiner)
            var arguments = ["eval", "--dataset", CLI.samples, "--engine", "oracle", "--limit", "1", "--refine", refiner]
            var expected: [String: String] = [:]
            for match in matches {
                let name = String(help[Range(match.range(at: 1), in: help)!])
                let value = String(help[Range(match.range(at: 2), in: help)!])
                arguments += ["--\(refiner)-\(name)", value]
                expected["refine.\(name.replacingOccurrences(of: "-", with: "_"))"] = value
            }
            let run = try CLI.run(arguments + ["--report", folder + "/\(refiner).json"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let settings = try XCTUnwrap(CLI.json(folder + "/\(refiner).json")["settings"] as? [String: String])
            for (key, value) in expected {
                let stored = try XCTUnwrap(settings[key], "\(refiner): \(key) is not a setting")
                if let number = Double(value) {
                    XCTAssertEqual(Double(stored), number, "\(refiner): \(key)")
                } else {
                    XCTAssertEqual(stored, value, "\(refiner): \(key)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 16)
    }
}
