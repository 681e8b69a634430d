import Foundation

/// Evaluates a segmenter over a dataset: each item is segmented, compared with
/// its ground truth and added to one confusion matrix. An item that fails
/// (corrupt image, wrong-size label map, engine error) is recorded with its
/// reason and the run goes on, with two exceptions that stop it
/// (``EvaluationStop``): ground truth with values outside the vocabulary, and
/// first items that all fail with one configuration error (a wrong key or URL,
/// no server), which every other item would repeat.
public struct EvaluationRunner: Sendable {
    public struct Outcome: Sendable {
        public var matrix: ConfusionMatrix
        public var evaluated: Int
        public var failed: [EvaluationReport.Failure]
        public var repairedItems: Int
        public var repairs: Int
        /// Items taken from the journal instead of being run again.
        public var resumed: Int
        public var seconds: Double
        /// Requests the engine sent again after transient failures (resumed items included).
        public var retries: Int = 0
        public var promptTokens: Int = 0
        public var completionTokens: Int = 0
        /// Mean seconds per item spent in text4seg itself (decode, encode, refine, write, score), excluding waits on the engine's server.
        public var clientSecondsPerItem: Double = 0
        /// Per finished item, in dataset order.
        public var items: [ItemRecord] = []
        /// The referring items' counts, in dataset order (empty for a semantic run).
        public var refer: [ReferCounts] = []

        /// The referring scores, when the run's items were referring expressions.
        public var referMetrics: ReferMetrics? { refer.isEmpty ? nil : ReferMetrics(refer) }

        /// The totals of `records` (in dataset order; failed ones are listed in ``failed``), the way
        /// a run adds them up: a sharded run's reports merge through here too. Every sum is checked:
        /// records read from files whose counts or tallies add up past ``Limits`` are refused,
        /// the error naming `file` (the report or journal they came from) and the field.
        public init(records: [ItemRecord], vocabulary: Vocabulary, file: String = "the records") throws {
            let check = FieldCheck(file: file)
            matrix = ConfusionMatrix(classCount: vocabulary.labelCount, ignoreValue: vocabulary.ignoreValue)
            evaluated = 0
            failed = []
            repairedItems = 0
            repairs = 0
            resumed = 0
            seconds = 0
            var clientSeconds = 0.0
            var referPixels: UInt64 = 0
            for record in records {
                if record.failed == nil, let counts = record.refer {
                    // ReferMetrics adds these up: their sums stay within the pixel limit, as confusion counts do.
                    referPixels = try check.sum(
                        referPixels, counts.predicted, limit: Limits.pixelCount, "refer (pixels summed over the items)")
                    referPixels = try check.sum(referPixels, counts.truth, limit: Limits.pixelCount, "refer (pixels summed over the items)")
                    refer.append(counts)
                } else {
                    guard let counts = try record.matrix(classCount: vocabulary.labelCount, ignoreValue: vocabulary.ignoreValue) else {
                        failed.append(.init(id: record.id, reason: record.failed ?? "no counts"))
                        continue
                    }
                    do {
                        try matrix.add(counts)
                    } catch {
                        throw FieldRangeError(
                            file: file, field: "counts (summed over the items)", value: "more than \(Limits.pixelCount) pixels",
                            range: "0…\(Limits.pixelCount)")
                    }
                }
                evaluated += 1
                items.append(record)
                retries = try check.sum(retries, record.retries, Limits.tally, "retries (summed over the items)")
                promptTokens = try check.sum(promptTokens, record.promptTokens, Limits.tally, "promptTokens (summed over the items)")
                completionTokens = try check.sum(
                    completionTokens, record.completionTokens, Limits.tally, "completionTokens (summed over the items)")
                clientSeconds += record.clientSeconds
                if record.repairs > 0 {
                    repairedItems += 1
                    repairs = try check.sum(repairs, record.repairs, Limits.tally, "repairs (summed over the items)")
                }
            }
            clientSecondsPerItem = evaluated > 0 ? clientSeconds / Double(evaluated) : 0
        }
    }

    public var segmenter: Segmenter
    /// Items processed at once.
    public var jobs: Int
    /// Where to write each item's label map (and descriptors), if anywhere.
    public var outputFolder: String?
    public var writeDescriptors: Bool
    /// Called once per finished item, in completion order.
    public var progress: (@Sendable (ItemRecord) -> Void)?
    /// How many first results, all failing with the same configuration error, stop a run that has more items than that.
    public var failFastAfter = 3
    /// Images (and label maps) declaring more pixels fail their item before they are decoded.
    public var maxPixels: Int = Limits.defaultMaxPixels

    public init(
        segmenter: Segmenter, jobs: Int = ProcessInfo.processInfo.activeProcessorCount, outputFolder: String? = nil,
        writeDescriptors: Bool = false, progress: (@Sendable (ItemRecord) -> Void)? = nil
    ) {
        self.segmenter = segmenter
        self.jobs = max(1, jobs)
        self.outputFolder = outputFolder
        self.writeDescriptors = writeDescriptors
        self.progress = progress
    }

    public func run(
        _ items: [DatasetItem], journal: EvaluationJournal? = nil, finished: [String: ItemRecord] = [:]
    ) async throws -> Outcome {
        let start = Date()
        let vocabulary = segmenter.vocabulary
        let k = vocabulary.labelCount
        var results: [String: ItemRecord] = [:]
        var resumed = 0
        for item in items {
            // A failed record, or one whose counts do not fit this vocabulary, is run again rather than trusted.
            guard let record = finished[item.id], record.failed == nil else { continue }
            let fits =
                item.referring != nil
                ? record.refer != nil && record.expression == item.referring?.expression
                : (try? record.matrix(classCount: k, ignoreValue: vocabulary.ignoreValue)) != nil
            if fits {
                results[item.id] = record
                resumed += 1
            }
        }
        let pending = items.filter { results[$0.id] == nil }
        var probe = ConfigurationProbe(items: pending.count, probe: failFastAfter)
        let check = LabelValueCheck(vocabulary: vocabulary)
        try await BoundedConcurrency.forEach(pending, limit: jobs) { item in
            await self.evaluate(item, check: check)
        } handle: { item, result in
            if let stop = result.stop { throw stop }
            try probe.record(result.configuration)
            results[item.id] = result.record
            try await journal?.record(result.record)
            progress?(result.record)
        }
        // The totals come from the records, as for merged shards: one way to add up a run.
        let records = items.map { item in results[item.id] ?? .failure(item.id, "not run") }
        var outcome = try Outcome(records: records, vocabulary: vocabulary, file: journal.map { $0.path + " with this run" } ?? "this run")
        outcome.resumed = resumed
        outcome.seconds = Date().timeIntervalSince(start)
        return outcome
    }

    /// What evaluating one item gave: its record, or why the whole run must stop.
    struct Evaluated: Sendable {
        var record: ItemRecord
        /// The failure's configuration message, when it is a ``ConfigurationFailure``.
        var configuration: String?
        var stop: EvaluationStop?
    }

    /// The item's record: its counts when it was evaluated, its reason when it failed.
    func evaluate(_ item: DatasetItem, check: LabelValueCheck) async -> Evaluated {
        let start = Date()
        if let target = item.referring { return await evaluate(item, referring: target, start: start) }
        do {
            let image = try ImageIO.readImage(item.imagePath, maxPixels: maxPixels)
            let truth = try ImageIO.readLabelMap(item.labelPath, maxPixels: maxPixels)
            try check.check(truth, path: item.labelPath)
            guard truth.width == image.width, truth.height == image.height else {
                throw ImageError.sizeMismatch(
                    path: item.labelPath, expected: "\(image.width)×\(image.height)", found: "\(truth.width)×\(truth.height)")
            }
            let result = try await segmenter.segment(itemID: item.id, image: image, groundTruth: truth)
            try write(result, of: item, vocabulary: segmenter.vocabulary)
            var matrix = ConfusionMatrix(classCount: segmenter.vocabulary.labelCount, ignoreValue: segmenter.vocabulary.ignoreValue)
            try matrix.add(prediction: result.labelMap, groundTruth: truth)
            let output = result.engineOutput
            let record = ItemRecord(
                id: item.id, counts: matrix.pairs, repairs: result.repairs.count, engineSeconds: output.seconds,
                retries: output.retries, promptTokens: output.promptTokens ?? 0, completionTokens: output.completionTokens ?? 0,
                clientSeconds: max(0, Date().timeIntervalSince(start) - output.waitSeconds))
            return Evaluated(record: record)
        } catch let error as LabelValueError {
            return Evaluated(record: .failure(item.id, "\(error)"), stop: .wrongVocabulary(error))
        } catch {
            return Evaluated(record: .failure(item.id, "\(error)"), configuration: ConfigurationProbe.message(of: error))
        }
    }
}

extension EvaluationRunner {
    /// A referring item: its expression asked of the image, and the answer's mask and box scored
    /// against the target's.
    func evaluate(_ item: DatasetItem, referring target: ReferTarget, start: Date) async -> Evaluated {
        do {
            let image = try ImageIO.readImage(item.imagePath, maxPixels: maxPixels)
            let truth = try target.truth(of: image, path: item.labelPath + " (image of item \(item.id))")
            let asked = segmenter.referring(target.expression, itemID: item.id)
            let result = try await asked.segment(itemID: item.id, image: image, groundTruth: truth)
            try write(result, of: item, vocabulary: asked.vocabulary)
            let output = result.engineOutput
            let record = ItemRecord(
                id: item.id, repairs: result.repairs.count, engineSeconds: output.seconds, retries: output.retries,
                promptTokens: output.promptTokens ?? 0, completionTokens: output.completionTokens ?? 0,
                clientSeconds: max(0, Date().timeIntervalSince(start) - output.waitSeconds), expression: target.expression,
                refer: ReferCounts(prediction: result.labelMap, truth: truth))
            return Evaluated(record: record)
        } catch {
            return Evaluated(record: .failure(item.id, "\(error)"), configuration: ConfigurationProbe.message(of: error))
        }
    }

    /// Writes the item's prediction (and its answer) into the output folder, if there is one.
    func write(_ result: Segmentation, of item: DatasetItem, vocabulary: Vocabulary) throws {
        guard let folder = outputFolder else { return }
        try LabelMapWriter(vocabulary: vocabulary).writeLabelMap(
            result.labelMap, to: try ConfinedPath.join(folder, item.id, extension: "png"))
        if writeDescriptors, let answer = result.answer {
            try AtomicFile.write(answer, to: try ConfinedPath.join(folder, item.id, extension: "txt"))
        }
    }
}

/// Why an evaluation stopped before its end: continuing would only repeat one mistake.
public enum EvaluationStop: Error, CustomStringConvertible, Sendable {
    /// The first `items` results all failed with this configuration error.
    case configuration(message: String, items: Int)
    /// Ground truth with values outside the vocabulary.
    case wrongVocabulary(LabelValueError)

    public var description: String {
        switch self {
        case let .configuration(message, items):
            return "\(message) (the first \(items) items all failed this way; stopped before trying the rest)"
        case let .wrongVocabulary(error): return "\(error)"
        }
    }
}
