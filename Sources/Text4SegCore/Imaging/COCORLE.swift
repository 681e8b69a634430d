/// COCO's compressed run-length encoding of binary masks (the `counts` string of a
/// `segmentation: {size: [h, w], counts: …}`), as the COCO API writes it: column-major runs
/// starting with background, each run after the second stored as the difference from the run
/// two before it, in 5-bit groups with a continuation bit, offset by 48 into printable ASCII.
public enum COCORLE {
    /// The `counts` string of `runs` (``ClassMask/columnMajorRuns()``).
    public static func string(_ runs: [Int]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(runs.count * 2)
        for (index, run) in runs.enumerated() {
            var x = index > 2 ? run - runs[index - 2] : run
            var more = true
            while more {
                var c = x & 0x1f
                x >>= 5  // arithmetic: a negative difference keeps its sign
                more = (c & 0x10) != 0 ? x != -1 : x != 0
                if more { c |= 0x20 }
                bytes.append(UInt8(c + 48))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The runs of a `counts` string, or `nil` when it is not one.
    public static func runs(_ counts: String) -> [Int]? {
        var runs: [Int] = []
        var bytes = Array(counts.utf8)[...]
        while !bytes.isEmpty {
            var x = 0, shift = 0, more = true
            while more {
                guard let byte = bytes.popFirst(), byte >= 48, byte < 48 + 64, shift < 60 else { return nil }
                let c = Int(byte) - 48
                x |= (c & 0x1f) << shift
                more = (c & 0x20) != 0
                shift += 5
                if !more && (c & 0x10) != 0 { x |= -1 << shift }
            }
            if runs.count > 2 {
                let (sum, overflow) = x.addingReportingOverflow(runs[runs.count - 2])
                guard !overflow else { return nil }
                x = sum
            }
            guard x >= 0 else { return nil }
            runs.append(x)
        }
        return runs
    }
}
