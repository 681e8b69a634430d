import Foundation
import Text4SegCore

/// Full-size logits refined by PAMR, as NACLIP (and SCLIP, where set) run it after upsampling:
/// the image is the normalized resized input brought bilinearly to the same size. The rows are
/// made in bands with margins wide enough that PAMR's reach (iterations × the largest dilation,
/// and the local deviation's window) never sees a band's edge, so each band's rows equal those of
/// one PAMR over the whole image, in bounded memory.
struct PAMRLogitRows: Sendable {
    let source: any CLIPLogitRows
    let image: UpsampledLogitRows<PlanarLogitRows>
    let pamr: PAMR
    let margin: Int
    let bands: [Range<Int>]

    /// Memory a band may take: its logits, image and affinities.
    static var budget: Int { 256 << 20 }

    init(source: any CLIPLogitRows, image: PlanarLogitRows, pamr: PAMR) {
        self.source = source
        self.image = UpsampledLogitRows(image, height: source.height, width: source.width)
        self.pamr = pamr
        let reach = pamr.dilations.max() ?? 1
        margin = (pamr.iterations + 2) * reach
        let perRow = 4 * source.width * (2 * source.queries + 3 + 8 * pamr.dilations.count * 2)
        let rows = max(32, Self.budget / max(perRow, 1) - 2 * margin)
        bands = Swift.stride(from: 0, to: source.height, by: rows).map { $0..<min($0 + rows, source.height) }
    }

    /// The band's refined logits, and the image row of its first row.
    func band(_ rows: Range<Int>) -> (logits: any CLIPLogitRows, offset: Int) {
        let low = max(0, rows.lowerBound - margin), high = min(source.height, rows.upperBound + margin)
        let count = high - low, width = source.width, q = source.queries
        var planes = [Float](repeating: 0, count: q * count * width)
        var pixels = [Float](repeating: 0, count: 3 * count * width)
        var row = [Float](repeating: 0, count: max(q, 3) * width)
        for y in low..<high {
            row.withUnsafeMutableBufferPointer { source.row(y, into: $0.baseAddress!) }
            for k in 0..<q { for x in 0..<width { planes[(k * count + y - low) * width + x] = row[k * width + x] } }
            row.withUnsafeMutableBufferPointer { image.row(y, into: $0.baseAddress!) }
            for c in 0..<3 { for x in 0..<width { pixels[(c * count + y - low) * width + x] = row[c * width + x] } }
        }
        pamr.refine(&planes, channels: q, image: pixels, imageChannels: 3, width: width, height: count)
        return (PlanarLogitRows(planes: planes, queries: q, height: count, width: width), low)
    }
}
