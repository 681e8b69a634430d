import Foundation

/// What a referring item asks for and what it should find: the expression and the union of
/// its target annotations (none for a gRefCOCO no-target expression).
///
///     let truth = try item.referring!.truth()   // a 0/1 map of the image's size
public struct ReferTarget: Sendable, Hashable {
    /// The expression as the papers' loaders pass it on (RefCOCO: `sent.strip().lower()`).
    public var expression: String
    /// The image's size as the annotation file records it.
    public var width: Int
    public var height: Int
    /// The target annotations' segmentations; empty for an expression without a target.
    public var parts: [COCOSegmentation]
    /// Pixels outside the evaluation (ReasonSeg's `ignore` shapes), if any.
    public var ignore: [COCOSegmentation] = []

    public init(expression: String, width: Int, height: Int, parts: [COCOSegmentation], ignore: [COCOSegmentation] = []) {
        self.expression = expression
        self.width = width
        self.height = height
        self.parts = parts
        self.ignore = ignore
    }

    /// Whether the expression has no target (gRefCOCO).
    public var noTarget: Bool { parts.allSatisfy(\.isEmpty) }

    /// The expression as it goes into the question: Text4Seg's `model_refer_seg.py` removes commas.
    public var promptExpression: String { Self.promptText(expression) }

    /// `expression` as it goes into a question: without commas.
    public static func promptText(_ expression: String) -> String { expression.replacingOccurrences(of: ",", with: "") }

    /// The ground truth: 1 where any target part is, 0 elsewhere.
    public func truth() throws -> LabelMap {
        var union = LabelMap(width: width, height: height, fill: 0)
        try COCOMask.checkSize(height: height, width: width)
        for part in parts where !part.isEmpty {
            let mask = try part.mask(height: height, width: width)
            for i in union.values.indices where mask.values[i] != 0 { union.values[i] = 1 }
        }
        return union
    }
}
