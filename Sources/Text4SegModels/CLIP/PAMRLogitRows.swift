import Foundation
import Text4SegCore

/// Full-size logits refined by PAMR, as NACLIP (and SCLIP, where set) run it after upsampling:
/// the image is the normalized resized input brought bilinearly to the same size. The rows are
/// made in bands with margins wide enough that PAMR's reach (iterations × the largest dilation,
/// and the local deviation's window) never sees a band's edge, so each band's rows equal those of
/// one PAMR over the whole image. PAMR treats each channel alone given the image, so a band too
/// large for the memory budget is refined a group of queries at a time: memory stays near
/// the budget whatever the photo's size and the vocabulary, at the cost of reading the rows again
/// for each group (a VOC photo with its 21 to 56 queries takes one band and one group).
struct PAMRLogitRows: Sendable {
    let source: any CLIPLogitRows
    let image: UpsampledLogitRows<PlanarLogitRows>
    let pamr: PAMR
    let margin: Int
    let bands: [Range<Int>]
    /// Queries refined together.
    let group: Int

    /// Memory a band may take by default: its refined rows, and a group's logits, image and
    /// affinities with margins.
    static var defaultBudget: Int { 256 << 20 }

    init(source: any CLIPLogitRows, image: PlanarLogitRows, pamr: PAMR, budget: Int = Self.defaultBudget) {
        self.source = source
        self.image = UpsampledLogitRows(image, height: source.height, width: source.width)
        self.pamr = pamr
        let reach = pamr.dilations.max() ?? 1
        margin = (pamr.iterations + 2) * reach
        let (q, width) = (source.queries, max(1, source.width))
        // Half the budget holds the band's refined rows (all queries), half a group with margins.
        let rows = max(16, budget / 2 / (4 * width * q))
        let span = min(source.height, rows + 2 * margin)
        let perQuery = 4 * width * span * 2, fixed = 4 * width * span * (3 + 8 * pamr.dilations.count)
        group = max(1, min(q, (budget / 2 - fixed) / perQuery))
        bands = Swift.stride(from: 0, to: source.height, by: rows).map { $0..<min($0 + rows, source.height) }
    }

    /// The band's refined logits, and the image row of its first row.
    func band(_ rows: Range<Int>) -> (logits: any CLIPLogitRows, offset: Int) {
        let low = max(0, rows.lowerBound - margin), high = min(source.height, rows.upperBound + margin)
        let count = high - low, width = source.width, q = source.queries
        var pixels = [Float](repeating: 0, count: 3 * count * width)
        var row = [Float](repeating: 0, count: max(q, 3) * width)
        for y in low..<high {
            row.withUnsafeMutableBufferPointer { image.row(y, into: $0.baseAddress!) }
            for c in 0..<3 { for x in 0..<width { pixels[(c * count + y - low) * width + x] = row[c * width + x] } }
        }
        let kept = rows.count, skip = rows.lowerBound - low
        var out = [Float](repeating: 0, count: q * kept * width)
        for first in Swift.stride(from: 0, to: q, by: group) {
            let members = first..<min(first + group, q)
            var planes = [Float](repeating: 0, count: members.count * count * width)
            for y in low..<high {
                row.withUnsafeMutableBufferPointer { source.row(y, into: $0.baseAddress!) }
                for (i, k) in members.enumerated() {
                    for x in 0..<width { planes[(i * count + y - low) * width + x] = row[k * width + x] }
                }
            }
            pamr.refine(&planes, channels: members.count, image: pixels, imageChannels: 3, width: width, height: count)
            for (i, k) in members.enumerated() {
                let from = (i * count + skip) * width
                out.replaceSubrange((k * kept * width)..<((k + 1) * kept * width), with: planes[from..<(from + kept * width)])
            }
        }
        return (PlanarLogitRows(planes: out, queries: q, height: kept, width: width), rows.lowerBound)
    }
}
