import ArgumentParser
import Text4SegCommandLine
import Text4SegCore

/// `text4seg-bench`: the side-by-side benchmarks against reference implementations, for
/// maintainers; not part of the `text4seg` product's commands.
@main
struct Text4SegBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text4seg-bench",
        abstract: "Benchmarks for maintainers, each against a reference implementation in the same run.",
        discussion: """
            Run from the repository root: the reference scripts are in scripts/, the dev set beside the checkout. \
            Exit status: 0 measured, 2 a side failed to run, 64 bad usage.

            EXAMPLES:
              # the oracle evaluation, text4seg vs numpy+Pillow
              text4seg-bench oracle-eval --dataset ../shared/data/voc2012-val-dev

              # the clip engine vs PyTorch, SCLIP's head, 2 threads each
              text4seg-bench clip --method sclip --threads 2 --python .venv-clip/bin/python
            """,
        subcommands: [OracleEvalBench.self, OpenAIConcurrencyBench.self, CRFBench.self, EmbeddedBench.self, CLIPBench.self])

    static func main() async {
        AllocatorTuning.apply()
        await CommandLineProgram.run(Text4SegBench.self)
    }
}
