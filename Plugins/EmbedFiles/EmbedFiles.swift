import Foundation
import PackagePlugin

/// Compiles a folder of text files into a target at build time, as raw string literals in one
/// generated enum, so that the binary needs no files beside it and the files are the only
/// copy in the repository. Editing a file rebuilds it. Which folder goes where:
/// `Vocabularies/*.yaml` into Text4SegCore (`EmbeddedVocabularies`, keyed without `.yaml`),
/// `Configs/clip/*.yaml` into Text4SegModels (`EmbeddedCLIPConfigs`), and the server's page and
/// OpenAPI document, `Sources/Text4SegServer/Assets/*`, into Text4SegServer (`EmbeddedAssets`,
/// keyed by file name).
@main
struct EmbedFiles: BuildToolPlugin {
    static let sources = [
        "Text4SegCore": ("Vocabularies", "EmbeddedVocabularies", ".yaml"),
        "Text4SegModels": ("Configs/clip", "EmbeddedCLIPConfigs", ".yaml"),
        "Text4SegServer": ("Sources/Text4SegServer/Assets", "EmbeddedAssets", ""),
    ]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let (path, name, suffix) = Self.sources[target.name] else { return [] }
        let folder = context.package.directoryURL.appending(path: path)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") }
            .sorted()
            .map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: name + ".swift")
        // Each file becomes `"name": ####"""…"""####`, its lines indented under the literal.
        let script = #####"""
            out="$1"; name="$2"; folder="$3"; suffix="$4"; shift 4
            {
              echo "// Generated at build time by the EmbedFiles plugin from $folder/*$suffix."
              echo ''
              echo "enum $name {"
              echo '    static let files: [String: String] = ['
              for file in "$@"; do
                printf '        "%s": ####"""\n' "$(basename "$file" "$suffix")"
                sed 's/^/        /' "$file"
                printf '        """####,\n'
              done
              echo '    ]'
              echo '}'
            } > "$out.partial" && mv "$out.partial" "$out"
            """#####
        return [
            .buildCommand(
                displayName: "Embed \(files.count) files of \(path)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", output.path, name, path, suffix] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
