import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

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
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = reader
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else {
            throw ServeError.badRequest("the labeling config is not XML: \(parser.parserError.map { "\($0)" } ?? "parse error")")
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

    final class Reader: NSObject, XMLParserDelegate {
        var controls: [Control] = []
        var objects: [String: String] = [:]
        private var open: Control?

        func parser(
            _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
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

        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
            if let control = open, control.tag == element {
                controls.append(control)
                open = nil
            }
        }
    }
}
