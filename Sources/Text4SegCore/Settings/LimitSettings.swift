/// Sizes past which an item is refused or its work reduced, and how many items are in
/// flight: top-level keys of a config file (`max_pixels: 50000000`) and flags of their own
/// (`--max-pixels`), checked here and nowhere else.
///
///     let limits = try LimitSettings.defaults.applying(["max_pixels": .number(5e7)])
public struct LimitSettings: SettingsSection, Equatable {
    public static let section = "limits"
    public static let isTopLevel = true
    public static let defaults = LimitSettings()

    /// Images declaring more pixels fail their item before they are decoded.
    public var maxPixels = Limits.defaultMaxPixels
    /// Refiners work on at most this many pixels; larger images are refined at a reduced size.
    public var maxRefinePixels = Limits.defaultMaxRefinePixels
    /// Items in flight at once; `nil`: the number of cores for offline engines, 8 for a server.
    public var concurrency: Int?

    public init() {}

    public func validate() throws {
        try check(maxPixels, Limits.maxPixels, "maxPixels")
        try check(maxRefinePixels, Limits.maxRefinePixels, "maxRefinePixels")
        if let concurrency { try check(concurrency, Limits.concurrency, "concurrency") }
    }
}
