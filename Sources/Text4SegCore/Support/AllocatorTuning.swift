import CImageCodecs

/// Process-wide settings for workloads that allocate an image-sized buffer per item.
public enum AllocatorTuning {
    /// Raises glibc's mmap and trim thresholds so buffers of a few hundred KB are
    /// reused instead of being mapped, unmapped and faulted in for every image.
    /// A command-line tool calls this once at start.
    public static func apply() { t4s_tune_allocator() }
}
