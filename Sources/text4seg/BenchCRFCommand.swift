import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegEngines

extension Bench {
    struct CRF: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crf",
            abstract: "text4seg's dense CRF against pydensecrf2 (Krähenbühl's C++), same inputs and parameters, one thread each.",
            discussion:
                "Runs scripts/bench_densecrf.py (needs `pip install pydensecrf2`) on the same oracle grids. Prints both mIoUs and "
                + "the CRF time per image on the dataset, and on a 500×375 image with 2 and with 21 classes; "
                + "the guided filter and the "
                + "seeded watershed (the default on patch labels) are measured beside them."
        )

        @Option(help: "Dataset folder (images/ + labels/ + ids.txt).")
        var dataset: String = "../shared/data/voc2012-val-dev"

        @Option(help: "Images from the dataset.")
        var limit: Int = 100

        @Option(help: "Grid size G.")
        var grid: Int = 24

        @Option(help: "Timing runs per synthetic case; the fastest counts.")
        var runs: Int = 5

        @Option(help: "The Python reference script.")
        var python: String = "scripts/bench_densecrf.py"

        func run() async throws {
            let voc = try Vocabulary.load("pascal-voc")
            let crf = DenseCRFRefiner()
            let items = Array(try Dataset.items(at: dataset).prefix(limit))
            var matrix = ConfusionMatrix(classCount: voc.labelCount)
            var crfSeconds = 0.0
            let watershed = WatershedRefiner()
            var watershedMatrix = ConfusionMatrix(classCount: voc.labelCount)
            var watershedSeconds = 0.0
            for item in items {
                let image = try ImageIO.readImage(item.imagePath)
                let truth = try ImageIO.readLabelMap(item.labelPath)
                let cells = truth.downsample(rows: grid, cols: grid, rule: .nearest, ignoreValue: 255, othersValue: 0)
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
            let reference = try runPython(["--limit", String(limit)])
            let pythonMIoU = reference["mIoU"] as! Double, pythonMs = reference["ms_per_image"] as! Double
            let swiftMs = crfSeconds / Double(items.count) * 1000
            print(
                "dense CRF, oracle \(grid)×\(grid) grids, \(items.count) images, defaults: 5 iterations, Gaussian sxy 3 compat 3, "
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

            let sample = try ImageIO.readImage(dataset + "/images/2007_000033.jpg")
            let image = Resampling.bilinear(sample, width: 500, height: 375)
            let guided = GuidedFilterRefiner(radius: 8, epsilon: 0.001)
            print("500×375 image, vertical bands of K classes (ms, fastest of \(runs)):")
            for k in [2, 21] {
                let cells = DescriptorGrid(rows: grid, cols: grid, values: (0..<(grid * grid)).map { UInt16(($0 % grid) * k / grid) })
                let input = RefinementInput(grid: cells, image: image)
                let crfMs = try fastest { _ = try crf.refine(input) }
                let guidedMs = try fastest { _ = try guided.refine(input) }
                let watershedMs = try fastest { _ = try watershed.refine(input) }
                let reference = try runPython(["--synthetic", String(k), "--repeat", String(runs)])
                let pythonMs = reference["ms"] as! Double
                print(
                    String(
                        format: "  K = %2d: pydensecrf2 %7.1f   text4seg crf %7.1f (ratio %.2f)   guided %6.1f   watershed %6.1f",
                        k, pythonMs, crfMs, crfMs / pythonMs, guidedMs, watershedMs))
            }
        }

        func fastest(_ body: () throws -> Void) throws -> Double {
            var best = Double.infinity
            for _ in 0..<max(1, runs) {
                let start = Date()
                try body()
                best = min(best, Date().timeIntervalSince(start) * 1000)
            }
            return best
        }

        func runPython(_ extra: [String]) throws -> [String: Any] {
            try PythonReference.run(
                python, ["--dataset", dataset, "--grid", String(grid)] + extra,
                needs: "numpy, Pillow and pydensecrf2 (`python3 -m pip install pydensecrf2`)")
        }
    }
}
