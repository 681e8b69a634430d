/// What a snapshot test does with its snapshot: compare against it, or rewrite it when a
/// developer asks with `TEXT4SEG_UPDATE_SNAPSHOTS=1`. In CI (`CI` set, as CI services do, or
/// `TEXT4SEG_REQUIRE_ALL=1`, as `.ci/run` does) a request to rewrite is refused: a test that
/// rewrites its expectation cannot fail, so CI would pass whatever the output.
///
///     switch SnapshotMode(environment: ProcessInfo.processInfo.environment) {
///     case .compare: XCTAssertEqual(output, try String(contentsOfFile: path, encoding: .utf8))
///     case .update: try output.write(toFile: path, atomically: true, encoding: .utf8)
///     case let .refused(reason): XCTFail(reason)
///     }
public enum SnapshotMode: Equatable, Sendable {
    case compare
    case update
    /// Asked to rewrite snapshots where nobody reviews the rewrite; the reason says so.
    case refused(String)

    /// The variable that asks for the snapshots to be rewritten.
    public static let updateVariable = "TEXT4SEG_UPDATE_SNAPSHOTS"

    public init(environment: [String: String]) {
        func isSet(_ name: String) -> Bool {
            guard let value = environment[name]?.lowercased() else { return false }
            return !value.isEmpty && value != "0" && value != "false"
        }
        guard isSet(SnapshotMode.updateVariable) else {
            self = .compare
            return
        }
        if let ci = ["CI", Prerequisite.requireAllVariable].first(where: isSet) {
            self = .refused(
                "\(SnapshotMode.updateVariable) is set in CI (\(ci)=\(environment[ci] ?? "")): snapshots are compared, never rewritten, "
                    + "there; rewrite them locally and review the diff")
        } else {
            self = .update
        }
    }
}
