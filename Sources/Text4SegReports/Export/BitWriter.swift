/// Bits appended most significant first, the last byte padded with zeros.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var used = 0

    mutating func write(_ value: UInt64, bits: Int) {
        for bit in stride(from: bits - 1, through: 0, by: -1) {
            if used == 0 { bytes.append(0) }
            if (value >> UInt64(bit)) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(0x80 >> used) }
            used = (used + 1) % 8
        }
    }
}
