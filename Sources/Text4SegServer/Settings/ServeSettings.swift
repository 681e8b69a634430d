import Foundation
import Text4SegCore

/// Top-level keys of a config file and flags of `text4seg serve`: where the server listens and
/// the limits that keep it alive under its clients, each range checked here and nowhere else.
/// How many segmentations run at once is the shared `concurrency` limit (``LimitSettings``).
///
///     let settings = try ServeSettings.defaults.applying(["port": .number(9000)])
public struct ServeSettings: SettingsSection, Equatable {
    public static let section = "serve"
    public static let isTopLevel = true
    public static let defaults = ServeSettings()

    /// The address to bind: loopback unless asked otherwise (any other needs a token).
    public var host = "127.0.0.1"
    /// The TCP port; 0 picks a free one (stderr says which).
    public var port = 8089
    /// Requests must carry `Authorization: Bearer <token>` (or Label Studio's `Token <token>`).
    /// Also read from TEXT4SEG_SERVE_TOKEN.
    public var token: String?
    /// Bytes a request body may have; a larger one is refused from its Content-Length, before it is read.
    public var maxBodyBytes = 64 << 20
    /// Requests that may wait for a worker; one more is answered 429 with Retry-After.
    public var queue = 64
    /// Seconds one segmentation may take, waiting included, before it is answered 503.
    public var requestTimeout = 120.0
    /// Seconds a connection may stay idle (no bytes either way) before it is closed.
    public var idleTimeout = 30.0
    /// Seconds a client has to send a request's head; slower clients are disconnected.
    public var headerTimeout = 10.0
    /// Hosts the Label Studio backend may fetch images from, besides the Label Studio that called it.
    public var allowHost: [String] = []
    /// Label Studio's address for images given as paths (`/data/upload/…`), when its requests do not say.
    public var labelStudioURL: String?
    /// Label Studio's legacy API token for fetching its images. Also read from LABEL_STUDIO_API_KEY.
    public var labelStudioToken: String?

    public init() {}

    /// Whether `host` is a loopback address, where a token is optional.
    public var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.") }

    public func validate() throws {
        try check(port, 0...65_535, "port")
        try check(maxBodyBytes, 1...(4 << 30), "maxBodyBytes")
        try check(queue, 0...100_000, "queue")
        try check(requestTimeout, 0.01...86_400, "requestTimeout")
        try check(idleTimeout, 0.1...86_400, "idleTimeout")
        try check(headerTimeout, 0.1...3_600, "headerTimeout")
        if host.isEmpty { throw SettingsError(section: "", key: "host", value: host, problem: .invalid(reason: "give an address")) }
        if let token, token.isEmpty || token.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw SettingsError(
                section: "", key: "token", value: "…", problem: .invalid(reason: "a token is one word of printable characters"))
        }
        if !isLoopback && token == nil {
            throw SettingsError(
                section: "", key: "host", value: host,
                problem: .invalid(reason: "binding to a non-loopback address needs --token (or TEXT4SEG_SERVE_TOKEN)"))
        }
    }
}
