import ArgumentParser
import Text4SegCore

/// Which dataset, in which layout and split: `eval` and `descriptors stats` read datasets alike.
struct DatasetSelection: ParsableArguments {
    @Option(
        help:
            "Dataset folder, in a released layout (VOCdevkit, VOC2010 Context, coco_stuff164k, ADEChallengeData2016) or images/ + labels/.")
    var dataset: String

    @Option(help: "Force the layout: voc, context, coco-stuff, ade, folders or refer. (default: detected)")
    var datasetFormat: DatasetLayout?

    @Option(help: "semantic (whole scenes against a vocabulary) or refer (referring expressions). (default: the layout's)")
    var task: EvalTask?

    @Option(
        help: ArgumentHelp(
            "Referring split as the papers name it: refcoco|unc|val, refcoco+|unc|testA, refcocog|umd|val, grefcoco|unc|val. "
                + "(default: refcoco|unc|val)"))
    var referSplit: String?

    @Option(help: "Referring layouts: the COCO train2014 images, when not under refer_seg/images/. (default: detected)")
    var images: String?

    @Option(
        help: ArgumentHelp(
            "Split: a list name for VOC and Context (val), a folder for COCO-Stuff (val2017) and ADE20K (validation), "
                + "an id-list file for images/ + labels/ (ids.txt)."))
    var split: String?

    @Option(help: "What follows a label file's stem, e.g. _labelTrainIds. (default: the layout's)")
    var labelsSuffix: String?

    /// Whether referring expressions were asked for (`--task refer`, or a referring split or image folder).
    var asksForReferring: Bool { task == .refer || (task == nil && (referSplit != nil || images != nil)) }

    func validate() throws {
        if task == .semantic && (referSplit != nil || images != nil) {
            throw ValidationError("--refer-split and --images apply to --task refer")
        }
        if asksForReferring && split != nil { throw ValidationError("a referring split is given with --refer-split, not --split") }
        if asksForReferring, let datasetFormat, datasetFormat != .refer {
            throw ValidationError("--task refer reads the refer layout, not --dataset-format \(datasetFormat.rawValue)")
        }
    }

    /// The dataset's items, flags over the config's `dataset_format` and `labels_suffix`.
    func list(config: ConfigFile) throws -> Dataset.Listing {
        let format = asksForReferring ? .refer : datasetFormat ?? config.datasetFormat
        let listing = try Dataset.list(
            at: dataset,
            options: Dataset.Options(
                format: format, split: referSplit ?? split, labelsSuffix: labelsSuffix ?? config.labelsSuffix, images: images))
        if task == .semantic && listing.layout == .refer {
            throw ConfigError("\(dataset) holds referring expressions (refer_seg): use --task refer")
        }
        return listing
    }
}

/// What an evaluation scores.
enum EvalTask: String, CaseIterable, ExpressibleByArgument {
    /// Whole scenes against a vocabulary: mIoU.
    case semantic
    /// Referring expressions: cIoU, gIoU, Acc@0.5 (and N-acc, T-acc for gRefCOCO).
    case refer
}
