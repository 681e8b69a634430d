import Foundation
import Text4SegCore

/// An uncompressed little-endian TIFF written by hand from the specification (TIFF 6.0,
/// section 2 and 15), for what Pillow does not write: tiles, and headers that declare more
/// than they hold.
struct HandMadeTIFF {
    var width: Int
    var height: Int
    /// Samples a pixel: 1 gray (min-is-black), 3 RGB.
    var samples: Int
    /// The samples, row-major, interleaved; nil writes the tags and no pixel data.
    var pixels: [UInt8]?
    /// Tile width and height (multiples of 16), or nil for one strip.
    var tile: (width: Int, height: Int)?

    private enum FieldType: UInt16 {
        case short = 3, long = 4
    }

    var data: Data {
        let tilesAcross = tile.map { (width + $0.width - 1) / $0.width } ?? 1
        let tilesDown = tile.map { (height + $0.height - 1) / $0.height } ?? 1
        let chunkBytes = tile.map { $0.width * $0.height * samples } ?? width * height * samples
        let chunkCount = tilesAcross * tilesDown
        var chunks: [[UInt8]] = []
        if let pixels {
            for ty in 0..<tilesDown {
                for tx in 0..<tilesAcross {
                    guard let tile else {
                        chunks.append(pixels)
                        continue
                    }
                    // A tile overhanging the image is padded with zeros.
                    var chunk = [UInt8](repeating: 0, count: chunkBytes)
                    for y in 0..<tile.height where ty * tile.height + y < height {
                        for x in 0..<tile.width where tx * tile.width + x < width {
                            for s in 0..<samples {
                                chunk[(y * tile.width + x) * samples + s] =
                                    pixels[((ty * tile.height + y) * width + tx * tile.width + x) * samples + s]
                            }
                        }
                    }
                    chunks.append(chunk)
                }
            }
        }
        var entries: [(tag: UInt16, type: FieldType, values: [UInt32])] = [
            (256, .long, [UInt32(width)]),
            (257, .long, [UInt32(height)]),
            (258, .short, Array(repeating: 8, count: samples)),
            (259, .short, [1]),
            (262, .short, [samples == 1 ? 1 : 2]),
            (277, .short, [UInt32(samples)]),
        ]
        // The pixel data goes right after the IFD and its out-of-line values, worked out below.
        let offsetsTag: UInt16 = tile == nil ? 273 : 324
        let countsTag: UInt16 = tile == nil ? 279 : 325
        if let tile {
            entries += [(322, .long, [UInt32(tile.width)]), (323, .long, [UInt32(tile.height)])]
        } else {
            entries.append((278, .long, [UInt32(height)]))
        }
        entries.append((offsetsTag, .long, Array(repeating: 0, count: chunkCount)))
        // A header-only file declares byte counts it does not hold; they only need to fit the field.
        entries.append((countsTag, .long, Array(repeating: UInt32(truncatingIfNeeded: chunkBytes), count: chunkCount)))
        entries.sort { $0.tag < $1.tag }

        func size(_ entry: (tag: UInt16, type: FieldType, values: [UInt32])) -> Int {
            entry.values.count * (entry.type == .short ? 2 : 4)
        }
        let ifdSize = 2 + 12 * entries.count + 4
        let outOfLine = entries.map { size($0) > 4 ? size($0) : 0 }.reduce(0, +)
        let dataStart = 8 + ifdSize + outOfLine
        if let index = entries.firstIndex(where: { $0.tag == offsetsTag }) {
            entries[index].values = (0..<chunkCount).map { UInt32(truncatingIfNeeded: dataStart + $0 * chunkBytes) }
        }

        var bytes: [UInt8] = [0x49, 0x49, 0x2A, 0x00]
        func put16(_ value: Int, into target: inout [UInt8]) { target += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func put32(_ value: Int, into target: inout [UInt8]) {
            put16(value & 0xFFFF, into: &target)
            put16(value >> 16 & 0xFFFF, into: &target)
        }
        put32(8, into: &bytes)
        put16(entries.count, into: &bytes)
        var extra: [UInt8] = []
        for entry in entries {
            var values: [UInt8] = []
            for value in entry.values {
                if entry.type == .short { put16(Int(value), into: &values) } else { put32(Int(value), into: &values) }
            }
            put16(Int(entry.tag), into: &bytes)
            put16(Int(entry.type.rawValue), into: &bytes)
            put32(entry.values.count, into: &bytes)
            if values.count <= 4 {
                bytes += values + [UInt8](repeating: 0, count: 4 - values.count)
            } else {
                put32(8 + ifdSize + extra.count, into: &bytes)
                extra += values
            }
        }
        put32(0, into: &bytes)
        bytes += extra
        for chunk in chunks { bytes += chunk }
        return Data(bytes)
    }
}
