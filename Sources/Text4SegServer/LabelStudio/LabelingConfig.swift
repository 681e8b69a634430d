import Foundation

/// What the ML backend needs from a Label Studio project's labeling config: the brush (or
/// polygon) control to predict for, the image it labels, the task data key of that image, and
/// the control's labels.
///
///     let config = try LabelingConfig(xml: #"<View><Image name="img" value="$photo"/><BrushLabels name="tag" toName="img"><Label value="dog"/></BrushLabels></View>"#)
///     // config.fromName == "tag", config.toName == "img", config.dataKey == "photo", config.labels == ["dog"]
public struct LabelingConfig: Sendable, Equatable {
    public var fromName: String
    public var toName: String
    public var dataKey: String
    public var labels: [String]
    /// Whether the control is `PolygonLabels` (polygons are predicted) rather than `BrushLabels`.
    public var polygons: Bool

    public init(xml: String) throws {
        let reader = Reader()
        do {
            try TagScanner.scan(xml) { name, attributes, closing in reader.element(name, attributes, closing: closing) }
        } catch let error as TagScanner.Failure {
            throw ServeError.badRequest("the labeling config is not XML: \(error.reason)")
        }
        let controls = reader.controls.filter { $0.tag == "BrushLabels" || $0.tag == "PolygonLabels" }
        guard let control = controls.first(where: { $0.tag == "BrushLabels" }) ?? controls.first else {
            throw ServeError.badRequest("the labeling config has no BrushLabels or PolygonLabels control to predict for")
        }
        guard let value = reader.objects[control.toName] else {
            throw ServeError.badRequest(
                "the labeling config's \(control.tag) '\(control.name)' labels '\(control.toName)', which is not an Image")
        }
        guard value.hasPrefix("$"), value.count > 1 else {
            throw ServeError.badRequest("the Image '\(control.toName)' takes its value from '\(value)', not from a task field ($name)")
        }
        fromName = control.name
        toName = control.toName
        dataKey = String(value.dropFirst())
        labels = control.labels
        polygons = control.tag == "PolygonLabels"
    }

    struct Control {
        var tag: String
        var name: String
        var toName: String
        var labels: [String] = []
    }

    /// Collects the controls and images from the scanner's tags.
    final class Reader {
        var controls: [Control] = []
        var objects: [String: String] = [:]
        private var open: Control?

        func element(_ element: String, _ attributes: [String: String], closing: Bool) {
            if closing {
                if let control = open, control.tag == element {
                    controls.append(control)
                    open = nil
                }
                return
            }
            switch element {
            case "Image":
                if let name = attributes["name"], let value = attributes["value"] { objects[name] = value }
            case "BrushLabels", "PolygonLabels", "Labels", "RectangleLabels", "KeyPointLabels", "EllipseLabels":
                open = Control(tag: element, name: attributes["name"] ?? "", toName: attributes["toName"] ?? "")
            case "Label":
                if let value = attributes["value"] { open?.labels.append(value) }
            default: break
            }
        }
    }
}
