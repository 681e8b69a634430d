import Foundation

/// A buffer written by several threads, each to its own part.
struct UnsafeSendableBox: @unchecked Sendable {
    let pointer: UnsafeMutableBufferPointer<Float>
}
