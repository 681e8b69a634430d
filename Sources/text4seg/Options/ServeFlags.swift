import ArgumentParser
import Text4SegServer

/// Flags of `text4seg serve`: each property is a ``ServeSettings`` key, so the flags reach the
/// settings, and are range-checked, by the same code as the config file's keys.
struct ServeFlags: SettingsFlags {
    typealias Settings = ServeSettings

    @Option(help: "Address to listen on; any but loopback needs --token. (default: \(Settings.defaults.host))")
    var host: String?

    @Option(help: "TCP port, 0–65535; 0 picks a free one. (default: \(Settings.defaults.port))")
    var port: Int?

    @Option(help: "Require 'Authorization: Bearer TOKEN' (or the token as a basic-auth password). Also TEXT4SEG_SERVE_TOKEN.")
    var token: String?

    @Option(help: "Largest request body in bytes, refused from its Content-Length. (default: \(Settings.defaults.maxBodyBytes))")
    var maxBodyBytes: Int?

    @Option(help: "Requests that may wait for a worker; more get 429 with Retry-After. (default: \(Settings.defaults.queue))")
    var queue: Int?

    @Option(
        help: "Seconds a segmentation may take, waiting included, before a 503. (default: \(Settings.defaults.requestTimeout.settingValue))"
    )
    var requestTimeout: Double?

    @Option(help: "Seconds a connection may stay idle before it is closed. (default: \(Settings.defaults.idleTimeout.settingValue))")
    var idleTimeout: Double?

    @Option(help: "Seconds a client has to send a request's headers. (default: \(Settings.defaults.headerTimeout.settingValue))")
    var headerTimeout: Double?

    @Option(help: "A host (or host:port) the Label Studio backend may fetch images from, besides Label Studio (repeatable).")
    var allowHost: [String] = []

    @Option(help: "Label Studio's address, for image paths when it has not called /setup (e.g. http://127.0.0.1:8080).")
    var labelStudioURL: String?

    @Option(help: "Label Studio's API token for its images, when it has not called /setup. Also LABEL_STUDIO_API_KEY.")
    var labelStudioToken: String?
}
