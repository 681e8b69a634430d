/// Label Studio's brush RLE (the `rle` list of a `brushlabels` region): an RGBA byte stream of
/// the image, every channel 255 inside the mask and 0 outside, written as a bit stream (most
/// significant bit first) of a 32-bit value count, the word size less one (5 bits), four run
/// length widths less one (4 bits each), then records: a repeat bit, a 2-bit choice of width,
/// the run length less one in that width, and the repeated word. Label Studio's own decoder
/// (label-studio-sdk `converter.brush.decode_rle`) reads it back.
public enum LabelStudioRLE {
    /// Run-length widths in bits, as Label Studio's encoder declares them.
    static let widths = [3, 4, 8, 16]

    /// The `rle` bytes of the mask whose row-major runs are `runs`, alternating "outside" and
    /// "inside" and starting with "outside" (possibly 0), over `pixels` pixels.
    public static func encode(rowMajorRuns runs: [Int], pixels: Int) -> [UInt8] {
        var writer = BitWriter()
        writer.write(UInt64(pixels * 4), bits: 32)
        writer.write(8 - 1, bits: 5)
        for width in widths { writer.write(UInt64(width - 1), bits: 4) }
        for (index, run) in runs.enumerated() where run > 0 {
            let value: UInt64 = index % 2 == 0 ? 0 : 255
            var left = run * 4
            while left > 0 {
                let length = min(left, 1 << widths[3])
                let choice = widths.firstIndex { length - 1 < 1 << $0 }!
                writer.write(1, bits: 1)
                writer.write(UInt64(choice), bits: 2)
                writer.write(UInt64(length - 1), bits: widths[choice])
                writer.write(value, bits: 8)
                left -= length
            }
        }
        return writer.bytes
    }
}
