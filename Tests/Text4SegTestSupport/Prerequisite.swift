import Foundation
import Text4SegModels
import XCTest

/// Something a test needs from outside the repository. A test that lacks it is
/// skipped with a message naming what is missing and how to get it, so that a
/// fresh clone passes `swift test`; with `TEXT4SEG_REQUIRE_ALL=1` (set by
/// `.ci/run`) the same absence is a failure, so CI cannot pass by skipping.
///
///     func testOnTheDevSet() throws {
///         try Prerequisite.vocDev.require()
///         …
///     }
public enum Prerequisite: CaseIterable, Sendable {
    /// The 290-image VOC dev set beside the checkout, as `../shared/data/voc2012-val-dev`.
    case vocDev
    /// The three ADE20K val pairs beside the checkout, as `../shared/data/ade20k-val-sample`.
    case adeSample
    /// The embedded engine's weights in the model cache (`text4seg models install`).
    case models
    /// python3 alone (the Hub stub server).
    case python
    /// util-linux's `script`, which runs a command on a pseudo-terminal (for what is drawn only on a terminal).
    case script
    /// python3 with numpy and Pillow (the independent references and the stub server).
    case pythonImaging
    /// DejaVu Sans, the overlays' legend font (Debian's fonts-dejavu-core).
    case legendFont
    /// Debian's headless-capable Chromium, for the HTML report's browser test.
    case chromium
    /// CLIP's full BPE merges (open_clip_torch 3.3.0's bpe_simple_vocab_16e6.txt.gz), for the tokenizer on the real vocabulary.
    case clipMerges
    /// The annotation tools' own readers: pycocotools and label-studio-sdk for python3.
    case annotationTools
    /// python3 with numpy, Pillow, pycocotools and OpenCV: scripts/make_refer_fixtures.py.
    case referTools
    /// datumaro (its CVAT for images reader) in its own virtual environment, `.venv-datumaro`
    /// (its pins would move python3's Pillow and numpy), or the interpreter TEXT4SEG_DATUMARO_PYTHON names.
    case datumaro
    /// Label Studio from PyPI in its own virtual environment, `.venv-labelstudio`, or the
    /// interpreter TEXT4SEG_LABEL_STUDIO_PYTHON names (its `label-studio` beside it).
    case labelStudio
    /// schemathesis from PyPI in its own virtual environment, `.venv-schemathesis` (it fuzzes `serve` against its OpenAPI document).
    case schemathesis
    /// Playwright from PyPI in its own virtual environment, `.venv-playwright`, driving Debian's Chromium (the serve page's test).
    case playwright
    /// Debian's slurm-wlm and munge (slurmctld, slurmd, sbatch, munged, mungekey), for the one-node
    /// cluster scripts/slurm_cluster.sh starts on loopback.
    case slurm

    /// The Python whose environment has Label Studio.
    public static var labelStudioPython: String {
        ProcessInfo.processInfo.environment["TEXT4SEG_LABEL_STUDIO_PYTHON"] ?? TestPaths.packageRoot + "/.venv-labelstudio/bin/python"
    }

    /// The Python that has datumaro.
    public static var datumaroPython: String {
        ProcessInfo.processInfo.environment["TEXT4SEG_DATUMARO_PYTHON"] ?? TestPaths.packageRoot + "/.venv-datumaro/bin/python"
    }

    /// The schemathesis command.
    public static var schemathesisCommand: String { TestPaths.packageRoot + "/.venv-schemathesis/bin/schemathesis" }

    /// The Python whose environment has Playwright.
    public static var playwrightPython: String { TestPaths.packageRoot + "/.venv-playwright/bin/python" }

    /// Where Debian's `chromium` package puts the browser.
    public static let chromiumPath = "/usr/bin/chromium"

    /// The environment variable that turns every skip into a failure.
    public static let requireAllVariable = "TEXT4SEG_REQUIRE_ALL"

    public static var requireAll: Bool {
        ProcessInfo.processInfo.environment[requireAllVariable].map { !$0.isEmpty && $0 != "0" } ?? false
    }

    /// What is missing and how to get it, or `nil` when it is there.
    public var missing: String? {
        switch self {
        case .vocDev:
            return FileManager.default.fileExists(atPath: TestPaths.vocDev + "/ids.txt")
                ? nil : "the VOC dev set at \(TestPaths.vocDev) (the team's shared/data, laid beside the checkout)"
        case .adeSample:
            return FileManager.default.fileExists(atPath: TestPaths.adeSample + "/labels")
                ? nil : "the ADE20K sample at \(TestPaths.adeSample) (the team's shared/data, laid beside the checkout)"
        case .models:
            let store = ModelStore()
            return ModelStore.Asset.allCases.allSatisfy(store.isInstalled)
                ? nil : "the embedded engine's weights in \(store.folder) (run `text4seg models install`)"
        case .script:
            return FileManager.default.isExecutableFile(atPath: "/usr/bin/script") ? nil : "/usr/bin/script (`apt-get install util-linux`)"
        case .python:
            return Prerequisite.pythonHas("json") ? nil : "python3 (`apt-get install python3`)"
        case .pythonImaging:
            return Prerequisite.pythonHas("numpy, PIL") ? nil : "python3 with numpy and Pillow (`python3 -m pip install numpy pillow`)"
        case .chromium:
            return FileManager.default.isExecutableFile(atPath: Prerequisite.chromiumPath)
                ? nil : "Chromium at \(Prerequisite.chromiumPath) (`apt-get install chromium`)"
        case .legendFont:
            return FileManager.default.fileExists(atPath: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
                ? nil : "DejaVu Sans at /usr/share/fonts/truetype/dejavu (`apt-get install fonts-dejavu-core`)"
        case .clipMerges:
            return FileManager.default.fileExists(atPath: TestPaths.clipMerges)
                ? nil
                : "CLIP's BPE merges at \(TestPaths.clipMerges) (run `scripts/fetch_clip_bpe.sh`, or set TEXT4SEG_CLIP_BPE)"
        case .annotationTools:
            return Prerequisite.pythonHas("numpy, PIL, pycocotools, label_studio_sdk.converter.brush")
                ? nil : "python3 with pycocotools and label-studio-sdk (`python3 -m pip install pycocotools label-studio-sdk`)"
        case .referTools:
            return Prerequisite.pythonHas("numpy, PIL, pycocotools, cv2")
                ? nil : "python3 with numpy, Pillow, pycocotools and OpenCV (`python3 -m pip install pycocotools opencv-python-headless`)"
        case .datumaro:
            let python = Prerequisite.datumaroPython
            let works = (try? CLI.run(python, ["-c", "import datumaro.plugins.data_formats.cvat.base"]))?.status == 0
            return works
                ? nil
                : "datumaro at \(python) (`python3 -m venv .venv-datumaro && .venv-datumaro/bin/pip install datumaro==1.13.12`)"
        case .labelStudio:
            let python = Prerequisite.labelStudioPython
            let binary = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("label-studio").path
            return FileManager.default.isExecutableFile(atPath: binary)
                ? nil
                : "Label Studio at \(binary) (`python3 -m venv .venv-labelstudio && .venv-labelstudio/bin/pip install label-studio==1.23.2`)"
        case .schemathesis:
            return FileManager.default.isExecutableFile(atPath: Prerequisite.schemathesisCommand)
                ? nil
                : "schemathesis at \(Prerequisite.schemathesisCommand) (`python3 -m venv .venv-schemathesis && .venv-schemathesis/bin/pip install schemathesis==4.32.5`)"
        case .playwright:
            let works = (try? CLI.run(Prerequisite.playwrightPython, ["-c", "import playwright.sync_api"]))?.status == 0
            return works && FileManager.default.isExecutableFile(atPath: Prerequisite.chromiumPath)
                ? nil
                : "Playwright at \(Prerequisite.playwrightPython) and Chromium at \(Prerequisite.chromiumPath) "
                    + "(`python3 -m venv .venv-playwright && .venv-playwright/bin/pip install playwright==1.65.3`; `apt-get install chromium`)"
        case .slurm:
            let absent = ["slurmctld", "slurmd", "sbatch", "munged", "mungekey"].filter { Prerequisite.executable($0) == nil }
            return absent.isEmpty
                ? nil : "\(absent.joined(separator: ", ")) on PATH or in /usr/sbin (`apt-get install slurm-wlm munge`)"
        }
    }

    /// Skips the test (fails it under `TEXT4SEG_REQUIRE_ALL=1`) when the prerequisite is missing.
    public func require(file: StaticString = #filePath, line: UInt = #line) throws {
        guard let missing else { return }
        if Prerequisite.requireAll {
            XCTFail(
                "missing \(missing); \(Prerequisite.requireAllVariable) is set, so this is a failure, not a skip", file: file, line: line)
        }
        throw XCTSkip("needs \(missing)", file: file, line: line)
    }

    /// Where `name` is on PATH, or in /usr/sbin and /sbin (daemons, which a user's PATH may leave out).
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]).map { $0 + "/" + name }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    nonisolated(unsafe) private static var pythonAnswers: [String: Bool] = [:]
    private static let lock = NSLock()

    static func pythonHas(_ modules: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let known = pythonAnswers[modules] { return known }
        let result = (try? CLI.run("/usr/bin/env", ["python3", "-c", "import \(modules)"]))?.status == 0
        pythonAnswers[modules] = result
        return result
    }
}
