import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Text4SegCore

/// Downloads a Hugging Face-format CLIP checkpoint from the Hub (or a mirror at `HF_ENDPOINT`)
/// and installs it in one step: `config.json`, `vocab.json`, `merges.txt`, `model.safetensors`.
///
/// Each file is asked for with `HEAD /{repo}/resolve/{revision}/{file}`, redirects not followed,
/// for its size and hash: `X-Linked-Size` and `X-Linked-Etag` (the sha256) for LFS files, else
/// `Content-Length` and `ETag` (the git blob SHA-1). Everything goes to a staging folder beside
/// the checkpoint (`.<name>.staging`, on the same file system): the bytes to `<file>.<hash>.part`,
/// resumed with `Range` when a part is already there, never past the declared size, and become
/// the file only when size and hash check. A file the installed checkpoint already has with the
/// right hash is linked, not fetched. When every file checks (and `verify` accepts the folder),
/// the staging folder and the checkpoint are exchanged atomically; until then the installed
/// checkpoint is untouched, whatever fails. Redirects are followed only to `http` and `https`;
/// credentials in the endpoint are sent as basic auth and never printed or stored.
///
///     let hub = HubDownload(endpoint: "https://huggingface.co", token: nil)
///     try await hub.pull(repo: "openai/clip-vit-base-patch16", revision: "main", into: folder) { print($0) }
public struct HubDownload: Sendable {
    public static let files = ["config.json", "vocab.json", "merges.txt", "model.safetensors"]
    public static let defaultEndpoint = "https://huggingface.co"

    /// Where requests go: the endpoint without credentials, which is also how it is printed and stored.
    public var endpoint: String
    public var token: String?
    /// `user:password` from the endpoint's URL, sent as basic auth to the endpoint alone.
    var credentials: String?
    /// Seconds without a byte before a request is given up.
    public var timeout: Double = 60
    public var limits = DownloadLimits.defaults
    /// Called about four times a second while a body streams, and once when it is complete.
    public var progress: (@Sendable (DownloadProgress) -> Void)?

    /// What a pull installed.
    public struct Installed: Sendable {
        /// The commit the revision pointed to.
        public var commit: String
        /// The SHA-256 of `model.safetensors`, when the Hub gave it (LFS files).
        public var weightsSHA256: String?
    }

    public init(endpoint: String, token: String?) {
        var endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        if var components = URLComponents(string: endpoint), components.user != nil || components.password != nil {
            credentials = (components.percentEncodedUser ?? "").removingPercentEncoding.map { user in
                user + ":" + ((components.percentEncodedPassword ?? "").removingPercentEncoding ?? "")
            }
            components.user = nil
            components.password = nil
            endpoint = components.string ?? Redaction.redactURLCredentials(endpoint)
        }
        self.endpoint = endpoint
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

    /// The staging folder of a checkpoint folder: a hidden sibling, so that the switch is a rename in one file system.
    public static func stagingFolder(of folder: String) -> String {
        let url = URL(fileURLWithPath: folder)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".staging"
    }

    /// Fetches and checks every file of the checkpoint in the staging folder, lets `verify` check
    /// the staged folder (loading it), then installs it at `folder` in one step.
    @discardableResult
    public func pull(
        repo: String, revision: String, into folder: String, verify: (@Sendable (String) throws -> Void)? = nil,
        log: @escaping @Sendable (String) -> Void
    ) async throws -> Installed {
        _ = try HubRepository(repo)
        guard !revision.isEmpty, revision.count <= 256, revision != ".", revision != "..",
            !revision.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw HubError.badRevision(revision) }
        let staging = Self.stagingFolder(of: folder)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        // One pull of a repository at a time: two would write the same parts and swap the same folders.
        let lock = open(staging + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw HubError.unwritable(staging + ".lock") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else { throw HubError.busy(repo: repo, lock: staging + ".lock") }
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(15), read: .seconds(Int64(timeout))))
        // Offline is said at once, instead of the pool retrying a refused connection until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let watchdog = DownloadWatchdog(limits: limits, progress: progress)
        let installed: Installed
        do {
            installed = try await withThrowingTaskGroup(of: Installed?.self) { group in
                group.addTask {
                    try await self.stage(
                        repo: repo, revision: revision, staging: staging, installed: folder, client: client, watchdog: watchdog, log: log)
                }
                group.addTask {
                    try await watchdog.watch()
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let installed = first else { throw CancellationError() }
                return installed
            }
            try? await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try verify?(staging)
        if let old = try FolderSwap.install(staging, at: folder) { try? FileManager.default.removeItem(atPath: old) }
        return installed
    }

    /// Every file into `staging`, checked, and `revision.json` beside them.
    func stage(
        repo: String, revision: String, staging: String, installed: String, client: HTTPClient, watchdog: DownloadWatchdog,
        log: @escaping @Sendable (String) -> Void
    ) async throws -> Installed {
        var commit: String?
        var weightsSHA256: String?
        let fm = FileManager.default
        for file in Self.files {
            // A revision like refs/pr/1 is one path segment, as the Hub expects it.
            let encoded = revision.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? revision
            let url = "\(endpoint)/\(repo)/resolve/\(encoded)/\(file)"
            let metadata = try await head(url, client: client, repo: repo, revision: revision, file: file)
            commit = commit ?? metadata.commit
            if file == "model.safetensors", metadata.hash.hasPrefix("sha256:") { weightsSHA256 = String(metadata.hash.dropFirst(7)) }
            let target = staging + "/" + file
            if fm.fileExists(atPath: target), (try? Self.check(path: target, metadata, removeOnMismatch: false)) != nil {
                log("\(file): already here, \(metadata.size) bytes, \(metadata.hash.prefix(20))… ok")
                continue
            }
            try? fm.removeItem(atPath: target)
            let current = installed + "/" + file
            if fm.fileExists(atPath: current), (try? Self.check(path: current, metadata, removeOnMismatch: false)) != nil,
                link(current, target) == 0 || (try? fm.copyItem(atPath: current, toPath: target)) != nil
            {
                log("\(file): already here, \(metadata.size) bytes, \(metadata.hash.prefix(20))… ok")
                continue
            }
            let part = target + "." + metadata.hash.split(separator: ":").last!.prefix(16) + ".part"
            try await download(metadata, to: part, client: client, file: file, watchdog: watchdog, log: log)
            try Self.check(path: part, metadata, removeOnMismatch: true)
            try FileManager.default.moveItemReplacing(at: part, to: target)
            log("\(file): \(metadata.size) bytes, \(metadata.hash.prefix(20))… ok")
        }
        var record: [String: String] = ["repo": repo, "revision": revision, "commit": commit ?? "unknown", "endpoint": endpoint]
        record["model.safetensors.sha256"] = weightsSHA256
        try AtomicFile.write(
            try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .prettyPrinted]), to: staging + "/revision.json")
        return Installed(commit: commit ?? "unknown", weightsSHA256: weightsSHA256)
    }

    /// RFC 3986's unreserved characters: everything else in a revision is percent-encoded.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    func request(_ url: String, method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "text4seg")
        // Credentials are for the Hub alone: LFS bytes come from a CDN on another host, which must not see them.
        if Self.origin(of: url) == Self.origin(of: endpoint) {
            if let token {
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
            } else if let credentials {
                request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
            }
        }
        return request
    }

    func send(_ request: HTTPClientRequest, client: HTTPClient) async throws -> HTTPClientResponse {
        do {
            return try await client.execute(request, timeout: .seconds(Int64(timeout)))
        } catch {
            try Task.checkCancellation()
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
            location = try Self.redirect(from: url, to: target)
        }
        if let linked = unquoted(headers.first(name: "X-Linked-Etag")), let size = headers.first(name: "X-Linked-Size").flatMap(Int.init) {
            guard size >= 0, Self.isHex(linked, count: 64) else {
                throw HubError.malformed(url: url, reason: "X-Linked-Size or X-Linked-Etag")
            }
            return Metadata(size: size, hash: "sha256:" + linked, commit: headers.first(name: "X-Repo-Commit"), location: location)
        }
        guard let etag = unquoted(headers.first(name: "ETag")), let size = headers.first(name: "Content-Length").flatMap(Int.init),
            size >= 0,
            Self.isHex(etag, count: 40) || Self.isHex(etag, count: 64)
        else {
            throw HubError.malformed(url: url, reason: "no ETag and size to check the download against")
        }
        let hash = etag.count == 64 ? "sha256:" + etag : "sha1-blob:" + etag
        return Metadata(size: size, hash: hash, commit: headers.first(name: "X-Repo-Commit"), location: location)
    }

    static func isHex(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }

    /// A redirect's target, resolved against the URL that answered it: only `http` and `https`
    /// with a host (`http+unix://` would make the client read a local socket).
    static func redirect(from url: String, to location: String) throws -> String {
        guard let base = URL(string: url), let target = URL(string: location, relativeTo: base)?.absoluteURL,
            let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = target.host, !host.isEmpty
        else { throw HubError.badRedirect(from: url, to: location) }
        return target.absoluteString
    }

    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// Streams the bytes into `part`, from where a previous attempt stopped when the server honors
    /// `Range`, never past the declared size: a longer body is a protocol error and the part is removed.
    func download(
        _ metadata: Metadata, to part: String, client: HTTPClient, file: String, watchdog: DownloadWatchdog,
        log: @escaping @Sendable (String) -> Void
    ) async throws {
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
            location = try Self.redirect(from: location, to: next)
            redirects += 1
        }
        func violation(_ reason: String) -> HubError {
            try? fm.removeItem(atPath: part)
            return .protocolViolation(file: file, reason: reason)
        }
        switch response.status.code {
        case 206:
            let range = response.headers.first(name: "Content-Range") ?? ""
            guard range.hasPrefix("bytes \(have)-"), range.hasSuffix("/\(metadata.size)") || range.hasSuffix("/*") else {
                throw violation("asked for bytes \(have)- of \(metadata.size), got Content-Range \(range.debugDescription)")
            }
            log("\(file): resuming at byte \(have) of \(metadata.size)")
        case 200:
            if have > 0 { log("\(file): the server ignored the range; starting again") }
            have = 0
        default:
            throw HubError.status(url: location + " (\(file))", status: Int(response.status.code))
        }
        if let length = response.headers.first(name: "Content-Length"), Int(length) != metadata.size - have {
            throw violation(
                "Content-Length \(length.debugDescription) for the \(metadata.size - have) bytes left of the declared \(metadata.size)")
        }
        guard have > 0 || fm.createFile(atPath: part, contents: nil), let handle = FileHandle(forWritingAtPath: part) else {
            throw HubError.unwritable(part)
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        var received = have
        watchdog.begin(file: file, size: metadata.size, received: have)
        do {
            for try await chunk in response.body {
                guard chunk.readableBytes <= metadata.size - received else {
                    try? handle.close()
                    throw violation("the body goes past the declared \(metadata.size) bytes")
                }
                try handle.write(contentsOf: chunk.getBytes(at: chunk.readerIndex, length: chunk.readableBytes) ?? [])
                received += chunk.readableBytes
                watchdog.add(chunk.readableBytes)
            }
        } catch let error as HubError {
            watchdog.end(complete: false)
            throw error
        } catch {
            watchdog.end(complete: false)
            try Task.checkCancellation()
            throw HubError.interrupted(file: file, received: received, size: metadata.size, reason: "\(error)")
        }
        watchdog.end(complete: received == metadata.size)
        guard received == metadata.size else {
            throw HubError.interrupted(file: file, received: received, size: metadata.size, reason: "the connection closed early")
        }
    }

    /// Size and hash of a downloaded file against the Hub's metadata, read a few MiB at a time
    /// (a ViT-L/14 checkpoint is 1.7 GB); a part that fails is removed when `removeOnMismatch`.
    static func check(path: String, _ metadata: Metadata, removeOnMismatch: Bool) throws {
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
        guard found.lowercased() == metadata.hash.lowercased() else {
            if removeOnMismatch { try? FileManager.default.removeItem(atPath: path) }
            throw HubError.mismatch(
                path: path, what: "\(found), the Hub says \(metadata.hash)" + (removeOnMismatch ? "; the partial file was removed" : ""))
        }
    }
}

extension FileManager {
    /// `rename(2)`: atomic within one file system, replacing what is there.
    func moveItemReplacing(at source: String, to target: String) throws {
        guard rename(source, target) == 0 else { throw HubError.unwritable(target) }
    }
}
