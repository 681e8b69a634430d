import ArgumentParser
import Text4SegCore

/// `--refine` (a ``PipelineSettings`` key, as `refine:` is in config files); each refiner's
/// knobs are in its own group (``WatershedFlags``, …).
struct RefinementOptions: SettingsFlags {
    typealias Settings = PipelineSettings

    @Option(
        help: ArgumentHelp(
            "auto (watershed on patch labels, crf on the embedded engine's scores, bilinear on CLIP's), "
                + "nearest (Text4Seg's reference upsampling), watershed, crf, guided, jbu, bilinear or mode. "
                + "(default: \(Settings.defaults.refine.rawValue))"))
    var refine: RefinerKind?
}
