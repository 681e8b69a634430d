import Text4SegCore
import Text4SegServer
import XCTest

/// The server's settings are checked in one place, whether they come from flags or a config file.
final class ServeSettingsTests: XCTestCase {
    func testTheDefaultsListenOnLoopbackWithoutAToken() throws {
        let settings = ServeSettings.defaults
        XCTAssertEqual(settings.host, "127.0.0.1")
        XCTAssertEqual(settings.port, 8089)
        XCTAssertNil(settings.token)
        XCTAssertNoThrow(try settings.validate())
    }

    func testEveryOtherAddressNeedsAToken() throws {
        XCTAssertThrowsError(try ServeSettings.defaults.applying(["host": .text("0.0.0.0")])) { error in
            XCTAssertTrue("\(error)".contains("--token"), "\(error)")
        }
        XCTAssertNoThrow(try ServeSettings.defaults.applying(["host": .text("0.0.0.0"), "token": .text("s3cret")]))
        for loopback in ["localhost", "::1", "127.0.0.2"] {
            XCTAssertNoThrow(try ServeSettings.defaults.applying(["host": .text(loopback)]), loopback)
        }
    }

    func testRangesAndTokens() {
        let bad: [String: SettingValue] = [
            "port": .number(70_000), "queue": .number(-1), "max_body_bytes": .number(0), "request_timeout": .number(0),
            "header_timeout": .number(-1), "idle_timeout": .number(1e9), "token": .text("two words"),
        ]
        for (key, value) in bad {
            XCTAssertThrowsError(try ServeSettings.defaults.applying([key: value]), key) { error in
                XCTAssertEqual((error as? SettingsError)?.key, key)
            }
        }
    }
}
