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

    /// The method's own inference settings, from its released configs: the image's short side,
    /// the sliding window and stride, the logit scale before the softmax over classes, and the
    /// probability under which a pixel is background on PASCAL VOC with a background class.
    public var defaults: (shortSide: Int, window: Int, stride: Int, logitScale: Float, backgroundThreshold: Float) {
        switch self {
        case .clearclip: return (448, 448, 224, 50, 0.5)
        case .sclip: return (336, 224, 112, 40, 0.1)
        case .naclip: return (336, 224, 112, 40, 0.1)
        }
    }
}

extension CLIPDenseMethod: SettingChoice {}
