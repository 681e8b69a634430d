import Foundation

/// What `text4seg refer` writes beside a mask (`<id>.json`): the question asked, the box of the
/// predicted mask (REC by mask-to-box, as Text4Seg's `masks_to_boxes`: corners at the extreme
/// pixels, `null` for an empty mask), its area and the engine's answer.
public struct ReferAnswer: Sendable, Codable, Equatable {
    public var id: String
    public var image: String
    public var expression: String
    public var question: String
    public var width: Int
    public var height: Int
    /// `[x1, y1, x2, y2]` in pixels, inclusive; `nil` when nothing was found.
    public var box: [Int]?
    /// Foreground pixels.
    public var area: Int
    public var engine: String
    /// The engine's answer text, when it answered in text.
    public var answer: String?
    /// Descriptor repairs the answer needed, as sentences.
    public var repairs: [String]

    public init(query: ReferQuery, question: String, mask: LabelMap, engine: String, answer: String?, repairs: [String]) {
        id = query.id
        image = query.image
        expression = query.expression
        self.question = question
        width = mask.width
        height = mask.height
        area = mask.values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        let found = ReferBox(mask)
        box = area > 0 ? [Int(found.x1), Int(found.y1), Int(found.x2), Int(found.y2)] : nil
        self.engine = engine
        self.answer = answer
        self.repairs = repairs
    }
}
