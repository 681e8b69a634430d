import Foundation

/// Evaluates a segmenter over a dataset: each item is segmented, compared with
/// its ground truth and added to one confusion matrix. An item that fails
/// (corrupt image, wrong-size label map, engine error) is recorded with its
/// reason and the run goes on.
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
    }

    public var segmenter: Segmenter
    /// Items processed at once.
    public var jobs: Int
    /// Where to write each item's label map (and descriptors), if anywhere.
    public var outputFolder: String?
    public var writeDescriptors: Bool
    /// Called once per finished item, in completion order.
    public var progress: (@Sendable (String, String?) -> Void)?
    /// Images (and label maps) declaring more pixels fail their item before they are decoded.
    public var maxPixels: Int = Limits.defaultMaxPixels

    public init(
        segmenter: Segmenter, jobs: Int = ProcessInfo.processInfo.activeProcessorCount, outputFolder: String? = nil,
        writeDescriptors: Bool = false, progress: (@Sendable (String, String?) -> Void)? = nil
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
        var results: [String: (record: ItemRecord, matrix: ConfusionMatrix?)] = [:]
        var resumed = 0
        for item in items {
            // A record whose counts do not fit this vocabulary is run again rather than trusted.
            if let record = finished[item.id], let matrix = try? record.matrix(classCount: k, ignoreValue: vocabulary.ignoreValue) {
                results[item.id] = (record, matrix)
                resumed += 1
            }
        }
        let pending = items.filter { results[$0.id] == nil }
        try await BoundedConcurrency.forEach(pending, limit: jobs) { item in
            await self.evaluate(item)
        } handle: { item, result in
            results[item.id] = result
            try await journal?.record(result.record)
            progress?(item.id, result.record.failed)
        }
        var total = ConfusionMatrix(classCount: k, ignoreValue: vocabulary.ignoreValue)
        var outcome = Outcome(matrix: total, evaluated: 0, failed: [], repairedItems: 0, repairs: 0, resumed: resumed, seconds: 0)
        var clientSeconds = 0.0
        for item in items {
            guard let (record, matrix) = results[item.id] else {
                outcome.failed.append(.init(id: item.id, reason: "not run"))
                continue
            }
            guard let matrix else {
                outcome.failed.append(.init(id: item.id, reason: record.failed ?? "no counts"))
                continue
            }
            total += matrix
            outcome.evaluated += 1
            outcome.items.append(record)
            outcome.retries += record.retries
            outcome.promptTokens += record.promptTokens
            outcome.completionTokens += record.completionTokens
            clientSeconds += record.clientSeconds
            if record.repairs > 0 {
                outcome.repairedItems += 1
                outcome.repairs += record.repairs
            }
        }
        outcome.matrix = total
        outcome.seconds = Date().timeIntervalSince(start)
        outcome.clientSecondsPerItem = outcome.evaluated > 0 ? clientSeconds / Double(outcome.evaluated) : 0
        return outcome
    }

    /// The item's record, and its matrix when it was evaluated.
    func evaluate(_ item: DatasetItem) async -> (record: ItemRecord, matrix: ConfusionMatrix?) {
        let start = Date()
        do {
            let image = try ImageIO.readImage(item.imagePath, maxPixels: maxPixels)
            let truth = try ImageIO.readLabelMap(item.labelPath, maxPixels: maxPixels)
            guard truth.width == image.width, truth.height == image.height else {
                throw ImageError.sizeMismatch(
                    path: item.labelPath, expected: "\(image.width)×\(image.height)", found: "\(truth.width)×\(truth.height)")
            }
            let result = try await segmenter.segment(itemID: item.id, image: image, groundTruth: truth)
            if let folder = outputFolder {
                try LabelMapWriter(vocabulary: segmenter.vocabulary).writeLabelMap(
                    result.labelMap, to: try ConfinedPath.join(folder, item.id, extension: "png"))
                if writeDescriptors, let answer = result.answer {
                    try AtomicFile.write(answer, to: try ConfinedPath.join(folder, item.id, extension: "txt"))
                }
            }
            var matrix = ConfusionMatrix(classCount: segmenter.vocabulary.labelCount, ignoreValue: segmenter.vocabulary.ignoreValue)
            try matrix.add(prediction: result.labelMap, groundTruth: truth)
            let output = result.engineOutput
            let record = ItemRecord(
                id: item.id, counts: matrix.pairs, repairs: result.repairs.count, engineSeconds: output.seconds,
                retries: output.retries, promptTokens: output.promptTokens ?? 0, completionTokens: output.completionTokens ?? 0,
                clientSeconds: max(0, Date().timeIntervalSince(start) - output.waitSeconds))
            return (record, matrix)
        } catch {
            return (.failure(item.id, "\(error)"), nil)
        }
    }
}
