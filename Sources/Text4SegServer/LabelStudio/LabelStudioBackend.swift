import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization
import Text4SegCore
import Text4SegReports

/// Label Studio's ML backend protocol: `/setup` (Label Studio says where it is and which token
/// reads its files), `/predict` (tasks in, one prediction per task out) and `/webhook`.
/// Predictions are brush regions (polygons when the project's control is `PolygonLabels`), one
/// per class present whose name is one of the project's labels. Labels that name no class of the
/// vocabulary are reported in the answer and on stderr, never guessed.
///
/// Images are fetched from the Label Studio that called (its uploads and local-files serving,
/// with its token), or from hosts given with `--allow-host`; from nowhere else.
public final class LabelStudioBackend: Sendable {
    let service: SegmentationService
    let settings: ServeSettings
    /// What `/setup` said, by project: Label Studio's address and token.
    private let projects = Mutex<[String: (hostname: String?, token: String?)]>([:])
    private let reported = Mutex<Set<String>>([])
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(60))))

    /// Tasks of one request segmented side by side.
    let workers: Int

    init(service: SegmentationService, settings: ServeSettings, workers: Int) {
        self.service = service
        self.settings = settings
        self.workers = max(1, workers)
    }

    /// The model version Label Studio records with each prediction.
    var modelVersion: String {
        "text4seg \(service.engine.name) \(service.defaultRefiner) \(service.defaultVocabularyName)"
    }

    struct SetupRequest: Decodable {
        var project: String?
        var hostname: String?
        var accessToken: String?
        /// The labeling config (read again with each prediction, where it is checked).
        var schema: String?

        enum CodingKeys: String, CodingKey {
            case project, hostname, schema
            case accessToken = "access_token"
        }
    }

    func setup(_ body: ByteBuffer) async throws -> Response {
        let request = try Self.decode(SetupRequest.self, body)
        if let project = request.project {
            // Bounded: one entry per project that ever called /setup.
            projects.withLock { projects in
                if projects.count >= 1000 && projects[project] == nil { projects.removeAll() }
                projects[project] = (request.hostname, request.accessToken)
            }
        }
        return try SegmentationServer.json(["model_version": modelVersion])
    }

    struct PredictRequest: Decodable {
        struct Task: Decodable {
            var id: Int?
            var data: [String: JSONValue]
        }

        var tasks: [Task]
        var project: String?
        var labelConfig: String?

        enum CodingKeys: String, CodingKey {
            case tasks, project
            case labelConfig = "label_config"
        }
    }

    /// A JSON value of a task's data: only strings are used (the image's URL).
    enum JSONValue: Decodable {
        case string(String)
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            self = (try? container.decode(String.self)).map(JSONValue.string) ?? .other
        }
    }

    struct PredictResponse: Encodable {
        /// Per task, in order: its prediction, or no prediction (an empty list) when it failed.
        var results: [Entry]
        var modelVersion: String
        /// Failed tasks by id (or index), with the reason.
        var errors: [String: String]
        /// The project's labels that name no class of the vocabulary.
        var unknownLabels: [String]

        enum CodingKeys: String, CodingKey {
            case results, errors
            case modelVersion = "model_version"
            case unknownLabels = "unknown_labels"
        }
    }

    enum Entry: Encodable {
        case prediction(LabelStudioExport.Prediction)
        case none

        func encode(to encoder: any Encoder) throws {
            switch self {
            case let .prediction(prediction): try prediction.encode(to: encoder)
            case .none:
                // An empty list: Label Studio then records no prediction for the task.
                _ = encoder.unkeyedContainer()
            }
        }
    }

    /// Predicts every task; `segment` runs one image through the server's workers.
    func predict(_ body: ByteBuffer, segment: @escaping @Sendable (Data) async throws -> SegmentOutcome) async throws -> Response {
        let request = try Self.decode(PredictRequest.self, body)
        guard let xml = request.labelConfig else { throw ServeError.badRequest("no label_config in the request") }
        let config = try LabelingConfig(xml: xml)
        let vocabulary = try service.prompt(for: SegmentOptions()).vocabulary
        let (labels, unknown) = Self.match(config.labels, vocabulary: vocabulary)
        if !unknown.isEmpty, reported.withLock({ $0.count < 1000 && $0.insert(unknown.joined(separator: "\u{1F}")).inserted }) {
            FileHandle.standardError.write(
                Data(
                    ("warning: Label Studio labels not in vocabulary \(vocabulary.name), predicted for no pixels: "
                        + unknown.joined(separator: ", ") + "\n").utf8))
        }
        // What serve was told wins over what /setup said: Label Studio reports the address it
        // believes it has (localhost:8080 inside a container) and the owner's legacy token,
        // which Label Studio 1.2x turns off by default.
        let origin = request.project.flatMap { project in projects.withLock { $0[project] } }
        let hostname = settings.labelStudioURL ?? origin?.hostname
        let token = (settings.labelStudioToken ?? origin?.token).flatMap { token in
            hostname.map { LabelStudioToken(token: token, hostname: $0) }
        }
        let tasks = Array(request.tasks.enumerated())
        var outcomes: [Int: Result<LabelStudioExport.Prediction, any Error>] = [:]
        // Tasks run side by side, each through the server's workers like any request.
        try await BoundedConcurrency.forEach(tasks, limit: workers) { item -> Result<LabelStudioExport.Prediction, any Error> in
            do {
                try Task.checkCancellation()
                let key = item.element.id.map(String.init) ?? "#\(item.offset)"
                guard case let .string(address)? = item.element.data[config.dataKey] else {
                    throw ServeError.badRequest("task \(key) has no '\(config.dataKey)' field with the image's URL")
                }
                let data = try await self.fetch(address, hostname: hostname, token: token)
                let outcome = try await segment(data)
                let scores = Dictionary(
                    outcome.shares.compactMap { share in share.score.map { (share.id, $0) } }, uniquingKeysWith: { a, _ in a })
                return .success(
                    LabelStudioExport.prediction(
                        map: outcome.labelMap, labels: labels, fromName: config.fromName, toName: config.toName,
                        polygonTolerance: config.polygons ? 0.5 : nil, scores: scores, modelVersion: self.modelVersion))
            } catch {
                return .failure(error)
            }
        } handle: { item, result in
            outcomes[item.offset] = result
        }
        var results: [Entry] = []
        var errors: [String: String] = [:]
        for (index, task) in tasks {
            switch outcomes[index] {
            case let .success(prediction)?: results.append(.prediction(prediction))
            case let .failure(error)?:
                if case ServeError.busy = error { throw error }
                if error is CancellationError { throw error }
                results.append(.none)
                let message = "\(error)"
                errors[task.id.map(String.init) ?? "#\(index)"] = message
                report(message)
            case nil:
                throw CancellationError()
            }
        }
        if !request.tasks.isEmpty && errors.count == request.tasks.count && request.tasks.count == 1, let message = errors.values.first {
            throw ServeError.badRequest(message)
        }
        return try SegmentationServer.json(
            PredictResponse(results: results, modelVersion: modelVersion, errors: errors, unknownLabels: unknown))
    }

    /// The project's labels matched to the vocabulary's classes by name (exactly, else ignoring
    /// case, spaces, `_` and `-`), and the labels that match none.
    static func match(_ labels: [String], vocabulary: Vocabulary) -> (byID: [Int: String], unknown: [String]) {
        var byID: [Int: String] = [:]
        var unknown: [String] = []
        for label in labels {
            let item =
                vocabulary.classes.first { $0.name == label }
                ?? vocabulary.classes.first { Vocabulary.fold($0.name) == Vocabulary.fold(label) }
            guard let item, item.id != vocabulary.ignoreValue else {
                unknown.append(label)
                continue
            }
            if byID[item.id] == nil { byID[item.id] = label }
        }
        return (byID, unknown)
    }

    /// The bytes of a task's image: a path on Label Studio (`/data/upload/…`, `/data/local-files/?d=…`)
    /// or a URL on Label Studio's host or an allowed one. Label Studio's token goes only to Label Studio.
    func fetch(_ address: String, hostname: String?, token: LabelStudioToken?) async throws -> Data {
        let url: URL
        var sendToken = false
        if address.hasPrefix("/") {
            guard let hostname, let base = URL(string: hostname), base.host != nil else {
                throw ServeError.fetch(
                    "the image '\(address)' is a path on Label Studio, whose address is unknown: pass --label-studio-url")
            }
            guard let joined = URL(string: hostname.trimmingSuffix("/") + address) else {
                throw ServeError.fetch("the image address '\(address)' is not a URL")
            }
            url = joined
            sendToken = true
        } else {
            guard let parsed = URL(string: address), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
                let host = parsed.host
            else {
                throw ServeError.fetch("the image address '\(address)' is not an http(s) URL or a Label Studio path")
            }
            let origin = hostname.flatMap(URL.init(string:))
            let sameHost =
                origin.map { $0.host == host && ($0.port ?? Self.defaultPort($0)) == (parsed.port ?? Self.defaultPort(parsed)) } ?? false
            let hostPort = parsed.port.map { "\(host):\($0)" } ?? host
            guard sameHost || settings.allowHost.contains(host) || settings.allowHost.contains(hostPort) else {
                throw ServeError.fetch("images from \(hostPort) are not allowed: pass --allow-host \(host)")
            }
            url = parsed
            sendToken = sameHost
        }
        var response = try await get(url, token: sendToken ? token : nil, renew: false)
        if response.status == .unauthorized, sendToken, let token, LabelStudioToken.jwtType(token.token) == "refresh" {
            response = try await get(url, token: token, renew: true)
        }
        if response.status == .unauthorized {
            throw ServeError.fetch(
                "Label Studio answered 401 for the image: give serve a token it accepts with --label-studio-token "
                    + "(a personal access token, or a legacy token with legacy tokens enabled in the organization's settings)")
        }
        guard response.status == .ok else {
            throw ServeError.fetch(
                "fetching the image from \(url.host ?? "") answered \(response.status.code) \(response.status.reasonPhrase)")
        }
        do {
            let body = try await response.body.collect(upTo: settings.maxBodyBytes)
            return Data(body.readableBytesView)
        } catch {
            throw ServeError.fetch("the image from \(url.host ?? "") is over \(settings.maxBodyBytes) bytes or was cut short")
        }
    }

    func get(_ url: URL, token: LabelStudioToken?, renew: Bool) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url.absoluteString)
        if let token { request.headers.add(name: "Authorization", value: try await token.header(client: Self.client, renew: renew)) }
        do {
            return try await Self.client.execute(request, timeout: .seconds(60))
        } catch {
            throw ServeError.fetch("cannot fetch \(url.host ?? "the image"): \(error)")
        }
    }

    /// Says a task's failure on stderr once per distinct message: Label Studio shows none of them.
    func report(_ message: String) {
        guard reported.withLock({ $0.count < 1000 && $0.insert("error:" + message).inserted }) else { return }
        FileHandle.standardError.write(Data("warning: a Label Studio task got no prediction: \(message)\n".utf8))
    }

    static func defaultPort(_ url: URL) -> Int { url.scheme?.lowercased() == "https" ? 443 : 80 }

    static func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch {
            throw ServeError.badRequest("the request is not the JSON Label Studio sends: \(error)")
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
