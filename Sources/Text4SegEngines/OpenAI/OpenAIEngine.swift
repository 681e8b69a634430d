import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Text4SegCore

/// The `openai` engine: asks a Text4Seg checkpoint behind any OpenAI-compatible
/// `/v1/chat/completions` server (vLLM, SGLang, LMDeploy, llama.cpp) for descriptors.
///
/// Each request holds one user message with the question and the image view
/// (stretched to `prompt.viewSize`², as a `data:` URL). Connection errors and
/// 408/429/5xx answers are retried (see ``RetryPolicy``); 400/401/403/404 are
/// not, and their errors say what to fix.
///
///     let engine = try OpenAIEngine(settings: OpenAISettings(baseURL: "http://127.0.0.1:8000/v1"))
///     defer { Task { await engine.shutdown() } }
public final class OpenAIEngine: Engine {
    public let settings: OpenAISettings
    let client: HTTPClient
    let endpoint: String

    public init(settings: OpenAISettings) throws {
        var base = settings.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty
        else {
            throw OpenAIError.badBaseURL(settings.baseURL, reason: "expected something like http://127.0.0.1:8000/v1")
        }
        if let port = url.port, !(1...65_535).contains(port) {
            throw OpenAIError.badBaseURL(settings.baseURL, reason: "port \(port) is outside 1–65535")
        }
        self.settings = settings
        self.endpoint = base + "/chat/completions"
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .milliseconds(Int64(settings.connectTimeout * 1000))))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, settings.connections))
        // A refused connection fails the attempt at once; our own loop retries it with backoff,
        // instead of the pool retrying silently until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public var name: String { "openai" }

    public func shutdown() async {
        guard shutDown.claim() else { return }
        try? await client.shutdown()
    }

    /// An engine dropped without ``shutdown()`` (an error path) still releases its client:
    /// AsyncHTTPClient stops the process when a client is deinitialized while running.
    deinit {
        if shutDown.claim() { try? client.syncShutdown() }
    }

    let shutDown = OnceFlag()
    let refusalNoticed = OnceFlag()

    /// The largest answer body read; a larger one fails the item.
    static let maximumBodyBytes = 64 << 20

    public func describe(_ request: DescriptorRequest) async throws -> EngineOutput {
        let prepareStart = Date()
        let body = try requestBody(request)
        let prepareSeconds = Date().timeIntervalSince(prepareStart)
        var generator = SystemRandomNumberGenerator()
        var attempt = 0
        var waited = 0.0
        var refused = false
        while true {
            refused = false
            try Task.checkCancellation()
            let sent = Date()
            let failure: String
            var retryAfter: String?
            do {
                // --timeout bounds the whole exchange, body included: a server that sends headers
                // and then stalls, or trickles a byte at a time, cannot hold the run.
                let (status, headers, data) = try await Deadline.run(seconds: settings.requestTimeout) { [self] in
                    try await exchange(body)
                }
                waited += Date().timeIntervalSince(sent)
                if status == 200 {
                    return try output(data, request: request, retries: attempt, waited: waited, prepared: prepareSeconds)
                }
                let message = redact(serverMessage(data))
                switch status {
                case 400, 422: throw OpenAIError.badRequest(status: status, message: message)
                case 401, 403: throw OpenAIError.unauthorized(status: status, message: message, keySet: settings.apiKey != nil)
                case 404: throw OpenAIError.notFound(url: endpoint, model: settings.model, message: message)
                case _ where RetryPolicy.retryableStatuses.contains(status):
                    failure = "HTTP \(status): \(message)"
                    retryAfter = headers.first(name: "Retry-After")
                default:
                    throw OpenAIError.badRequest(status: status, message: message)
                }
            } catch let error as OpenAIError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch is NIOTooManyBytesError {
                throw OpenAIError.badResponse("answer larger than \(ByteCountText.format(OpenAIEngine.maximumBodyBytes))")
            } catch {
                waited += Date().timeIntervalSince(sent)
                if Task.isCancelled { throw CancellationError() }
                failure = redact(TransportFailure.describe(error, endpoint: endpoint, settings: settings))
                refused = TransportFailure.isRefused(error)
            }
            guard attempt < settings.retry.maximumRetries else {
                throw OpenAIError.gaveUp(attempts: attempt + 1, last: failure, refused: refused)
            }
            let delay = settings.retry.delay(attempt: attempt, retryAfter: retryAfter, using: &generator)
            if refused, let notice = settings.notice, refusalNoticed.claim() {
                // Said once per run and at once, so a user whose server is down does not wait in silence.
                notice(
                    "warning: \(failure); retrying with backoff (up to \(settings.retry.maximumRetries) retries per item, "
                        + "first in \(String(format: "%.1f", delay)) s)")
            }
            attempt += 1
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            waited += delay
        }
    }

    /// One request and its whole answer.
    func exchange(_ body: Data) async throws -> (Int, HTTPHeaders, Data) {
        var http = HTTPClientRequest(url: endpoint)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        if let key = settings.apiKey { http.headers.add(name: "Authorization", value: "Bearer \(key)") }
        http.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(http, timeout: .milliseconds(Int64(settings.requestTimeout * 1000)))
        let bytes = try await response.body.collect(upTo: OpenAIEngine.maximumBodyBytes)
        return (Int(response.status.code), response.headers, Data(bytes.readableBytesView))
    }

    /// Server text with the API key taken out (a server may echo the `Authorization` header).
    func redact(_ text: String) -> String {
        Redaction.redact(text, secrets: (settings.apiKey.map { [$0] } ?? []) + Redaction.environmentSecrets)
    }

    /// The JSON body: model, one user message (question + image), decoding settings.
    func requestBody(_ request: DescriptorRequest) throws -> Data {
        let view = request.view()
        let url: String
        switch settings.imageFormat {
        // Fast deflate: the view is a few hundred KB either way, and encoding time is per request.
        case .png: url = "data:image/png;base64," + (try PNGCodec.encodeRGB(view, level: 1)).base64EncodedString()
        case .jpeg: url = "data:image/jpeg;base64," + (try JPEGCodec.encode(view, quality: settings.jpegQuality)).base64EncodedString()
        }
        let body = ChatCompletionRequest(
            model: settings.model,
            messages: [request.prompt.chatMessage(imageURL: url)],
            maxTokens: settings.maxTokens, temperature: settings.temperature, stop: settings.stop, seed: settings.seed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(body)
    }

    /// The first choice's message text of a chat completion body (the fuzz target `chat` runs this).
    package static func parseAnswer(_ data: Data, redact: (String) -> String = { $0 }) throws -> (String, ChatCompletionResponse) {
        let response: ChatCompletionResponse
        do {
            response = try JSONDecoder().decode(ChatCompletionResponse.self, from: data)
        } catch {
            throw OpenAIError.badResponse(
                "not a chat completion: '\(Excerpt.quote(redact(String(decoding: data.prefix(400), as: UTF8.self)), limit: 200))'")
        }
        guard let text = response.choices.first?.message?.content?.text else {
            throw OpenAIError.badResponse("no message content in the first choice")
        }
        return (text, response)
    }

    func output(_ data: Data, request: DescriptorRequest, retries: Int, waited: Double, prepared: Double) throws -> EngineOutput {
        let (received, response) = try OpenAIEngine.parseAnswer(data, redact: redact)
        let text = redact(received)
        if let folder = settings.saveResponses {
            try AtomicFile.write(text, to: try ConfinedPath.join(folder, request.itemID, extension: "txt"))
            let secrets = (settings.apiKey.map { [$0] } ?? []) + Redaction.environmentSecrets
            try AtomicFile.write(
                Redaction.redact(data, secrets: secrets), to: try ConfinedPath.join(folder, request.itemID, extension: "json"))
        }
        var output = EngineOutput(
            text: text, promptTokens: response.usage?.promptTokens, completionTokens: response.usage?.completionTokens,
            seconds: waited + prepared)
        output.retries = retries
        output.waitSeconds = waited
        return output
    }
}
