extension Duration {
    /// The duration in seconds, as a `Double` (what reports, logs and metrics print).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
