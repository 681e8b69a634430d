import Text4SegCore

/// A training-free way of reading per-patch class scores out of CLIP, by how it changes the
/// vision tower's last block (each as its authors' code does it).
public enum CLIPDenseMethod: String, CaseIterable, Codable, Sendable {
    /// ClearCLIP (Lan et al., ECCV 2024): query–query attention, no residual, no feed-forward.
    case clearclip
    /// SCLIP (Wang et al., ECCV 2024): correlative attention softmax(q qᵀ) + softmax(k kᵀ), residual and feed-forward kept.
    case sclip
    /// NACLIP (Hajimiri et al., WACV 2025): key–key attention plus a Gaussian neighborhood window, no residual, no feed-forward.
    case naclip
}

extension CLIPDenseMethod: SettingChoice {}
