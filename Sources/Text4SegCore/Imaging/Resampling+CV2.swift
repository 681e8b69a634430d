extension Resampling {
    /// Stretches an image to `width × height` exactly as OpenCV's
    /// `cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)` does on an 8-bit
    /// 3-channel array: the resize behind mmcv's `imrescale`, and so behind mmsegmentation's
    /// `Resize(scale=(2048, S), keep_ratio=True)`. Byte-identical to opencv-python-headless
    /// 5.1.0.95 (x86-64) on thousands of random sizes and images; `scripts/cv2_resize_reference.py`
    /// writes the fixtures that the tests compare against.
    ///
    /// OpenCV's fixed-point path (`modules/imgproc/src/resize.cpp`), step by step:
    /// - Each axis maps destination `d` to `f = Float((d + 0.5) · s − 0.5)`, computed in doubles
    ///   with `s = 1 / (out / in)` (the reciprocal of the quotient, not `in / out`) and then rounded
    ///   to a `Float`; `i = floor(f)`, `t = f − i`, and the two taps weigh `rint((1 − t) · 2048)`
    ///   and `rint(t · 2048)` (INTER_RESIZE_COEF_BITS = 11, ties to even).
    /// - Columns are clamped with their weights: `i < 0` becomes (0, t = 0) and `i ≥ in − 1`
    ///   becomes (in − 1, t = 0). Rows are clamped in index only, their weights stay as computed
    ///   (the top rows of an upscale mix row 0 with itself through two unequal weights).
    /// - Horizontal pass in integers: `h = p₀ · a₀ + p₁ · a₁` (at most 255 · 2048).
    /// - Vertical pass as OpenCV's SIMD `VResizeLinearVec_32s8u` and its matching scalar tail
    ///   compute it, not as the generic `FixedPtCast` would (round of the 22-bit sum):
    ///   `(((b₀ · (h₀ >> 4)) >> 16) + ((b₁ · (h₁ >> 4)) >> 16) + 2) >> 2`.
    ///
    /// An exact 2× downscale on both axes goes to INTER_AREA's fast path, `(a + b + c + d + 2) >> 2`;
    /// that is what the formula above gives at t = 0.5 too, so it needs no special case. Each
    /// channel is resized on its own, so the channel order (RGB or BGR) does not change the result.
    /// The same size returns the input unchanged (OpenCV copies it).
    public static func cv2Linear(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if image.width == width && image.height == height { return image }
        precondition(width >= 1 && height >= 1 && image.width >= 1 && image.height >= 1, "cv2Linear needs sides of at least 1")
        let sourceWidth = image.width, sourceHeight = image.height
        let rowLength = width * 3
        // Per destination byte of a row: the two source byte offsets within a row and their weights.
        var offset0 = [Int](repeating: 0, count: rowLength), offset1 = offset0
        var weight0 = [Int32](repeating: 0, count: rowLength), weight1 = weight0
        for (x, tap) in cv2Taps(input: sourceWidth, output: width).enumerated() {
            var (index, w0, w1) = tap
            if index < 0 { (index, w0, w1) = (0, 2048, 0) }
            if index >= sourceWidth - 1 { (index, w0, w1) = (sourceWidth - 1, 2048, 0) }
            let next = min(index + 1, sourceWidth - 1)
            for c in 0..<3 {
                offset0[3 * x + c] = 3 * index + c
                offset1[3 * x + c] = 3 * next + c
                weight0[3 * x + c] = w0
                weight1[3 * x + c] = w1
            }
        }
        let rows = cv2Taps(input: sourceHeight, output: height)
        var out = [UInt8](repeating: 0, count: rowLength * height)
        // The two horizontally filtered source rows of the current destination row, kept while
        // the next destination rows use them.
        var upper = [Int32](repeating: 0, count: rowLength), lower = upper
        var upperRow = -1, lowerRow = -1
        image.pixels.withUnsafeBufferPointer { src in
            func filter(_ sourceRow: Int, into row: inout [Int32]) {
                let base = sourceRow * sourceWidth * 3
                offset0.withUnsafeBufferPointer { o0 in
                    offset1.withUnsafeBufferPointer { o1 in
                        weight0.withUnsafeBufferPointer { a0 in
                            weight1.withUnsafeBufferPointer { a1 in
                                row.withUnsafeMutableBufferPointer { h in
                                    for i in 0..<rowLength {
                                        h[i] = Int32(src[base + o0[i]]) &* a0[i] &+ Int32(src[base + o1[i]]) &* a1[i]
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for y in 0..<height {
                let (index, b0, b1) = rows[y]
                let first = min(max(index, 0), sourceHeight - 1), second = min(max(index + 1, 0), sourceHeight - 1)
                if upperRow != first {
                    if lowerRow == first {
                        swap(&upper, &lower)
                        swap(&upperRow, &lowerRow)
                    } else {
                        filter(first, into: &upper)
                        upperRow = first
                    }
                }
                if lowerRow != second {
                    filter(second, into: &lower)
                    lowerRow = second
                }
                upper.withUnsafeBufferPointer { h0 in
                    lower.withUnsafeBufferPointer { h1 in
                        out.withUnsafeMutableBufferPointer { dst in
                            let start = y * rowLength
                            for i in 0..<rowLength {
                                let sum = ((b0 &* (h0[i] &>> 4)) &>> 16) &+ ((b1 &* (h1[i] &>> 4)) &>> 16) &+ 2
                                dst[start + i] = UInt8(truncatingIfNeeded: sum &>> 2)
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// OpenCV's INTER_LINEAR taps along one axis, before any clamping: per destination index,
    /// the first source index `floor(f)` and the 11-bit weights of it and of the next one.
    static func cv2Taps(input: Int, output: Int) -> [(index: Int, first: Int32, second: Int32)] {
        let scale = 1.0 / (Double(output) / Double(input))
        return (0..<output).map { d in
            let position = Float((Double(d) + 0.5) * scale - 0.5)
            let index = position.rounded(.down)
            let fraction = position - index
            return (Int(index), cv2Weight(1 - fraction), cv2Weight(fraction))
        }
    }

    private static func cv2Weight(_ value: Float) -> Int32 {
        Int32((value * 2048).rounded(.toNearestOrEven))
    }
}
