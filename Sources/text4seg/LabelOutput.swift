import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

/// Where `label` writes, and what.
struct LabelOutput: ParsableArguments {
    @Option(help: "Output folder: <stem>.png for each image (for images found in a folder: their path relative to it).")
    var out: String

    @Option(help: "Label maps as png (palette PNG; 16-bit gray past 255 classes) or npy (NumPy array, height × width, uint8 or uint16).")
    var format: LabelMapFormat = .png

    @Flag(help: "Also write <stem>.masks/<id>-<class>.png: one binary mask (0 or 255) per class present.")
    var maskPerClass = false

    @Flag(help: "Label the images in subfolders of folder arguments too (outputs keep the relative paths).")
    var recursive = false

    @Option(
        help: "Also write the engine's per-class score maps: <stem>.npy (float32, classes × rows × cols) and <stem>.json (the classes).")
    var saveScores: String?

    @Flag(help: "Also write <stem>.overlay.png: the image tinted and outlined with the label colors, and a legend.")
    var overlay = false

    @Option(help: "Overlays: fill (tint), outline (boundaries) or both.")
    var overlayStyle: OverlayStyle = .both

    @Option(help: "Overlays: weight of the class colors where regions are tinted, 0–1.")
    var overlayOpacity: Double = 0.5

    @Option(
        help: ArgumentHelp(
            "Overlays: dataset (the label maps' colors) or contrast (colors that stand apart from each other and from the photo, "
                + "given to each image's classes largest first; the label maps keep the dataset's)."))
    var palette: OverlayPalette = .dataset

    @Option(help: ArgumentHelp("TrueType font of the overlays' legends. (default: \(Font.defaultPath))", visibility: .hidden))
    var font: String = Font.defaultPath

    @Flag(help: "Also write <stem>.txt: the engine's answer with its <seg> descriptors (for grid engines, their grid written so).")
    var descriptors = false

    @Flag(help: "Skip images whose label map is already in --out (to finish an interrupted run).")
    var resume = false

    @Option(help: "oracle: folder of ground-truth label maps <stem>.png.")
    var groundTruth: String?

    @Flag(help: "No progress line.")
    var quiet = false

    @Flag(help: "Print one JSON object per image (its outputs and class shares) instead of a line of text.")
    var json = false
}
