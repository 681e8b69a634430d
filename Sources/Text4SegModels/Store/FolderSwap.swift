import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Puts a complete staging folder where a checkpoint folder is, in one step: Linux's
/// `renameat2(RENAME_EXCHANGE)` swaps the two names atomically, so a reader sees the old
/// checkpoint or the new one, never a mix and never nothing; the old one ends up at the
/// staging name, to be removed. Where the file system cannot exchange, the old folder is
/// renamed aside first and put back if the second rename fails.
///
///     let old = try FolderSwap.install(staging, at: checkpoint)   // then remove `old`
enum FolderSwap {
    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// glibc's `renameat2`, looked up by name: Swift's Glibc module leaves it out (it needs `_GNU_SOURCE`).
    static let renameat2: RenameAt2? = {
        guard let symbol = dlsym(nil, "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()
    static let exchange: UInt32 = 2  // RENAME_EXCHANGE

    /// Moves `staged` to `target`; returns where the previous `target` now is, if there was one.
    @discardableResult
    static func install(_ staged: String, at target: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: target) else {
            guard rename(staged, target) == 0 else { throw HubError.unwritable(target + " (\(String(cString: strerror(errno))))") }
            return nil
        }
        if let renameat2, renameat2(AT_FDCWD, staged, AT_FDCWD, target, exchange) == 0 { return staged }
        let aside = staged + ".previous"
        try? FileManager.default.removeItem(atPath: aside)
        guard rename(target, aside) == 0 else { throw HubError.unwritable(target + " (\(String(cString: strerror(errno))))") }
        guard rename(staged, target) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(aside, target)
            throw HubError.unwritable(target + " (\(reason))")
        }
        return aside
    }
}
