extension EvaluationReport {
    /// Checks every number of a report read back from `file` before anything adds, multiplies or
    /// allocates with it (`text4seg report`, `eval merge`): scores are finite percentages, counts
    /// and their sums stay within ``Limits/pixelCount``, the confusion shape is `[K + 1, K + 1]`
    /// for a K a label map can hold and every entry lies inside it, positions lie inside the split.
    /// Throws a ``FieldRangeError`` naming the file and the field.
    ///
    ///     let report = try JSONDecoder().decode(EvaluationReport.self, from: data)
    ///     try report.validate(file: "shard-0.json")
    public func validate(file: String) throws {
        let check = FieldCheck(file: file)
        for (value, field) in [(mIoU, "mIoU"), (aAcc, "aAcc"), (mAcc, "mAcc"), (fwIoU, "fwIoU")] {
            try check.finite(value, 0...100, field)
        }
        try check.within(images, Limits.items, "images")
        try check.within(grid, 0...Limits.grid.upperBound, "grid")
        for (value, field) in [
            (repairedItems, "repairedItems"), (repairs, "repairs"), (retries, "retries"), (promptTokens, "promptTokens"),
            (completionTokens, "completionTokens"),
        ] {
            try check.within(value, Limits.tally, field)
        }
        try check.finite(seconds, Limits.seconds, "seconds")
        try check.finite(clientMillisecondsPerItem, 0...(Limits.seconds.upperBound * 1000), "clientMillisecondsPerItem")
        if let dataset { try check.within(dataset.total, Limits.items, "dataset.total") }
        // Positions index the whole split: below its size when the report states it.
        let positions = 0...max(0, (dataset?.total ?? Limits.items.upperBound) - 1)
        for (n, failure) in failed.enumerated() {
            if let index = failure.index { try check.within(index, positions, "failed[\(n)].index") }
        }
        for (n, entry) in classes.enumerated() {
            try check.within(entry.id, Limits.classID, "classes[\(n)].id")
            try check.finite(entry.iou, 0...100, "classes[\(n)].iou")
            try check.finite(entry.acc, 0...100, "classes[\(n)].acc")
            for (value, field) in [
                (entry.intersection, "intersection"), (entry.union, "union"), (entry.groundTruthPixels, "groundTruthPixels"),
                (entry.predictedPixels, "predictedPixels"),
            ] {
                try check.within(value, 0...Limits.pixelCount, "classes[\(n)].\(field)")
            }
        }
        for (n, item) in items.enumerated() {
            try check.within(item.index, positions, "items[\(n)].index")
            try check.finite(item.mIoU, 0...100, "items[\(n)].mIoU")
            try check.finite(item.aAcc, 0...100, "items[\(n)].aAcc")
            try check.finite(item.iou, 0...100, "items[\(n)].iou")
            try check.finite(item.boxIoU, 0...100, "items[\(n)].boxIoU")
            // Engine and client seconds together.
            try check.finite(item.seconds, 0...(2 * Limits.seconds.upperBound), "items[\(n)].seconds")
            try item.record.validate(check, field: "items[\(n)]")
        }
        try confusion.validate(check)
        if let refer {
            try check.within(refer.expressions, Limits.items, "refer.expressions")
            for (value, field) in [
                (refer.cIoU, "cIoU"), (refer.gIoU, "gIoU"), (refer.accAt05, "accAt05"), (refer.nAcc, "nAcc"), (refer.tAcc, "tAcc"),
            ] {
                try check.finite(value, 0...100, "refer.\(field)")
            }
        }
    }
}

extension EvaluationReport.SparseConfusion {
    /// The shape is `[K + 1, K + 1]` with K a class count a label map can hold, each entry is
    /// `[row, column, pixels]` inside it, and the pixels sum within ``Limits/pixelCount``.
    func validate(_ check: FieldCheck) throws {
        try check.within(shape.count, 2...2, "confusion.shape (its length)")
        let sides = 1...(Limits.classID.upperBound + 2)
        try check.within(shape[0], sides, "confusion.shape[0]")
        try check.within(shape[1], shape[0]...shape[0], "confusion.shape[1] (a square matrix)")
        let last = UInt64(shape[0] - 1)
        var total: UInt64 = 0
        for (n, entry) in entries.enumerated() {
            try check.within(entry.count, 3...3, "confusion.entries[\(n)] (its length)")
            try check.within(entry[0], 0...last, "confusion.entries[\(n)][0] (row)")
            try check.within(entry[1], 0...last, "confusion.entries[\(n)][1] (column)")
            total = try check.sum(total, entry[2], limit: Limits.pixelCount, "confusion.entries[\(n)][2] (pixels, summed)")
        }
    }
}
