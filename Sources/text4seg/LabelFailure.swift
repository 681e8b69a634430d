/// Why one image could not be labeled, and whether every other would fail alike.
struct LabelFailure: Error {
    var message: String
    var configuration: String?
}
