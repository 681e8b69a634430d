import Foundation
import Hummingbird

/// Why a request was refused or failed: each case has its HTTP status, a message for the
/// client and a `kind` that the failure metrics count by.
public enum ServeError: Error, CustomStringConvertible, Equatable {
    /// Every worker busy and the queue full.
    case busy(retryAfter: Int)
    case unauthorized
    case bodyTooLarge(limit: Int)
    /// A request that cannot be used: a missing image, an unknown vocabulary, a bad parameter.
    case badRequest(String)
    /// An image that cannot be decoded, or one over the pixel limit.
    case badImage(String)
    case notAcceptable(String)
    case methodNotAllowed(allowed: [String])
    case timedOut(seconds: Double)
    /// A request body that did not arrive within the request timeout.
    case bodyTimedOut(seconds: Double)
    case shuttingDown
    /// The client went away before its answer (counted; nobody reads the status).
    case cancelled
    /// The engine or a refiner failed on a sound request.
    case failed(String)
    /// A host not allowed for image fetches, or a fetch that failed.
    case fetch(String)

    public var status: HTTPResponse.Status {
        switch self {
        case .busy: .tooManyRequests
        case .unauthorized: .unauthorized
        case .bodyTooLarge: .contentTooLarge
        case .badRequest, .fetch: .badRequest
        case .badImage: .unprocessableContent
        case .notAcceptable: .notAcceptable
        case .methodNotAllowed: .methodNotAllowed
        case .timedOut, .shuttingDown: .serviceUnavailable
        case .bodyTimedOut: .requestTimeout
        case .cancelled: .init(code: 499, reasonPhrase: "Client Closed Request")
        case .failed: .internalServerError
        }
    }

    /// What the failure metrics count this by.
    public var kind: String {
        switch self {
        case .busy: "busy"
        case .unauthorized: "unauthorized"
        case .bodyTooLarge: "body_too_large"
        case .badRequest: "bad_request"
        case .badImage: "bad_image"
        case .notAcceptable: "not_acceptable"
        case .methodNotAllowed: "method_not_allowed"
        case .timedOut: "timeout"
        case .bodyTimedOut: "body_timeout"
        case .shuttingDown: "shutting_down"
        case .cancelled: "cancelled"
        case .failed: "engine"
        case .fetch: "fetch"
        }
    }

    public var description: String {
        switch self {
        case let .busy(seconds): "the server is busy; retry in \(seconds) s"
        case .unauthorized: "missing or wrong token: send Authorization: Bearer <token>"
        case let .bodyTooLarge(limit): "the request body is over the limit of \(limit) bytes"
        case let .badRequest(message), let .badImage(message), let .failed(message), let .fetch(message): message
        case let .notAcceptable(message): message
        case let .methodNotAllowed(allowed): "this path answers \(allowed.joined(separator: ", ")) only"
        case let .timedOut(seconds): "the segmentation took longer than \(seconds.formatted()) s"
        case let .bodyTimedOut(seconds): "the request body did not arrive within \(seconds.formatted()) s"
        case .shuttingDown: "the server is shutting down"
        case .cancelled: "the client went away before the answer"
        }
    }
}
