import ArgumentParser

/// The Python side of a benchmark: the interpreter (`--python`) and the reference script
/// (`--script`), each with the benchmark's own default.
///
///     @OptionGroup var reference: BenchPython
///     let json = try PythonReference.run(reference.script(default: "scripts/x.py"), …, python: reference.python ?? "python3", …)
struct BenchPython: ParsableArguments {
    @Option(help: "The Python that runs the reference side. (default: python3; embedded: .venv-torch, made on first use)")
    var python: String?

    @Option(help: "The reference script. (default: the benchmark's, in its overview)")
    var script: String?
}
