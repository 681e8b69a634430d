import Foundation
import Text4SegCore

/// What `label --json` prints for each image: its outputs and classes, or why it failed.
struct LabelLine: Encodable {
    var image: String
    var labelMap: String?
    var overlay: String?
    var descriptors: String?
    var scores: String?
    var classes: [ClassShare]?
    var error: String?

    init(
        image: String, labelMap: String? = nil, overlay: String? = nil, descriptors: String? = nil, scores: String? = nil,
        classes: [ClassShare]? = nil, error: String? = nil
    ) {
        self.image = image
        self.labelMap = labelMap
        self.overlay = overlay
        self.descriptors = descriptors
        self.scores = scores
        self.classes = classes
        self.error = error
    }
}

extension JSONEncoder {
    /// Compact, keys sorted: one stable line per object.
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
