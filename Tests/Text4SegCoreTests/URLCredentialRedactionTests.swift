import Text4SegCore
import XCTest

/// Credentials written into a URL (`HF_ENDPOINT=http://user:pass@mirror`) never reach a message.
final class URLCredentialRedactionTests: XCTestCase {
    func testUserInformationInAnyURLIsRedacted() {
        XCTAssertEqual(
            Redaction.redactURLCredentials("cannot reach http://me:pw@mirror:8080/x (refused)"),
            "cannot reach http://[redacted]@mirror:8080/x (refused)")
        XCTAssertEqual(
            Redaction.redactURLCredentials("https://token@host/a and ftp://u:p@h"), "https://[redacted]@host/a and ftp://[redacted]@h")
        XCTAssertEqual(Redaction.redact("from http://user:s3cret@127.0.0.1:9", secrets: []), "from http://[redacted]@127.0.0.1:9")
        for plain in ["http://host/a@b", "mail me@example.com", "http://host:80/path?q=a@b", "no url"] {
            XCTAssertEqual(Redaction.redactURLCredentials(plain), plain)
        }
    }
}
