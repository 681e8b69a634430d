import Hummingbird
import NIOCore

/// Hummingbird's request context, with the connection's channel: a segmentation is cancelled
/// when its client goes away, so that it frees its worker.
public struct ServeContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
