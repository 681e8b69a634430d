import Foundation
import PackagePlugin

/// Compiles `Vocabularies/*.yaml` into the library at build time, as raw string literals in
/// `EmbeddedVocabularies.swift`, so that the binary needs no files beside it and the YAML
/// files are the only copy in the repository. Editing a file rebuilds it.
@main
struct EmbedVocabularies: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "Vocabularies")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") }
            .sorted()
            .map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedVocabularies.swift")
        // Each file becomes `"name": ####"""…"""####`, its lines indented under the literal.
        let script = #####"""
            out="$1"; shift
            {
              echo '// Generated at build time by the EmbedVocabularies plugin from Vocabularies/*.yaml.'
              echo ''
              echo 'enum EmbeddedVocabularies {'
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
                displayName: "Embed \(files.count) vocabularies",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
