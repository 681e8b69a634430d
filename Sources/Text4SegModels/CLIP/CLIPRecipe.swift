import Text4SegCore

/// Everything the clip engine does for one vocabulary, settled once: the queries and which label
/// each class line writes, and the method's numbers for the matching dataset config with the
/// user's overrides laid over them.
public struct CLIPRecipe: Sendable, Equatable {
    /// The dataset config used (`voc21`), or `nil` when the vocabulary matched none.
    public var dataset: String?
    /// The query names, and the class line of each.
    public var names: [String], slots: [Int]
    /// The label value each class line writes.
    public var labels: [UInt16]
    /// The label of a pixel under the threshold.
    public var belowThreshold: UInt16
    /// The numbers in force (queries unused here: see `names`).
    public var settings: CLIPMethodConfig.Dataset
    public var method: CLIPDenseMethod

    /// The per-pixel decision these settings make.
    public var decision: CLIPDecision {
        CLIPDecision(
            slots: slots, classes: labels.count, logitScale: settings.logitScale, threshold: settings.threshold,
            areaThreshold: settings.areaThreshold, renormalize: settings.renormalize)
    }

    /// One line for stderr: which config, from where, and the numbers.
    public var summary: String {
        let s = settings
        let origin =
            dataset.map { "\(method.rawValue)'s \($0) config (\(CLIPMethodConfig.builtin(method).repository) \(s.source))" }
            ?? "\(method.rawValue)'s defaults with the vocabulary's names"
        var parts = [
            "\(labels.count) classes, \(names.count) names", "short side \(s.shortSide)",
            s.window == 0 ? "whole image" : "windows \(s.window)/\(s.stride)\(s.padWindows ? " padded" : "")",
            "logit scale \(Self.number(s.logitScale))", "threshold \(Self.number(s.threshold))",
        ]
        if let area = s.areaThreshold { parts.append("area threshold \(Self.number(area))") }
        if s.pamrSteps > 0 {
            parts.append("PAMR \(s.pamrSteps) steps, dilations \(s.pamrDilations.map(String.init).joined(separator: ","))")
        }
        return "clip: \(origin): " + parts.joined(separator: ", ")
    }

    static func number(_ value: Float) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// Why the clip engine cannot run a vocabulary with a method's config.
public enum CLIPRecipeError: Error, Equatable, CustomStringConvertible {
    /// `--clip-dataset` names a config the method does not ship.
    case unknownDataset(String, method: CLIPDenseMethod, known: [String])
    /// The config's class lines and the vocabulary's classes differ in number.
    case classCountMismatch(dataset: String, lines: Int, classes: Int)
    /// Nothing to look for.
    case noQueries

    public var description: String {
        switch self {
        case let .unknownDataset(name, method, known):
            return "\(method.rawValue) has no config '\(name)'; use auto, none or one of: \(known.joined(separator: ", "))"
        case let .classCountMismatch(dataset, lines, classes):
            return "the \(dataset) config has \(lines) class lines and the vocabulary \(classes) classes to give them to; "
                + "pick another --clip-dataset, or none to query the vocabulary's own names"
        case .noQueries:
            return "the vocabulary has no class to look for"
        }
    }
}

extension CLIPEngine.Settings {
    /// The recipe for `vocabulary`: the method's config for the dataset (`dataset`, or the one the
    /// vocabulary is when `auto`) with every setting not left at "the config's" laid over it.
    /// - Parameter othersIgnored: the run ignores the others class, so `auto` picks VOC-20 over VOC-21.
    public func recipe(for vocabulary: Vocabulary, othersIgnored: Bool) throws -> CLIPRecipe {
        let config = CLIPMethodConfig.builtin(method)
        let key: String?
        switch dataset {
        case "auto": key = CLIPMethodConfig.automaticDataset(for: vocabulary, othersIgnored: othersIgnored)
        case "none": key = nil
        default: key = dataset
        }
        let others = vocabulary.othersID
        let named = vocabulary.classes.filter { $0.id != others }.sorted { $0.id < $1.id }
        let othersClass = vocabulary.classes.first { $0.id == others }
        var lines: [(names: [String], label: UInt16)] = []
        var settings: CLIPMethodConfig.Dataset
        var background: Bool
        if let key {
            guard let found = config.datasets[key] else {
                throw CLIPRecipeError.unknownDataset(key, method: method, known: config.datasets.keys.sorted())
            }
            settings = found
            background = found.background && othersClass != nil
            let targets = background ? [othersClass!] + named : (found.background ? vocabulary.classes.sorted { $0.id < $1.id } : named)
            guard targets.count == found.queries.count else {
                throw CLIPRecipeError.classCountMismatch(dataset: key, lines: found.queries.count, classes: targets.count)
            }
            lines = zip(found.queries, targets).map { ($0, UInt16(clamping: $1.id)) }
            if background && (self.background == .threshold || self.background == .none) {
                lines.removeFirst()
                background = false
                if self.background == .none { settings.threshold = 0 }
            }
        } else {
            settings = config.defaults
            // An others class named background, or given queries of its own (a referring expression's), is looked for.
            let queried = othersClass?.name.lowercased() == "background" || othersClass?.queries != nil
            let mode = self.background == .auto ? (queried ? .query : .none) : self.background
            background = mode == .query && othersClass != nil
            func queries(_ item: VocabularyClass) -> [String] {
                var seen = Set<String>()
                return (item.queries ?? [item.name] + item.synonyms).filter { seen.insert($0.lowercased()).inserted }
            }
            lines = (background ? [othersClass!] : []).map { (queries($0), UInt16(clamping: $0.id)) }
            lines += named.map { (queries($0), UInt16(clamping: $0.id)) }
            // The methods' VOC-21 threshold, the one config where a background class is both queried and thresholded.
            settings.threshold = mode == .none ? 0 : config.datasets["voc21"]?.threshold ?? 0
        }
        guard !lines.isEmpty, lines.allSatisfy({ !$0.names.isEmpty }) else { throw CLIPRecipeError.noQueries }
        if shortSide > 0 { settings.shortSide = shortSide }
        if window >= 0 { settings.window = window }
        if stride > 0 { settings.stride = stride }
        if logitScale > 0 { settings.logitScale = logitScale }
        if backgroundThreshold >= 0 { settings.threshold = backgroundThreshold }
        if areaThreshold >= 0 { settings.areaThreshold = areaThreshold > 0 ? areaThreshold : nil }
        if pamrSteps >= 0 { settings.pamrSteps = pamrSteps }
        if gaussianStd > 0 { settings.gaussianStd = gaussianStd }
        settings.queries = []
        let below = background ? lines[0].label : UInt16(clamping: vocabulary.othersValue)
        return CLIPRecipe(
            dataset: key, names: lines.flatMap(\.names), slots: lines.enumerated().flatMap { i, line in line.names.map { _ in i } },
            labels: lines.map(\.label), belowThreshold: below, settings: settings, method: method)
    }
}
