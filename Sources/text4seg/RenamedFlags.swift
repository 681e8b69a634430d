import ArgumentParser
import Text4SegCommandLine

/// Tuning flags of `label` and `eval` that 0.5 renamed to `--<section>-<setting>`, the
/// setting's name in config files (`--ws-margin` is `--watershed-margin`, `watershed: {margin: …}`).
/// ArgumentParser refuses an old name as an unknown option; this names the new one.
///
///     RenamedFlags.message(for: ["label", "a.jpg", "--ws-margin=0.2"])
///     // "--ws-margin is now --watershed-margin (tuning flags are named …)"
enum RenamedFlags {
    static let newNames: [String: String] = [
        "--ws-margin": "--watershed-margin", "--ws-others-margin": "--watershed-others-margin", "--ws-sigma": "--watershed-sigma",
        "--ws-colour-weight": "--watershed-color-weight", "--ws-lightness": "--watershed-lightness-weight",
        "--crf-sxy": "--crf-bilateral-sxy", "--crf-srgb": "--crf-bilateral-srgb", "--crf-compat": "--crf-bilateral-compat",
        "--crf-gt-prob": "--crf-ground-truth-probability", "--radius": "--guided-radius or --mode-radius", "--eps": "--guided-epsilon",
        "--upsample": "--guided-upsampling or --crf-upsampling", "--sigma-space": "--jbu-spatial-sigma",
        "--sigma-color": "--jbu-color-sigma", "--input-size": "--embedded-input-size", "--top-k": "--embedded-top-k",
        "--gate": "--embedded-gate", "--background-threshold": "--embedded-background-threshold",
        "--relative-threshold": "--embedded-relative-threshold", "--normalize-mass": "--embedded-normalize-mass",
        "--similarity-temperature": "--embedded-temperature",
    ]

    /// The message for the first old flag in a `label` or `eval` command line, or `nil`.
    static func message(for arguments: [String]) -> String? {
        let path = SubcommandSuggestion.commands(root: Text4Seg.self, arguments: arguments).path
        let command: String
        if path.contains(where: { $0 == Label.self }) {
            command = "label"
        } else if path.contains(where: { $0 == EvalGroup.self }) {
            command = "eval run"
        } else {
            return nil
        }
        for word in arguments.prefix(while: { $0 != "--" }) {
            let flag = String(word.prefix { $0 != "=" })
            if let new = newNames[flag] {
                return "\(flag) is now \(new) (tuning flags are named --<refiner or engine>-<setting>; "
                    + "'text4seg \(command) --help-hidden' lists them)"
            }
        }
        return nil
    }
}
