import Foundation
import Hummingbird
import Logging
import NIOCore

/// What every request goes through: the token check, the body limit from Content-Length
/// (before a byte of the body is read), errors turned into JSON answers, the metrics, and
/// one log line that names the route, the status, the size and the type, never the content.
struct ServeMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let metrics: ServerMetrics
    let token: String?
    let maxBodyBytes: Int
    /// Paths answered without a token: the health check, the page, the API's description, and
    /// Label Studio's webhook (it sends no credentials, and its body is not read).
    static let open: Set<String> = ["/", "/health", "/openapi.json", "/webhook"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let route = Self.route(request.uri.path)
        metrics.started()
        defer { metrics.ended() }
        var response: Response
        do {
            if let allowed = Self.methods[request.uri.path], !allowed.contains(request.method) {
                throw ServeError.methodNotAllowed(allowed: allowed.map(\.rawValue))
            }
            try authorize(request)
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
                throw ServeError.bodyTooLarge(limit: maxBodyBytes)
            }
            response = try await next(request, context)
        } catch {
            response = try failure(error, route: route)
        }
        let elapsed = ContinuousClock.now - started
        metrics.record(route: route, status: Int(response.status.code), seconds: elapsed)
        context.logger.notice(
            "\(request.method) \(request.uri.path) \(response.status.code)",
            metadata: [
                "bytes": "\(request.headers[.contentLength] ?? "-")", "type": "\(request.headers[.contentType] ?? "-")",
                "seconds": "\(String(format: "%.3f", elapsed.seconds))",
            ])
        return response
    }

    func authorize(_ request: Request) throws {
        guard let token, !Self.open.contains(request.uri.path) else { return }
        let given = request.headers[.authorization] ?? ""
        if given == "Bearer " + token || given == "Token " + token { return }
        // Label Studio's ML backend settings send basic auth: any user name, the token as password.
        if given.hasPrefix("Basic "), let data = Data(base64Encoded: String(given.dropFirst(6))),
            let pair = String(data: data, encoding: .utf8), pair.split(separator: ":", maxSplits: 1).last.map(String.init) == token
        {
            return
        }
        throw ServeError.unauthorized
    }

    func failure(_ error: any Error, route: String) throws -> Response {
        let serveError: ServeError
        switch error {
        case let error as ServeError: serveError = error
        case let error as HTTPError:
            metrics.failed(kind: "http_\(error.status.code)")
            var response = try SegmentationServer.json(
                ErrorBody(error: error.body ?? error.status.reasonPhrase, kind: "http"), status: error.status)
            response.headers.append(contentsOf: error.headers)
            return response
        case is CancellationError: serveError = .cancelled
        default: serveError = .failed("\(error)")
        }
        metrics.failed(kind: serveError.kind)
        var response = try SegmentationServer.json(
            ErrorBody(error: serveError.description, kind: serveError.kind), status: serveError.status)
        if case let .busy(seconds) = serveError { response.headers[.retryAfter] = "\(seconds)" }
        if case .unauthorized = serveError { response.headers[.wwwAuthenticate] = "Bearer" }
        if case let .methodNotAllowed(allowed) = serveError { response.headers[.allow] = allowed.joined(separator: ", ") }
        return response
    }

    /// The methods each path answers; any other is 405 with `Allow`.
    static let methods: [String: [HTTPRequest.Method]] = [
        "/": [.get], "/health": [.get], "/openapi.json": [.get], "/metrics": [.get],
        "/v1/vocabularies": [.get], "/v1/segment": [.post], "/setup": [.post], "/predict": [.post], "/webhook": [.post],
        "/versions": [.get],
    ]

    static func route(_ path: String) -> String {
        switch path {
        case "/v1/segment": "segment"
        case "/predict": "predict"
        case "/setup": "setup"
        case "/webhook": "webhook"
        case "/versions": "versions"
        case "/health": "health"
        case "/v1/vocabularies": "vocabularies"
        case "/metrics": "metrics"
        case "/openapi.json": "openapi"
        case "/": "page"
        default: "other"
        }
    }
}
