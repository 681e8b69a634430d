import NIOCore
import Synchronization

/// Whether a connection's client is still there. It is gone once the connection closes or the
/// client ends its side (FIN): like nginx, the server takes a half-close during a request for a
/// client that gave up, so that its segmentation stops and frees its worker.
public final class ConnectionWatch: Sendable {
    private struct State {
        var gone = false
        var observers: [UInt64: @Sendable () -> Void] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    public var isGone: Bool { state.withLock { $0.gone } }

    /// Calls `action` once when the client goes (at once, if it has). Returns what
    /// ``stopObserving(_:)`` takes, so that a request that ends keeps nothing alive.
    @discardableResult
    public func observe(_ action: @escaping @Sendable () -> Void) -> UInt64? {
        let id: UInt64? = state.withLock { state in
            guard !state.gone else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.observers[id] = action
            return id
        }
        if id == nil { action() }
        return id
    }

    public func stopObserving(_ id: UInt64?) {
        guard let id else { return }
        _ = state.withLock { $0.observers.removeValue(forKey: id) }
    }

    /// Marks the client gone and tells the observers.
    public func markGone() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.gone else { return [] }
            state.gone = true
            defer { state.observers = [:] }
            return Array(state.observers.values)
        }
        for action in actions { action() }
    }
}

/// Keeps a connection's ``ConnectionWatch`` up to date; one per connection, after HTTP decoding.
final class ConnectionWatchHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let watch = ConnectionWatch()

    func channelInactive(context: ChannelHandlerContext) {
        watch.markGone()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { watch.markGone() }
        context.fireUserInboundEventTriggered(event)
    }

    /// The watch of `channel`'s connection, or nil for a channel without one.
    static func watch(of channel: any Channel) async -> ConnectionWatch? {
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ConnectionWatchHandler.self).watch
        }.get()
    }
}
