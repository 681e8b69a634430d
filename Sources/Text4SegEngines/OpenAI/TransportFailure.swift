import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Short, plain messages for the ways a request can fail below HTTP.
enum TransportFailure {
    static func describe(_ error: Error, endpoint: String, settings: OpenAISettings) -> String {
        let target = URL(string: endpoint).map { "\($0.host ?? "?"):\($0.port ?? ($0.scheme == "https" ? 443 : 80))" } ?? endpoint
        if error is DeadlineExceeded { return "\(error)" }
        if isRefused(error) { return "connection refused by \(target) (is the server running and listening there?)" }
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout:
                return "no connection to \(target) within --connect-timeout \(String(format: "%g", settings.connectTimeout)) s"
            case .deadlineExceeded: return "no complete answer within --timeout \(String(format: "%g", settings.requestTimeout)) s"
            case .remoteConnectionClosed: return "\(target) closed the connection before answering"
            case .readTimeout: return "\(target) stopped sending"
            default: return "cannot reach \(target): \(client)"
            }
        }
        if let io = error as? IOError {
            return "cannot reach \(target): \(String(cString: strerror(io.errnoCode)).lowercased()) (errno \(io.errnoCode))"
        }
        return "cannot reach \(target): \(error)"
    }

    /// Whether the kernel refused the connection (ECONNREFUSED), for any of the addresses tried.
    static func isRefused(_ error: Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == ECONNREFUSED }
        if let connection = error as? NIOConnectionError {
            return !connection.connectionErrors.isEmpty && connection.connectionErrors.allSatisfy { isRefused($0.error) }
        }
        return false
    }
}
