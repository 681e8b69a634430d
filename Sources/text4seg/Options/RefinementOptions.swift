import ArgumentParser
import Text4SegCore

/// `--refine` (a ``PipelineSettings`` key, as `refine:` is in config files); each refiner's
/// knobs are in its own group (``WatershedFlags``, …).
struct RefinementOptions: SettingsFlags {
    typealias Settings = PipelineSettings

    @Option(
        help: ArgumentHelp(
            "auto (watershed on patch labels, crf on the embedded engine's scores, method on clip), "
                + "nearest (Text4Seg's reference upsampling), watershed, crf, guided, jbu, bilinear, mode, "
                + "method (clip's own per-pixel pipeline) or pamr (on an engine's scores). "
                + "(default: \(Settings.defaults.refine.rawValue))"))
    var refine: RefinerKind?
}
