/// How an overlay shows the regions: tinted, outlined, or both (the default, so that a
/// class whose color matches the object, a gray car, still shows where it is).
public enum OverlayStyle: String, Sendable, CaseIterable, Codable {
    case fill, outline, both
}
