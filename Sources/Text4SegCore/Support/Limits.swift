/// The ranges text4seg accepts for sizes that come from users and files.
/// Everything outside them is refused with a message before any work starts,
/// so no setting can make an allocation abort or an index trap.
public enum Limits {
    /// Descriptor grid side G (Text4Seg uses 16, 24 or 32).
    public static let grid = 1...512
    /// Engine view side in pixels (336 for LLaVA-1.5).
    public static let view = 1...4096
    /// One side of an image or output, in pixels (libpng's and libjpeg's own limit is 65500 for JPEG).
    public static let side = 1...65_535
    /// Decoded images larger than this many pixels are refused (`--max-pixels`).
    public static let defaultMaxPixels = 100_000_000
    /// What `--max-pixels` accepts. The decoders clamp any other value into it, so no value
    /// (0 or a negative one included) switches the check off.
    public static let maxPixels = 1...Int(UInt32.max) * 16
    /// What `--max-refine-pixels` accepts.
    public static let maxRefinePixels = 4_096...Int(UInt32.max)
    /// Items in flight at once (`--concurrency`).
    public static let concurrency = 1...1_024
    /// Refiners work on at most this many pixels; larger images are refined at a reduced
    /// size and their labels upsampled (`--max-refine-pixels`).
    public static let defaultMaxRefinePixels = 4_000_000
    /// Pixels one confusion matrix may count in all, and so any one of its counts (2⁵³: every
    /// count and every sum of counts is then exact as a `Double` and far from overflowing).
    /// Counts read from reports and journals past it are refused.
    public static let pixelCount: UInt64 = 1 << 53
    /// Class ids a report may name: the values of a 16-bit label map.
    public static let classID = 0...65_535
    /// Items (images) of one split, as reports and journals count them.
    public static let items = 0...(1 << 40)
    /// Repairs, retries and tokens, as reports and journals count them (each, and their sums).
    public static let tally = 0...(1 << 53)
    /// Seconds a report or a journal may state (about 31,700 years).
    public static let seconds = 0.0...1e12
}

extension Comparable {
    /// This value, or the nearest end of `range` when it is outside.
    public func clamped(to range: ClosedRange<Self>) -> Self { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
