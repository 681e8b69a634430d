import ArgumentParser
import Foundation
import Text4SegCore

/// `text4seg-bench crf`: the dense CRF against pydensecrf2, with the guided filter and the
/// watershed measured beside them.
struct CRFBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crf",
        abstract: "text4seg's dense CRF against pydensecrf2 (Krähenbühl's C++), same inputs and parameters, one thread each.",
        discussion: """
            Runs scripts/bench_densecrf.py (needs `pip install pydensecrf2`) on the same oracle grids of the dataset's first \
            100 images (by default). Prints both mIoUs and the CRF time per image on the dataset, and on a 500×375 image with \
            2 and with 21 classes (the fastest of --rounds); the guided filter and the seeded watershed (the default on patch \
            labels) are measured beside them.
            """)

    @OptionGroup var data: BenchDataset
    @OptionGroup var grid: BenchGrid
    @OptionGroup var timing: BenchRounds
    @OptionGroup var reference: BenchPython

    func run() async throws {
        let items = try data.items(defaultLimit: 100)
        let voc = try Vocabulary.load("pascal-voc")
        let g = grid.size
        let crf = DenseCRFRefiner()
        var matrix = ConfusionMatrix(classCount: voc.labelCount)
        var crfSeconds = 0.0
        let watershed = WatershedRefiner()
        var watershedMatrix = ConfusionMatrix(classCount: voc.labelCount)
        var watershedSeconds = 0.0
        for item in items {
            let image = try ImageIO.readImage(item.imagePath)
            let truth = try ImageIO.readLabelMap(item.labelPath)
            let cells = truth.downsample(rows: g, cols: g, rule: .nearest, ignoreValue: 255, othersValue: 0)
            let start = Date()
            let map = try crf.refine(RefinementInput(grid: cells, image: image))
            crfSeconds += Date().timeIntervalSince(start)
            try matrix.add(prediction: map, groundTruth: truth)
            let watershedStart = Date()
            let watershedMap = try watershed.refine(RefinementInput(grid: cells, image: image))
            watershedSeconds += Date().timeIntervalSince(watershedStart)
            try watershedMatrix.add(prediction: watershedMap, groundTruth: truth)
        }
        let swiftMIoU = matrix.metrics().meanIoU * 100
        let dataset = try runPython(["--limit", String(items.count)], ["mIoU", "ms_per_image"])
        let (pythonMIoU, pythonMs) = (dataset[0], dataset[1])
        let swiftMs = crfSeconds / Double(items.count) * 1000
        print(
            "dense CRF, oracle \(g)×\(g) grids, \(items.count) images, defaults: 5 iterations, Gaussian sxy 3 compat 3, "
                + "bilateral sxy 50 srgb 13 compat 10, gt_prob 0.9"
        )
        print(String(format: "pydensecrf2: mIoU %.4f  %.1f ms/image", pythonMIoU, pythonMs))
        print(String(format: "text4seg:    mIoU %.4f  %.1f ms/image", swiftMIoU, swiftMs))
        print(
            String(
                format: "mIoU difference %.4f points; time ratio text4seg/pydensecrf2 %.2f", abs(swiftMIoU - pythonMIoU),
                swiftMs / pythonMs))
        print(
            String(
                format: "watershed:   mIoU %.4f  %.1f ms/image (text4seg's default on patch labels)",
                watershedMatrix.metrics().meanIoU * 100, watershedSeconds / Double(items.count) * 1000))

        // The reference reads this image of the dataset for its synthetic cases.
        let sample = try ImageIO.readImage(data.dataset + "/images/2007_000033.jpg")
        let image = Resampling.bilinear(sample, width: 500, height: 375)
        let guided = GuidedFilterRefiner(radius: 8, epsilon: 0.001)
        print("500×375 image, vertical bands of K classes (ms, fastest of \(timing.rounds)):")
        for k in [2, 21] {
            let cells = DescriptorGrid(rows: g, cols: g, values: (0..<(g * g)).map { UInt16(($0 % g) * k / g) })
            let input = RefinementInput(grid: cells, image: image)
            let crfMs = try await timing.fastest { _ = try crf.refine(input) } * 1000
            let guidedMs = try await timing.fastest { _ = try guided.refine(input) } * 1000
            let watershedMs = try await timing.fastest { _ = try watershed.refine(input) } * 1000
            let pythonMs = try runPython(["--synthetic", String(k), "--repeat", String(timing.rounds)], ["ms"])[0]
            print(
                String(
                    format: "  K = %2d: pydensecrf2 %7.1f   text4seg crf %7.1f (ratio %.2f)   guided %6.1f   watershed %6.1f",
                    k, pythonMs, crfMs, crfMs / pythonMs, guidedMs, watershedMs))
        }
    }

    /// The reference's numbers `keys` for one run with `extra` arguments.
    func runPython(_ extra: [String], _ keys: [String]) throws -> [Double] {
        let script = reference.script ?? "scripts/bench_densecrf.py"
        let json = try PythonReference.run(
            script, ["--dataset", data.dataset, "--grid", String(grid.size)] + extra, python: reference.python ?? "python3",
            needs: "numpy, Pillow and pydensecrf2 (`python3 -m pip install pydensecrf2`)")
        return try PythonReference.numbers(json, keys, script: script)
    }
}
