import Foundation
import Text4SegTestSupport
import XCTest

/// What text4seg reads back and writes for people, against hostile inputs: numbers out of range
/// in reports, shards and journals end with exit 2 and a message naming the file and the field
/// (never a trap); names that look like formulas, Markdown or terminal controls stay inert; the
/// predictions kept for the page go to a private folder no planted link can redirect.
final class ReportInputsEndToEndTests: XCTestCase {
    /// A report read back and rewritten with `edit`; placeholders `"HUGE"` become 2⁶³ in the text.
    func tampered(_ path: String, to out: String, _ edit: (inout [String: Any]) -> Void) throws {
        var object = try CLI.json(path)
        edit(&object)
        let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            .replacingOccurrences(of: "\"HUGE\"", with: "9223372036854775808").replacingOccurrences(of: "\"TINY\"", with: "\(Int.min)")
            .replacingOccurrences(of: "\"ALMOST\"", with: "\((1 << 53) - 1)").replacingOccurrences(of: "\"FAR\"", with: "1e300")
        try text.write(toFile: out, atomically: true, encoding: .utf8)
    }

    func evaluate(_ folder: String, _ extra: [String]) throws {
        let run = try CLI.run(["eval", "--dataset", CLI.samples, "--engine", "oracle", "--refine", "nearest", "--quiet"] + extra)
        XCTAssertEqual(run.status, 0, run.stderr)
    }

    func testOutOfRangeNumbersInReportsShardsAndJournalsExitTwoNamingTheField() throws {
        let folder = try CLI.temporaryFolder()
        try evaluate(folder, ["--report", folder + "/r.json"])
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            (
                "classes[1].iou is 1e+300",
                { r in
                    var classes = r["classes"] as! [[String: Any]]
                    classes[1]["iou"] = "FAR"
                    r["classes"] = classes
                }
            ),
            (
                "confusion.entries[0][2] (pixels, summed) is 9223372036854775808",
                { r in
                    var confusion = r["confusion"] as! [String: Any]
                    var entries = confusion["entries"] as! [[Any]]
                    entries[0][2] = "HUGE"
                    confusion["entries"] = entries
                    r["confusion"] = confusion
                }
            ),
            (
                "confusion.shape[0] is \(Int.min)",
                { r in
                    var confusion = r["confusion"] as! [String: Any]
                    confusion["shape"] = ["TINY", "TINY"]
                    r["confusion"] = confusion
                }
            ),
        ]
        for (n, (message, edit)) in cases.enumerated() {
            let path = folder + "/t\(n).json"
            try tampered(folder + "/r.json", to: path, edit)
            let run = try CLI.run(["report", path, "--html", folder + "/t\(n).html", "--csv", folder + "/t\(n).csv"])
            XCTAssertEqual(run.status, 2, "\(message): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("\(path): \(message)"), run.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/t\(n).html"))
        }

        // Shards whose items each fit but whose counts sum past the limit when merged.
        for shard in 0..<2 {
            try evaluate(folder, ["--shard", "\(shard)/2", "--report", folder + "/s\(shard).json"])
            try tampered(folder + "/s\(shard).json", to: folder + "/s\(shard).json") { r in
                var items = r["items"] as! [[String: Any]]
                items[0]["counts"] = [[0, "ALMOST"]]
                r["items"] = items
            }
        }
        let merge = try CLI.run(["eval", "merge", folder + "/s0.json", folder + "/s1.json"])
        XCTAssertEqual(merge.status, 2, merge.stderr)
        XCTAssertTrue(merge.stderr.contains("\(folder)/s0.json + \(folder)/s1.json: counts (summed over the items)"), merge.stderr)

        // A journal line whose counts reach 2⁶³, under --resume. A journal stays only while failed
        // items remain, so one image of a copy of the samples cannot be read.
        try FileManager.default.copyItem(atPath: CLI.samples, toPath: folder + "/voc")
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: folder + "/voc/images/2007_000452.jpg"))
        let common = [
            "eval", "--dataset", folder + "/voc", "--engine", "oracle", "--refine", "nearest", "--quiet", "--report", folder + "/j.json",
        ]
        XCTAssertEqual(try CLI.run(common).status, 1)
        let journal = folder + "/j.json.journal"
        var lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").map(String.init)
        let line = try XCTUnwrap(lines.indices.first { lines[$0].contains(#""counts":[["#) })
        let counts = try NSRegularExpression(pattern: #""counts":\[\[[0-9,\[\]]*\]\]"#)
        lines[line] = counts.stringByReplacingMatches(
            in: lines[line], range: NSRange(lines[line].startIndex..., in: lines[line]),
            withTemplate: #""counts":[[0,9223372036854775808],[1,9223372036854775808]]"#)
        try (lines.joined(separator: "\n") + "\n").write(toFile: journal, atomically: true, encoding: .utf8)
        let resume = try CLI.run(common + ["--resume"])
        XCTAssertEqual(resume.status, 2, resume.stderr)
        XCTAssertTrue(resume.stderr.contains("\(journal):\(line + 1): counts[0][1] is 9223372036854775808"), resume.stderr)

        // Without a journal, --resume reads the whole report, and checks its numbers the same way.
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/r.json.journal"), "a whole report leaves no journal")
        try tampered(folder + "/r.json", to: folder + "/r.json") { r in
            var items = r["items"] as! [[String: Any]]
            items[0]["counts"] = [[0, "HUGE"]]
            r["items"] = items
        }
        let fromReport = try CLI.run([
            "eval", "--dataset", CLI.samples, "--engine", "oracle", "--refine", "nearest", "--quiet", "--report", folder + "/r.json",
            "--resume",
        ])
        XCTAssertEqual(fromReport.status, 2, fromReport.stderr)
        XCTAssertTrue(fromReport.stderr.contains("\(folder)/r.json: items[0].counts[0][1] is 9223372036854775808"), fromReport.stderr)
    }

    func testClassAndFileNamesAreInertInSpreadsheetsMarkdownAndTerminals() throws {
        let folder = try CLI.temporaryFolder()
        let voc = try String(contentsOfFile: TestPaths.packageRoot + "/Vocabularies/pascal-voc.yaml", encoding: .utf8)
        let hostile =
            voc
            .replacingOccurrences(of: "name: \"background\"", with: #"name: "\e]0;owned\a\e[2Jback|ground\n<img src=x onerror=alert(1)>""#)
            .replacingOccurrences(of: "name: \"aeroplane\"", with: #"name: "=HYPERLINK(\"http://evil\",\"x\")""#)
        try hostile.write(toFile: folder + "/hostile.yaml", atomically: true, encoding: .utf8)
        let run = try CLI.run([
            "eval", "--dataset", CLI.samples, "--vocab", folder + "/hostile.yaml", "--engine", "oracle", "--refine", "nearest",
            "--report", folder + "/r.json", "--csv", folder + "/t.csv", "--markdown", folder + "/t.md", "--worst", "3",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(run.stdout.contains("\u{1B}") || run.stderr.contains("\u{1B}"), "no raw ESC reaches the terminal")
        XCTAssertTrue(run.stdout.contains(#"\u{1B}]0;owned\u{7}\u{1B}[2Jback|ground\n<img"#), run.stdout)
        let csv = try String(contentsOfFile: folder + "/t.csv", encoding: .utf8)
        XCTAssertTrue(csv.contains("\r\n1,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\","), csv)
        let markdown = try String(contentsOfFile: folder + "/t.md", encoding: .utf8)
        XCTAssertEqual(markdown.split(separator: "\n").filter { $0.hasPrefix("| ") }.count, 1 + 21 + 1, markdown)
        XCTAssertFalse(markdown.replacingOccurrences(of: "\\<", with: "").contains("<"), "no tag outside an escape")
        XCTAssertTrue(markdown.contains(#"back\|ground\\n\<img src\=x onerror\=alert\(1\)\>"#), markdown)

        // A file name with control bytes, in label's per-image line and in an error.
        let image = folder + "/x\u{1B}[2Jy.jpg"
        try FileManager.default.copyItem(atPath: CLI.samples + "/images/2007_000033.jpg", toPath: image)
        try FileManager.default.createDirectory(atPath: folder + "/truth", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.samples + "/labels/2007_000033.png", toPath: folder + "/truth/x\u{1B}[2Jy.png")
        let label = try CLI.run([
            "label", image, "--out", folder + "/out", "--engine", "oracle", "--ground-truth", folder + "/truth", "--refine", "nearest",
        ])
        XCTAssertEqual(label.status, 0, label.stderr)
        XCTAssertTrue(label.stdout.contains(#"x\u{1B}[2Jy.jpg -> "#), label.stdout)
        let missing = try CLI.run(["label", folder + "/gone\u{1B}[2J.jpg", "--out", folder + "/out", "--engine", "oracle"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertFalse(label.stdout.contains("\u{1B}") || label.stderr.contains("\u{1B}") || missing.stderr.contains("\u{1B}"))
        XCTAssertTrue(missing.stderr.contains(#"gone\u{1B}[2J.jpg"#), missing.stderr)
    }

    func testPlantedLinksAtTheOldTemporaryNameAreNotFollowed() throws {
        let temporary = try CLI.temporaryFolder(), victim = try CLI.temporaryFolder(), folder = try CLI.temporaryFolder()
        // The old name was $TMPDIR/text4seg-predictions-<pid>: plant it for the next few thousand process ids.
        let me = ProcessInfo.processInfo.processIdentifier
        for pid in (me + 1)...(me + 5_000) { symlink(victim, temporary + "/text4seg-predictions-\(pid)") }
        let run = try CLI.run(
            [
                "eval", "--dataset", CLI.samples, "--engine", "oracle", "--refine", "nearest", "--quiet", "--html", folder + "/page.html",
                "--gallery", "1",
            ], environment: ["TMPDIR": temporary])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: victim), [], "nothing written through a planted link")
        let left = try FileManager.default.contentsOfDirectory(atPath: temporary)
        XCTAssertEqual(
            left.count, 5_000,
            "the run's own folder is gone, the planted links untouched: \(left.filter { !$0.hasPrefix("text4seg-predictions-") })")
        let page = try String(contentsOfFile: folder + "/page.html", encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "<img src=\"data:").count - 1, 2 * 4, "the gallery still has its predictions")
    }
}
