/// Run lengths of a sequence of "outside"/"inside" pixels, alternating and starting with
/// "outside" (a first run of 0 when the first pixel is inside).
struct RunCounter {
    private var runs: [Int] = []
    private var inside = false
    private var length = 0

    mutating func add(_ pixelInside: Bool) {
        if pixelInside != inside {
            runs.append(length)
            inside = pixelInside
            length = 0
        }
        length += 1
    }

    mutating func finish() -> [Int] {
        runs.append(length)
        return runs
    }
}
