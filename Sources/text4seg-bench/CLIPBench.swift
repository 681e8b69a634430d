import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegModels

extension CLIPDenseMethod: ExpressibleByArgument {}

/// `text4seg-bench clip`: the clip engine's dense inference against PyTorch.
struct CLIPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clip",
        abstract: "The clip engine's dense inference against PyTorch (transformers' CLIP), same image, same weights, same threads.",
        discussion: """
            A full-size ViT-B/16 with random weights and openai/clip-vit-base-patch16's shapes is written once by \
            scripts/clip_reference.py make-full (--script; needs torch and transformers). One image is resized to the short \
            side and normalized here; both sides then run the method's sliding windows on those exact pixels. Reports each \
            side's fastest round and peak memory, the time ratio, and how far the two sides' logits are apart.
            """)

    @Option(help: "The image.")
    var image: String = "Tests/Text4SegTestSupport/Fixtures/voc12/images/2007_000033.jpg"

    @Option(help: "The method: clearclip, sclip or naclip.")
    var method: CLIPDenseMethod = .clearclip

    @Option(help: "The image's short side.")
    var shortSide: Int = 448

    @Option(help: "Threads on each side (Swift: windows in parallel; PyTorch: intra-op threads).")
    var threads: Int = 2

    @Option(help: "The random full-size checkpoint's folder (made when missing).")
    var checkpoint: String = ".build/clip-vit-b16-random"

    @OptionGroup var timing: BenchRounds
    @OptionGroup var reference: BenchPython

    func validate() throws {
        guard Limits.view.contains(shortSide) else {
            throw ValidationError(
                "--short-side must be between \(Limits.view.lowerBound) and \(Limits.view.upperBound) (got \(shortSide))")
        }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256 (got \(threads))") }
    }

    func run() async throws {
        // The image first: a wrong path fails before a checkpoint is made.
        let source = try ImageIO.readImage(image)
        let script = reference.script ?? "scripts/clip_reference.py"
        let python = reference.python ?? "python3"
        if !FileManager.default.fileExists(atPath: checkpoint + "/model.safetensors") {
            print("writing a random ViT-B/16 checkpoint to \(checkpoint)…")
            _ = try PythonReference.run(script, ["make-full", checkpoint], python: python, needs: "torch and transformers")
        }
        let model = try CLIPModel(folder: checkpoint)
        let queries = try SafetensorsFile(path: checkpoint + "/bench-queries.safetensors").tensor("queries")
        let rows = (0..<queries.shape[0]).map { Array(queries.data[($0 * queries.shape[1])..<(($0 + 1) * queries.shape[1])]) }
        let size = CLIPEngine.resizedSize(width: source.width, height: source.height, shortSide: shortSide)
        let pixels = CLIPEngine.normalized(Resampling.cv2Linear(source, width: size.width, height: size.height))
        let d = CLIPMethodConfig.builtin(method).defaults
        let window = shortSide == d.shortSide ? d.window : min(d.window, shortSide)
        let stride = window == d.window ? d.stride : window / 2
        let folder = try TemporaryFolder.make(prefix: "text4seg-bench-clip-")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SafetensorsFile.write(
            ["pixels": Tensor(shape: [3, size.height, size.width], data: pixels)], to: folder + "/pixels.safetensors")

        let sliding = CLIPSlidingWindow(window: window, stride: stride, pad: d.padWindows)
        var logits: [Float] = []
        let best = await timing.fastest {
            logits = sliding.logits(
                model: model, pixels: pixels, height: size.height, width: size.width, queries: rows, method: method, gaussianStd: 5,
                jobs: threads)
        }
        // The high-water mark of this process (both sides read theirs the same way).
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = TextLines.split(status).first { $0.hasPrefix("VmHWM:") } ?? ""
        let swiftPeak = (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024

        let json = try PythonReference.run(
            script,
            [
                "bench", checkpoint, folder + "/pixels.safetensors", "--method", method.rawValue, "--window", String(window),
                "--stride", String(stride), "--threads", String(threads), "--repeat", String(timing.rounds), "--out",
                folder + "/torch.safetensors",
            ], python: python, needs: "torch and transformers")
        let numbers = try PythonReference.numbers(json, ["best", "peak_bytes"], script: script)
        let (torchBest, torchPeak) = (numbers[0], numbers[1])
        let torchLogits = try SafetensorsFile(path: folder + "/torch.safetensors").tensor("logits").data
        var error: Float = 0, norm: Float = 0
        for (a, b) in zip(logits, torchLogits) {
            error += (a - b) * (a - b)
            norm += b * b
        }
        let windows = sliding.windows(height: size.height, width: size.width).count
        print(
            "CLIP ViT-B/16 (random weights, real shapes), \(method.rawValue): \(size.width)×\(size.height), \(windows) windows of "
                + "\(window) stride \(stride), \(rows.count) queries, \(threads) threads")
        print(String(format: "pytorch %@: %7.2f s, peak RSS %6.0f MB", json["torch"] as? String ?? "?", torchBest, torchPeak / 1_048_576))
        print(String(format: "text4seg:          %7.2f s, peak RSS %6.0f MB", best, swiftPeak))
        print(String(format: "time ratio text4seg/pytorch: %.2f", best / torchBest))
        print(String(format: "logits relative difference: %.2e", (error / norm).squareRoot()))
    }
}
