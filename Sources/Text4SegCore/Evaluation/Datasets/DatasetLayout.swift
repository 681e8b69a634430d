/// A dataset's released folder layout, and the conventions that come with it, as
/// mmsegmentation's dataset classes fix them (`voc.py`, `pascal_context.py`,
/// `coco_stuff.py`, `ade.py`): its vocabulary, its default split and whether label 0
/// is ignored. Flags override the conventions.
public enum DatasetLayout: String, Sendable, CaseIterable, Codable {
    /// PASCAL VOC 2012: `VOCdevkit/VOC2012/{JPEGImages, SegmentationClass, ImageSets/Segmentation/<split>.txt}`.
    case voc
    /// PASCAL Context: `VOCdevkit/VOC2010/{JPEGImages, SegmentationClassContext, ImageSets/SegmentationContext/<split>.txt}`,
    /// the 60-label PNGs of mmsegmentation's `pascal_context.py` converter.
    case context
    /// COCO-Stuff-164k: `coco_stuff164k/{images, annotations}/<split>/`, labels `<stem>_labelTrainIds.png`.
    case cocoStuff = "coco-stuff"
    /// ADE20K: `ADEChallengeData2016/{images, annotations}/<split>/`.
    case ade
    /// `images/` + `labels/`, matched by stem (labels `<stem><suffix>.png`), in the order of an id list.
    case folders
    /// Referring expressions: `refer_seg/<dataset>/{refs(<by>).p | grefs(<by>).json, instances.json}` and
    /// COCO train2014 images (RefCOCO, RefCOCO+, RefCOCOg, gRefCOCO), read by ``ReferDataset``.
    case refer

    /// What people call it, for the summary line.
    public var title: String {
        switch self {
        case .voc: return "PASCAL VOC 2012"
        case .context: return "PASCAL Context"
        case .cocoStuff: return "COCO-Stuff-164k"
        case .ade: return "ADE20K"
        case .folders: return "images/ + labels/"
        case .refer: return "referring expressions (refer_seg)"
        }
    }

    /// The built-in vocabulary its labels use (`nil`: the layout does not say).
    public var vocabulary: String? {
        switch self {
        case .voc: return "pascal-voc"
        case .context: return "pascal-context-59"
        case .cocoStuff: return "coco-stuff-171"
        case .ade: return "ade20k-150"
        case .folders, .refer: return nil
        }
    }

    /// Whether label 0 is ignored under the mmseg protocol: Context's 59-class protocol and
    /// ADE20K's 150 classes ignore it (the 60-class Context protocol keeps it: `--no-reduce-zero-label`).
    public var reduceZeroLabel: Bool { self == .context || self == .ade }

    /// The split evaluated when none is given.
    public var defaultSplit: String {
        switch self {
        case .voc, .context: return "val"
        case .cocoStuff: return "val2017"
        case .ade: return "validation"
        case .folders: return "ids.txt"
        case .refer: return ReferDataset.defaultSplit
        }
    }
}
