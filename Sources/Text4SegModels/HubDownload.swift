import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Text4SegCore

/// Downloads a Hugging Face-format CLIP checkpoint from the Hub (or a mirror at `HF_ENDPOINT`)
/// into a folder, file by file: `config.json`, `vocab.json`, `merges.txt`, `model.safetensors`.
///
/// Each file is asked for with `HEAD /{repo}/resolve/{revision}/{file}`, redirects not followed,
/// for its size and hash: `X-Linked-Size` and `X-Linked-Etag` (the sha256) for LFS files, else
/// `Content-Length` and `ETag` (the git blob SHA-1). The bytes go to `<file>.part`, resumed with
/// `Range` when a part is already there, and become the file (renamed) only when size and hash
/// check. The commit the revision pointed to (`X-Repo-Commit`) is kept in `revision.json`, and
/// a file already there with the right hash is not fetched again.
///
///     let hub = HubDownload(endpoint: "https://huggingface.co", token: nil)
///     try await hub.pull(repo: "openai/clip-vit-base-patch16", revision: "main", into: folder) { print($0) }
public struct HubDownload: Sendable {
    public static let files = ["config.json", "vocab.json", "merges.txt", "model.safetensors"]
    public static let defaultEndpoint = "https://huggingface.co"

    public var endpoint: String
    public var token: String?
    /// Seconds without a byte before a request is given up.
    public var timeout: Double = 60

    public init(endpoint: String, token: String?) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.token = token
    }

    /// The endpoint and token the environment names (`HF_ENDPOINT`, `HF_TOKEN`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(
            endpoint: environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultEndpoint,
            token: environment["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// What the Hub says of one file.
    struct Metadata {
        var size: Int
        /// `sha256:<hex>` for LFS files, `sha1-blob:<hex>` for git files.
        var hash: String
        var commit: String?
        /// Where the bytes are (the redirect's target for LFS files).
        var location: String
    }

    /// Fetches every file of the checkpoint into `folder` (created); returns the commit.
    @discardableResult
    public func pull(repo: String, revision: String, into folder: String, log: @Sendable (String) -> Void) async throws -> String {
        guard repo.split(separator: "/").count == 2, !repo.contains(".."), !repo.hasPrefix("/") else {
            throw HubError.badRepository(repo)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(15), read: .seconds(Int64(timeout))))
        // Offline is said at once, instead of the pool retrying a refused connection until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let commit = try await pull(repo: repo, revision: revision, into: folder, client: client, log: log)
            try? await client.shutdown()
            return commit
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func pull(
        repo: String, revision: String, into folder: String, client: HTTPClient, log: @Sendable (String) -> Void
    ) async throws -> String {
        var commit: String?
        for file in Self.files {
            let url =
                "\(endpoint)/\(repo)/resolve/\(revision.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? revision)/\(file)"
            let metadata = try await head(url, client: client, repo: repo, revision: revision, file: file)
            commit = commit ?? metadata.commit
            let target = folder + "/" + file
            if FileManager.default.fileExists(atPath: target), (try? Self.check(path: target, metadata)) != nil {
                log("\(file): already here, \(metadata.size) bytes, \(metadata.hash.prefix(20))… ok")
                continue
            }
            try await download(metadata, to: target, client: client, file: file, log: log)
            try Self.check(path: target + ".part", metadata)
            try FileManager.default.moveItemReplacing(at: target + ".part", to: target)
            log("\(file): \(metadata.size) bytes, \(metadata.hash.prefix(20))… ok")
        }
        let record: [String: String] = ["repo": repo, "revision": revision, "commit": commit ?? "unknown", "endpoint": endpoint]
        try AtomicFile.write(
            try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .prettyPrinted]), to: folder + "/revision.json")
        return commit ?? "unknown"
    }

    func request(_ url: String, method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "text4seg")
        // The token is for the Hub alone: LFS bytes come from a CDN on another host, which must not see it.
        if let token, Self.origin(of: url) == Self.origin(of: endpoint) {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        return request
    }

    func send(_ request: HTTPClientRequest, client: HTTPClient) async throws -> HTTPClientResponse {
        do {
            return try await client.execute(request, timeout: .seconds(Int64(timeout)))
        } catch {
            throw HubError.unreachable(endpoint: endpoint, reason: "\(error)")
        }
    }

    func head(_ url: String, client: HTTPClient, repo: String, revision: String, file: String) async throws -> Metadata {
        let response = try await send(request(url, method: .HEAD), client: client)
        let headers = response.headers
        switch response.status.code {
        case 200, 301, 302, 303, 307, 308: break
        case 401, 403: throw HubError.unauthorized(repo: repo, status: Int(response.status.code), hasToken: token != nil)
        case 404:
            let code = headers.first(name: "X-Error-Code") ?? ""
            throw HubError.notFound(repo: repo, revision: revision, file: file, code: code)
        default: throw HubError.status(url: url, status: Int(response.status.code))
        }
        func unquoted(_ value: String?) -> String? { value.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } }
        var location = url
        if (300..<400).contains(response.status.code) {
            guard let target = headers.first(name: "Location") else {
                throw HubError.malformed(url: url, reason: "a redirect without Location")
            }
            location = target.hasPrefix("/") ? Self.origin(of: url) + target : target
        }
        if let linked = unquoted(headers.first(name: "X-Linked-Etag")), let size = headers.first(name: "X-Linked-Size").flatMap(Int.init) {
            return Metadata(size: size, hash: "sha256:" + linked, commit: headers.first(name: "X-Repo-Commit"), location: location)
        }
        guard let etag = unquoted(headers.first(name: "ETag")), let size = headers.first(name: "Content-Length").flatMap(Int.init) else {
            throw HubError.malformed(url: url, reason: "no ETag and size to check the download against")
        }
        let hash = etag.count == 64 ? "sha256:" + etag : "sha1-blob:" + etag
        return Metadata(size: size, hash: hash, commit: headers.first(name: "X-Repo-Commit"), location: location)
    }

    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// Streams the bytes into `<target>.part`, from where a previous attempt stopped when the server honors `Range`.
    func download(_ metadata: Metadata, to target: String, client: HTTPClient, file: String, log: @Sendable (String) -> Void) async throws {
        let part = target + ".part"
        let fm = FileManager.default
        var have = (try? fm.attributesOfItem(atPath: part)[.size] as? Int) ?? 0
        if have > metadata.size {
            try? fm.removeItem(atPath: part)
            have = 0
        }
        if have == metadata.size { return }
        var location = metadata.location
        var response: HTTPClientResponse
        var redirects = 0
        while true {
            var request = request(location, method: .GET)
            if have > 0 { request.headers.add(name: "Range", value: "bytes=\(have)-") }
            response = try await send(request, client: client)
            guard (300..<400).contains(response.status.code), let next = response.headers.first(name: "Location"), redirects < 5 else {
                break
            }
            location = next.hasPrefix("/") ? Self.origin(of: location) + next : next
            redirects += 1
        }
        switch response.status.code {
        case 206:
            log("\(file): resuming at byte \(have) of \(metadata.size)")
        case 200:
            if have > 0 { log("\(file): the server ignored the range; starting again") }
            have = 0
        default:
            throw HubError.status(url: location, status: Int(response.status.code))
        }
        if have == 0 { fm.createFile(atPath: part, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: part) else { throw HubError.unwritable(part) }
        defer { try? handle.close() }
        try handle.seekToEnd()
        var received = have
        do {
            for try await chunk in response.body {
                try handle.write(contentsOf: chunk.getBytes(at: chunk.readerIndex, length: chunk.readableBytes) ?? [])
                received += chunk.readableBytes
            }
        } catch {
            throw HubError.interrupted(file: file, received: received, size: metadata.size, reason: "\(error)")
        }
        guard received == metadata.size else {
            throw HubError.interrupted(file: file, received: received, size: metadata.size, reason: "the connection closed early")
        }
    }

    /// Size and hash of a downloaded file against the Hub's metadata, read a few MiB at a time
    /// (a ViT-L/14 checkpoint is 1.7 GB).
    static func check(path: String, _ metadata: Metadata) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HubError.unwritable(path) }
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        guard size == metadata.size else {
            throw HubError.mismatch(path: path, what: "size \(size), expected \(metadata.size)")
        }
        try handle.seek(toOffset: 0)
        var sha256 = SHA256()
        var sha1 = Insecure.SHA1()
        let lfs = metadata.hash.hasPrefix("sha256:")
        if !lfs { sha1.update(data: Data("blob \(size)\u{0}".utf8)) }
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            if lfs { sha256.update(data: chunk) } else { sha1.update(data: chunk) }
        }
        let found =
            lfs
            ? "sha256:" + sha256.finalize().map { String(format: "%02x", $0) }.joined()
            : "sha1-blob:" + sha1.finalize().map { String(format: "%02x", $0) }.joined()
        guard found == metadata.hash else {
            try? FileManager.default.removeItem(atPath: path)
            throw HubError.mismatch(path: path, what: "\(found), the Hub says \(metadata.hash); the partial file was removed")
        }
    }
}

extension FileManager {
    /// `rename(2)`: atomic within one file system, replacing what is there.
    func moveItemReplacing(at source: String, to target: String) throws {
        guard rename(source, target) == 0 else { throw HubError.unwritable(target) }
    }
}

/// Why a checkpoint could not be pulled.
public enum HubError: Error, CustomStringConvertible, Sendable {
    case badRepository(String)
    case unreachable(endpoint: String, reason: String)
    case unauthorized(repo: String, status: Int, hasToken: Bool)
    case notFound(repo: String, revision: String, file: String, code: String)
    case status(url: String, status: Int)
    case malformed(url: String, reason: String)
    case interrupted(file: String, received: Int, size: Int, reason: String)
    case mismatch(path: String, what: String)
    case unwritable(String)

    public var description: String {
        switch self {
        case let .badRepository(repo): return "'\(repo)' is not a repository id like openai/clip-vit-base-patch16"
        case let .unreachable(endpoint, reason):
            return "cannot reach \(endpoint) (\(reason)): offline? Copy a checkpoint by other means and pass --model-dir DIR, "
                + "or set HF_ENDPOINT to a mirror you can reach"
        case let .unauthorized(repo, status, hasToken):
            return "\(repo): the Hub answered \(status); "
                + (hasToken
                    ? "HF_TOKEN is set but not accepted for it" : "it may be gated or private: set HF_TOKEN to a token that can read it")
        case let .notFound(repo, revision, file, code):
            switch code {
            case "RepoNotFound": return "no repository \(repo) on the Hub"
            case "RevisionNotFound": return "\(repo) has no revision '\(revision)'"
            default:
                return
                    "\(repo)@\(revision) has no \(file); text4seg needs a Hugging Face CLIP checkpoint (config.json, model.safetensors, vocab.json, merges.txt)"
            }
        case let .status(url, status): return "\(url): HTTP \(status)"
        case let .malformed(url, reason): return "\(url): \(reason)"
        case let .interrupted(file, received, size, reason):
            return "\(file): interrupted at \(received) of \(size) bytes (\(reason)); run the same command again to resume"
        case let .mismatch(path, what): return "\(path): \(what)"
        case let .unwritable(path): return "\(path): cannot write"
        }
    }
}
