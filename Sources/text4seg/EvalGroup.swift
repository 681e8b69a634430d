import ArgumentParser

/// `text4seg eval`: the evaluation itself (`eval run`, the default subcommand, so
/// `text4seg eval --dataset D …` runs it) and `eval merge`, which combines the reports of a
/// sharded evaluation. The group holds no options of its own: `eval` and `eval merge` both
/// have `--report`, `--csv`, `--markdown` and `--worst`, and each parses its own.
struct EvalGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure mIoU on a dataset, or merge the reports of a sharded evaluation.",
        usage: """
            text4seg eval [run] --dataset <dataset> [<options>]
            text4seg eval merge <reports> ... [--report <report>] [<options>]
            """,
        discussion: """
            'run' is the default subcommand: 'text4seg eval --dataset D …' is 'text4seg eval run --dataset D …', \
            and 'text4seg eval run --help' lists its options (--help-hidden adds the tuning knobs). 'merge' combines \
            the reports of an evaluation run in shards (--shard I/N) into the report of the whole split.

            EXAMPLES:
              # evaluate the default engine on PASCAL VOC's val split, with a report
              text4seg eval --dataset VOCdevkit --report voc.json

              # one split in two shards, then their merged report
              text4seg eval --dataset VOCdevkit --shard 0/2 --report voc-0.json
              text4seg eval --dataset VOCdevkit --shard 1/2 --report voc-1.json
              text4seg eval merge voc-0.json voc-1.json --report voc.json
            """,
        subcommands: [Eval.self, EvalMerge.self],
        defaultSubcommand: Eval.self)
}
