import ArgumentParser
import Text4SegCore

/// `--refine` and the refinement size limit; each refiner's knobs are in its own group (``WatershedFlags``, …).
struct RefinementOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "auto (watershed on patch labels, crf on the embedded engine's scores), "
                + "nearest (Text4Seg's reference upsampling), watershed, crf, guided, jbu, bilinear or mode. (default: auto)"))
    var refine: RefinerKind?

    @Option(
        help: ArgumentHelp(
            "Refine larger images at a reduced size and upsample the labels, bounding time and memory; "
                + "at least 4096. (default: \(Limits.defaultMaxRefinePixels))"))
    var maxRefinePixels: Int?

    func validate() throws {
        if let maxRefinePixels { try checkRange(maxRefinePixels, 4_096...Int(UInt32.max), "--max-refine-pixels") }
    }
}
