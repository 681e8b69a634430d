import ArgumentParser
import Text4SegCore

/// Which dataset, in which layout and split: `eval` and `descriptors stats` read datasets alike.
struct DatasetSelection: ParsableArguments {
    @Option(
        help:
            "Dataset folder, in a released layout (VOCdevkit, VOC2010 Context, coco_stuff164k, ADEChallengeData2016) or images/ + labels/.")
    var dataset: String

    @Option(help: "Force the layout: voc, context, coco-stuff, ade or folders. (default: detected)")
    var datasetFormat: DatasetLayout?

    @Option(
        help: ArgumentHelp(
            "Split: a list name for VOC and Context (val), a folder for COCO-Stuff (val2017) and ADE20K (validation), "
                + "an id-list file for images/ + labels/ (ids.txt)."))
    var split: String?

    @Option(help: "What follows a label file's stem, e.g. _labelTrainIds. (default: the layout's)")
    var labelsSuffix: String?

    /// The dataset's items, flags over the config's `dataset_format` and `labels_suffix`.
    func list(config: ConfigFile) throws -> Dataset.Listing {
        try Dataset.list(
            at: dataset,
            options: Dataset.Options(
                format: datasetFormat ?? config.datasetFormat, split: split, labelsSuffix: labelsSuffix ?? config.labelsSuffix))
    }
}
