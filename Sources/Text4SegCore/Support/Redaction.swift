import Foundation

/// Removes secrets (the API key) from text before it is printed or stored.
///
/// A server may echo the request's `Authorization` header in an error body;
/// every message that can carry a server's words goes through here, and the
/// CLI passes its final error message through it too.
///
///     Redaction.redact("bad key sk-123456", secrets: ["sk-123456"])   // "bad key [redacted]"
public enum Redaction {
    public static let placeholder = "[redacted]"

    /// The keys text4seg reads from the environment (`TEXT4SEG_API_KEY`, `OPENAI_API_KEY`).
    public static let environmentSecrets: [String] = {
        let environment = ProcessInfo.processInfo.environment
        return ["TEXT4SEG_API_KEY", "OPENAI_API_KEY"].compactMap { environment[$0] }.filter { !$0.isEmpty }
    }()

    /// Shorter "secrets" would blank out ordinary words.
    static let minimumLength = 4

    /// `text` with each secret, and its JSON-escaped and percent-encoded spellings, replaced,
    /// and the credentials of any URL in it (`http://user:pass@host`) too.
    public static func redact(_ text: String, secrets: [String] = environmentSecrets) -> String {
        var result = redactURLCredentials(text)
        for secret in secrets where secret.count >= minimumLength {
            for form in spellings(of: secret) where result.contains(form) {
                result = result.replacingOccurrences(of: form, with: placeholder)
            }
        }
        return result
    }

    /// `text` with the user information of every URL in it (`scheme://user:password@`) replaced:
    /// `http://me:pw@mirror/x` becomes `http://[redacted]@mirror/x`.
    public static func redactURLCredentials(_ text: String) -> String {
        guard text.contains("@"), text.contains("://") else { return text }
        return text.replacingOccurrences(
            of: #"([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]+@"#, with: "$1" + placeholder + "@", options: .regularExpression)
    }

    /// Redacts bytes (a saved response body); they are returned unchanged when they hold no secret.
    public static func redact(_ data: Data, secrets: [String] = environmentSecrets) -> Data {
        let relevant = secrets.filter { $0.count >= minimumLength }
        guard !relevant.isEmpty else { return data }
        let text = String(decoding: data, as: UTF8.self)
        let redacted = redact(text, secrets: relevant)
        return redacted == text ? data : Data(redacted.utf8)
    }

    static func spellings(of secret: String) -> [String] {
        var forms = [secret]
        if let json = try? JSONEncoder().encode(secret), let quoted = String(data: json, encoding: .utf8) {
            forms.append(String(quoted.dropFirst().dropLast()))
        }
        if let percent = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { forms.append(percent) }
        // Longest first, so a spelling that contains another is replaced whole.
        return Array(Set(forms)).sorted { $0.count > $1.count }
    }
}
