/// One message of an OpenAI-compatible chat request: a role and typed content parts.
///
///     let message = prompt.chatMessage(imageURL: "data:image/png;base64,…")
///     try JSONEncoder().encode([message])   // the `messages` array
public struct ChatMessage: Encodable, Sendable, Equatable {
    public struct Part: Encodable, Sendable, Equatable {
        public struct ImageURL: Encodable, Sendable, Equatable {
            public var url: String
        }

        public var type: String
        public var text: String?
        public var imageURL: ImageURL?

        public static func text(_ text: String) -> Part { Part(type: "text", text: text, imageURL: nil) }
        public static func image(url: String) -> Part { Part(type: "image_url", text: nil, imageURL: ImageURL(url: url)) }

        enum CodingKeys: String, CodingKey {
            case type, text
            case imageURL = "image_url"
        }
    }

    public var role: String
    public var content: [Part]

    public init(role: String, content: [Part]) {
        self.role = role
        self.content = content
    }
}
