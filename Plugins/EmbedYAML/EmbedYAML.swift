import Foundation
import PackagePlugin

/// Compiles a folder of YAML files into a target at build time, as raw string literals in one
/// generated enum, so that the binary needs no files beside it and the YAML files are the only
/// copy in the repository. Editing a file rebuilds it. Which folder goes where:
/// `Vocabularies/*.yaml` into Text4SegCore (`EmbeddedVocabularies`), `Configs/clip/*.yaml`
/// into Text4SegModels (`EmbeddedCLIPConfigs`).
@main
struct EmbedYAML: BuildToolPlugin {
    static let sources = [
        "Text4SegCore": ("Vocabularies", "EmbeddedVocabularies"), "Text4SegModels": ("Configs/clip", "EmbeddedCLIPConfigs"),
    ]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let (path, name) = Self.sources[target.name] else { return [] }
        let folder = context.package.directoryURL.appending(path: path)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") }
            .sorted()
            .map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: name + ".swift")
        // Each file becomes `"name": ####"""…"""####`, its lines indented under the literal.
        let script = #####"""
            out="$1"; name="$2"; folder="$3"; shift 3
            {
              echo "// Generated at build time by the EmbedYAML plugin from $folder/*.yaml."
              echo ''
              echo "enum $name {"
              echo '    static let files: [String: String] = ['
              for file in "$@"; do
                printf '        "%s": ####"""\n' "$(basename "$file" .yaml)"
                sed 's/^/        /' "$file"
                printf '        """####,\n'
              done
              echo '    ]'
              echo '}'
            } > "$out.partial" && mv "$out.partial" "$out"
            """#####
        return [
            .buildCommand(
                displayName: "Embed \(files.count) YAML files of \(path)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", output.path, name, path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
