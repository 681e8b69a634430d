/// What a list of per-image seconds says: their count, sum, mean, median, 90th percentile
/// (nearest rank: the smallest value at least 90% of the values do not exceed) and maximum.
/// `nil` for no values, so that nothing divides by zero.
///
///     SecondsSummary((1...10).map(Double.init))   // median 5.5, p90 9, max 10
struct SecondsSummary: Equatable {
    var count: Int
    var total: Double
    var mean: Double
    var median: Double
    var p90: Double
    var max: Double

    init?(_ seconds: [Double]) {
        guard !seconds.isEmpty else { return nil }
        let sorted = seconds.sorted()
        let n = sorted.count
        count = n
        total = sorted.reduce(0, +)
        mean = total / Double(n)
        median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        p90 = sorted[(n * 9 + 9) / 10 - 1]
        max = sorted[n - 1]
    }
}
