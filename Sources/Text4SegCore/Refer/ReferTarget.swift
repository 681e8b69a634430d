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
    /// ReasonSeg's polygons, drawn as LISA's `get_mask_from_json` draws them (in place of `parts`).
    public var shapes: [ReasonShape] = []

    public init(expression: String, width: Int, height: Int, parts: [COCOSegmentation], shapes: [ReasonShape] = []) {
        self.expression = expression
        self.width = width
        self.height = height
        self.parts = parts
        self.shapes = shapes
    }

    /// Whether the expression has no target (gRefCOCO).
    public var noTarget: Bool { parts.allSatisfy(\.isEmpty) && !shapes.contains { !$0.isIgnore } }

    /// `expression` as it goes into a question: Text4Seg's `model_refer_seg.py` removes commas.
    public static func promptText(_ expression: String) -> String { expression.replacingOccurrences(of: ",", with: "") }

    /// The ground truth of `image`: its size must be the annotation's, unless the annotation has
    /// none of its own (ReasonSeg's polygons are drawn at the image's size). `path` names the
    /// annotation in the error.
    public func truth(of image: RGBImage, path: String) throws -> LabelMap {
        var sized = self
        if width == 0 && height == 0 { (sized.width, sized.height) = (image.width, image.height) }
        guard sized.width == image.width, sized.height == image.height else {
            throw ImageError.sizeMismatch(
                path: path, expected: "\(image.width)×\(image.height)", found: "\(sized.width)×\(sized.height)")
        }
        return try sized.truth()
    }

    /// The ground truth: 1 where any target part is, 0 elsewhere, and for ReasonSeg 255 where
    /// an `ignore` shape is (those pixels count in neither intersection nor union).
    public func truth() throws -> LabelMap {
        try COCOMask.checkSize(height: height, width: width)
        if !shapes.isEmpty { return try ReasonShape.draw(shapes, height: height, width: width) }
        return try LabelMap.union(parts.filter { !$0.isEmpty }, width: width, height: height) {
            try $0.mask(height: height, width: width)
        }
    }
}
