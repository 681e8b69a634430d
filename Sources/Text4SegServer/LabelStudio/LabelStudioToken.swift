import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// The Authorization header that reads a Label Studio's files, from the token it gave (or the
/// one configured), the way label-studio-sdk sends it: a legacy token as `Token X`; a personal
/// access token (a JWT refresh token) exchanged at `/api/token/refresh/` for a short-lived
/// access token, sent as `Bearer`, cached until shortly before it expires; an access token as
/// `Bearer X`.
final class LabelStudioToken: Sendable {
    let token: String
    let hostname: String
    private let cached = Mutex<(header: String, until: Date)?>(nil)

    init(token: String, hostname: String) {
        self.token = token
        self.hostname = hostname
    }

    /// The JWT's `token_type` (`refresh`, `access`), or `nil` for a legacy token.
    static func jwtType(_ token: String) -> String? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        guard let data = Data(base64Encoded: payload), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return nil
        }
        return object["token_type"] as? String ?? "access"
    }

    /// The header to send; `renew` drops a cached access token (after a 401).
    func header(client: HTTPClient, renew: Bool = false) async throws -> String {
        switch Self.jwtType(token) {
        case nil: return "Token " + token
        case "refresh":
            if !renew, let cached = cached.withLock({ $0 }), cached.until > Date() { return cached.header }
            let access = try await refresh(client: client)
            let header = "Bearer " + access
            // Label Studio's access tokens live 5 minutes; renew a minute early.
            cached.withLock { $0 = (header, Date().addingTimeInterval(240)) }
            return header
        default: return "Bearer " + token
        }
    }

    func refresh(client: HTTPClient) async throws -> String {
        var request = HTTPClientRequest(url: hostname.hasSuffix("/") ? hostname + "api/token/refresh/" : hostname + "/api/token/refresh/")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: ["refresh": token])))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok,
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let access = object["access"] as? String
        else {
            throw ServeError.fetch(
                "Label Studio refused to exchange its personal access token for an access token (\(response.status.code)); "
                    + "check --label-studio-token")
        }
        return access
    }
}
