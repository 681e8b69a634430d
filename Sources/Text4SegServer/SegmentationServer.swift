import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Text4SegCore

/// `text4seg serve`: one process, the engine loaded once, behind a JSON API (`/v1/segment`,
/// `/v1/vocabularies`, `/health`, `/metrics`, `/openapi.json`), a Label Studio ML backend
/// (`/setup`, `/predict`, `/webhook`) and a web page (`/`).
///
///     let server = SegmentationServer(service: service, settings: settings)
///     try await server.run { address in print("listening on \(address)") }
public struct SegmentationServer: Sendable {
    public let service: SegmentationService
    public let settings: ServeSettings
    public let metrics: ServerMetrics
    let gate: AdmissionGate
    /// The threads segmentations run on, one per worker.
    let pool: WorkerPool
    let labelStudio: LabelStudioBackend

    /// - Parameter workers: segmentations that run at once; more wait in the queue.
    public init(service: SegmentationService, settings: ServeSettings, workers: Int) {
        self.service = service
        self.settings = settings
        let metrics = ServerMetrics()
        self.metrics = metrics
        gate = AdmissionGate(workers: workers, queue: settings.queue) { metrics.setWaiting($0) }
        pool = WorkerPool(threads: workers)
        labelStudio = LabelStudioBackend(service: service, settings: settings, workers: workers)
    }

    /// Serves until SIGTERM or SIGINT, then stops taking connections and finishes the requests
    /// in flight. `ready` is called with the bound address (`127.0.0.1:8089`) once it listens.
    public func run(ready: @escaping @Sendable (String) -> Void) async throws {
        var logger = Logger(label: "text4seg.serve")
        logger.logLevel = .notice
        let headerTimeout = TimeAmount.milliseconds(Int64(settings.headerTimeout * 1000))
        let idleTimeout = TimeAmount.milliseconds(Int64(settings.idleTimeout * 1000))
        let app = Application(
            router: makeRouter(),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [HeaderTimeoutHandler(first: headerTimeout, next: idleTimeout), ConnectionWatchHandler()],
                    idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "text4seg"),
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? settings.host):\($0.port ?? settings.port)" }
                ready(address ?? "\(settings.host):\(settings.port)")
            },
            logger: logger)
        try await app.runService()
        await service.engine.shutdown()
        pool.shutdown()
    }

    func makeRouter() -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: ServeMiddleware(metrics: metrics, token: settings.token, maxBodyBytes: settings.maxBodyBytes))
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: Self.asset("index.html"))))
        }
        let document = OpenAPIDocument.served(
            Self.asset("openapi.json"), vocabularies: service.vocabularies, refiners: service.refiners.keys.sorted())
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: document())))
        }
        router.get("/health") { _, _ in
            try Self.json(["status": "UP", "model_class": "text4seg", "engine": service.engine.name])
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        router.get("/v1/vocabularies") { _, _ in
            let entries = try service.vocabularies.map { name in
                let vocabulary = try Vocabulary.load(name)
                return VocabularyEntry(
                    name: name, description: vocabulary.description, hash: vocabulary.contentHash,
                    classes: vocabulary.classes.map(\.name))
            }
            return try Self.json(entries)
        }
        router.post("/v1/segment") { request, context in try await segment(request, context: context) }
        router.post("/setup") { request, context in
            let deadline = RequestDeadline(seconds: settings.requestTimeout)
            return try await labelStudio.setup(try await body(request, context: context, deadline: deadline))
        }
        router.post("/predict") { request, context in
            let deadline = RequestDeadline(seconds: settings.requestTimeout)
            return try await gate.admit {
                let body = try await body(request, context: context, deadline: deadline)
                return try await labelStudio.predict(body) { data in
                    try await onWorker(context: context, deadline: deadline) {
                        try await service.segment(data, options: SegmentOptions(), name: "task")
                    }
                }
            }
        }
        router.post("/webhook") { _, _ in try Self.json([String: String]()) }
        router.get("/versions") { _, _ in try Self.json(["versions": [labelStudio.modelVersion]]) }
        return router
    }

    /// `POST /v1/segment`: the image as a multipart field `image` or as the whole body, the
    /// options as form fields or query parameters.
    func segment(_ request: Request, context: ServeContext) async throws -> Response {
        let deadline = RequestDeadline(seconds: settings.requestTimeout)
        return try await gate.admit { try await segmentAdmitted(request, context: context, deadline: deadline) }
    }

    func segmentAdmitted(_ request: Request, context: ServeContext, deadline: RequestDeadline) async throws -> Response {
        let body = try await body(request, context: context, deadline: deadline)
        var fields: [String: Data] = [:]
        let contentType = request.headers[.contentType] ?? ""
        if let boundary = Multipart.boundary(of: contentType) {
            fields = try Multipart.fields(body, boundary: boundary)
        } else if contentType.lowercased().hasPrefix("multipart/") {
            throw ServeError.badRequest("a multipart body needs multipart/form-data with a boundary")
        } else {
            fields["image"] = Data(body.readableBytesView)
        }
        let query = request.uri.queryParameters
        // An option may come as a form field or a query parameter: each value given (an empty one
        // too) is checked, and the form field wins.
        func values(_ name: String) -> [String] {
            [fields[name].map { String(decoding: $0, as: UTF8.self) }, query.get(name)].compactMap { $0 }
        }
        func field(_ name: String) -> String? { values(name).first }
        guard let image = fields["image"], !image.isEmpty else {
            throw ServeError.badRequest("no image: send it as the multipart field 'image' or as the request body")
        }
        var options = SegmentOptions(vocab: field("vocab"), classes: field("classes"), refine: field("refine"))
        for grid in values("grid").reversed() {
            guard let value = Int(grid.trimmingCharacters(in: .whitespaces)) else {
                throw ServeError.badRequest("grid: '\(grid)' is not a whole number")
            }
            options.grid = value
        }
        for vocab in values("vocab") where !service.vocabularies.contains(vocab) {
            throw ServeError.badRequest("unknown vocabulary '\(vocab)'; GET /v1/vocabularies lists them")
        }
        for refine in values("refine") { _ = try service.refiner(named: refine) }
        for grid in values("grid") { _ = try service.prompt(for: SegmentOptions(grid: Int(grid.trimmingCharacters(in: .whitespaces)))) }
        let overlay = try values("overlay").reversed().map { try Self.flag($0, "overlay") }.last ?? false
        let labelMap = try values("label_map").reversed().map { try Self.flag($0, "label_map") }.last ?? false
        let accept = (request.headers[.accept] ?? "application/json").lowercased()
        let wantsPNG = accept.contains("image/png") && !accept.contains("application/json")
        guard wantsPNG || accept.contains("application/json") || accept.contains("*/*") || accept.isEmpty else {
            throw ServeError.notAcceptable("this endpoint answers application/json or image/png")
        }
        // Checked before the image waits for a worker, so a bad request fails fast.
        _ = try service.prompt(for: options)
        _ = try service.refiner(named: options.refine)
        let chosen = options
        let service = service
        // Encoding runs on the worker too: an overlay of a large photo is not cheap.
        let (answerType, payload) = try await onWorker(context: context, deadline: deadline) { () -> (String, Data) in
            let outcome = try await service.segment(image, options: chosen)
            try Task.checkCancellation()
            if wantsPNG {
                // The label map, or with overlay=true the overlay alone (no base64 round trip for big photos).
                return ("image/png", overlay ? try service.overlayPNG(outcome) : try outcome.labelMapPNG())
            }
            let answer = SegmentResponse(
                outcome, engine: service.engine.name, labelMap: labelMap ? try outcome.labelMapPNG() : nil,
                overlay: overlay ? try service.overlayPNG(outcome) : nil)
            return ("application/json", try Self.encoder.encode(answer))
        }
        return Response(status: .ok, headers: [.contentType: answerType], body: .init(byteBuffer: ByteBuffer(data: payload)))
    }

    /// Runs `work` on a worker thread when a worker is free, answering by the request's deadline
    /// and giving up when the client goes away (the work is then cancelled, and its worker is
    /// free once it stops).
    func onWorker<T: Sendable>(
        context: ServeContext, deadline: RequestDeadline, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let watch = await ConnectionWatchHandler.watch(of: context.channel)
        // A client already gone (Label Studio gave up on /predict) starts nothing.
        guard !Self.isGone(context, watch) else { throw ServeError.cancelled }
        let gate = gate
        let task = Task(executorPreference: pool) { try await gate.withWorker(work) }
        return try await deadline.wait(for: task, watch: watch)
    }

    /// The request's body, read within its deadline and the body limit (a chunked body has no
    /// Content-Length to refuse it by up front).
    func body(_ request: Request, context: ServeContext, deadline: RequestDeadline) async throws -> ByteBuffer {
        let limit = settings.maxBodyBytes
        do {
            return try await deadline.reading { try await request.body.collect(upTo: limit) }
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ServeError.bodyTooLarge(limit: limit)
        } catch is NIOTooManyBytesError {
            throw ServeError.bodyTooLarge(limit: limit)
        } catch let error as ServeError {
            throw error
        } catch {
            // The connection ended inside the body: whoever sent it is gone or broken.
            if Self.isGone(context, await ConnectionWatchHandler.watch(of: context.channel)) {
                throw ServeError.cancelled
            }
            throw ServeError.badRequest("the request body could not be read: \(error)")
        }
    }

    /// Whether the client of `context` has closed or half-closed its connection.
    static func isGone(_ context: ServeContext, _ watch: ConnectionWatch?) -> Bool {
        !context.channel.isActive || watch?.isGone == true
    }

    static func flag(_ text: String?, _ name: String) throws -> Bool {
        switch text {
        case nil, "false": return false
        case "true": return true
        case let other?: throw ServeError.badRequest("\(name): '\(other)' is not true or false")
        }
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
    }

    /// An embedded asset; with TEXT4SEG_SERVE_ASSETS=DIR (for whoever works on the page), the
    /// file of that name in DIR instead, read at each call.
    static func asset(_ name: String) -> String {
        if let folder = ProcessInfo.processInfo.environment["TEXT4SEG_SERVE_ASSETS"], !folder.isEmpty,
            let data = FileManager.default.contents(atPath: folder + "/" + name)
        {
            return String(decoding: data, as: UTF8.self)
        }
        return EmbeddedAssets.files[name] ?? ""
    }
}
