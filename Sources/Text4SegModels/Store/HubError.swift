/// Why a checkpoint could not be pulled. Every failure leaves the installed checkpoint as it
/// was; what was received stays in the staging folder for the same command to resume.
public enum HubError: Error, CustomStringConvertible, Sendable {
    case badRepository(String)
    case badRevision(String)
    case unreachable(endpoint: String, reason: String)
    case unauthorized(repo: String, status: Int, hasToken: Bool)
    case notFound(repo: String, revision: String, file: String, code: String)
    case status(url: String, status: Int)
    case malformed(url: String, reason: String)
    /// A redirect to anything but an `http` or `https` URL (`http+unix://` reaches local sockets).
    case badRedirect(from: String, to: String)
    case interrupted(file: String, received: Int, size: Int, reason: String)
    /// The server broke its own declaration: more bytes than declared, or another range.
    case protocolViolation(file: String, reason: String)
    case tooSlow(file: String, rate: Int, window: Double, minimum: Int, received: Int, size: Int)
    case deadlineExceeded(seconds: Double, file: String?, received: Int, size: Int)
    case mismatch(path: String, what: String)
    case unwritable(String)
    /// Another `models pull` of the same repository holds its staging folder.
    case busy(repo: String, lock: String)

    public var description: String {
        switch self {
        case let .badRepository(repo):
            return "'\(repo)' is not a repository id like openai/clip-vit-base-patch16 (owner/name: letters, digits, '-', '_', '.', "
                + "at most \(HubRepository.maximumLength) each, not starting or ending with '-' or '.', no '--' or '..')"
        case let .badRevision(revision): return "'\(revision)' is not a branch, tag or commit name"
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
        case let .badRedirect(from, to): return "\(from): refused a redirect to \(to.debugDescription); only http and https are followed"
        case let .interrupted(file, received, size, reason):
            return "\(file): interrupted at \(received) of \(size) bytes (\(reason)); run the same command again to resume"
        case let .protocolViolation(file, reason): return "\(file): the server broke the protocol: \(reason); the partial file was removed"
        case let .tooSlow(file, rate, window, minimum, received, size):
            return "\(file): \(rate) bytes/s over the last \(Self.seconds(window)), below --min-rate \(minimum), at \(received) of \(size) "
                + "bytes; run the same command again to resume (or lower --min-rate)"
        case let .deadlineExceeded(seconds, file, received, size):
            return "the pull passed its --deadline of \(Self.seconds(seconds))"
                + (file.map { " during \($0), at \(received) of \(size) bytes" } ?? "")
                + "; run the same command again to resume (or raise --deadline)"
        case let .mismatch(path, what): return "\(path): \(what)"
        case let .unwritable(path): return "\(path): cannot write"
        case let .busy(repo, lock): return "another models pull of \(repo) is running (it holds \(lock)); wait for it to finish"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
