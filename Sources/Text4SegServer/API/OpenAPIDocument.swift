import Foundation

/// The OpenAPI document `/openapi.json` serves: the embedded one, with the values this server
/// takes filled in (the vocabularies a request may name, the refiners), so that clients and
/// schemathesis see the server as it runs.
enum OpenAPIDocument {
    /// The document's text, made once (or at each call while TEXT4SEG_SERVE_ASSETS points at a folder).
    static func served(
        _ template: @autoclosure @escaping @Sendable () -> String, vocabularies: [String], refiners: [String]
    )
        -> @Sendable () -> String
    {
        let live = ProcessInfo.processInfo.environment["TEXT4SEG_SERVE_ASSETS"].map { !$0.isEmpty } ?? false
        let once = filled(template(), vocabularies: vocabularies, refiners: refiners)
        return { live ? filled(template(), vocabularies: vocabularies, refiners: refiners) : once }
    }

    static func filled(_ text: String, vocabularies: [String], refiners: [String]) -> String {
        guard var document = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return text }
        let choices: [String: [String]] = ["vocab": vocabularies, "refine": refiners]
        // The query parameters of /v1/segment.
        if var paths = document["paths"] as? [String: Any], var segment = paths["/v1/segment"] as? [String: Any],
            var post = segment["post"] as? [String: Any], let parameters = post["parameters"] as? [[String: Any]]
        {
            post["parameters"] = parameters.map { parameter in
                guard let name = parameter["name"] as? String, let values = choices[name] else { return parameter }
                var parameter = parameter
                parameter["schema"] = ["type": "string", "enum": values]
                return parameter
            }
            segment["post"] = post
            paths["/v1/segment"] = segment
            document["paths"] = paths
        }
        // The multipart form's fields.
        if var components = document["components"] as? [String: Any], var schemas = components["schemas"] as? [String: Any],
            var form = schemas["SegmentForm"] as? [String: Any], var properties = form["properties"] as? [String: Any]
        {
            for (name, values) in choices {
                var property = properties[name] as? [String: Any] ?? [:]
                property["enum"] = values
                properties[name] = property
            }
            form["properties"] = properties
            schemas["SegmentForm"] = form
            components["schemas"] = schemas
            document["components"] = components
        }
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return text
        }
        return String(decoding: data, as: UTF8.self)
    }
}
