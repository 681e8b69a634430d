/// "Did you mean …?" for a name that names nothing: the known names closest to it, by edit
/// distance after folding case and `_`/`-`, so `pascal_voc` finds `pascal-voc` and `refiner`
/// finds `refine`.
///
///     Suggestion.closest(to: "pascal_voc", among: ["pascal-voc", "ade20k-150"])   // ["pascal-voc"]
///     Suggestion.hint(for: "refiner", among: ["refine", "grid"])                   // " Did you mean 'refine'?"
public enum Suggestion {
    /// The names within a third of the word's length (at least 2 edits) of it, closest first.
    public static func closest(to word: String, among names: [String]) -> [String] {
        let folded = fold(word)
        let limit = max(2, folded.count / 3)
        let scored = names.map { (name: $0, distance: editDistance(folded, fold($0))) }
            .filter { $0.distance <= limit || fold($0.name).hasPrefix(folded) && !folded.isEmpty }
        let best = scored.map(\.distance).min()
        return scored.filter { $0.distance == best }.map(\.name)
    }

    /// ` Did you mean 'x'?` (or `'x' or 'y'`), or an empty string when nothing is close.
    public static func hint(for word: String, among names: [String]) -> String {
        let close = closest(to: word, among: names)
        return close.isEmpty ? "" : " Did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?"
    }

    static func fold(_ name: String) -> String { name.lowercased().replacingOccurrences(of: "_", with: "-") }

    /// Levenshtein distance between two strings, by characters.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
