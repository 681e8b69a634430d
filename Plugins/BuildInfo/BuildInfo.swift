import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` with the git commit the executable is built from, before each
/// build, so that `text4seg --version` (and, later, reports) can name it. Outside a git
/// checkout the commit reads `unknown`; uncommitted changes add `+changes`.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let scratch = context.pluginWorkDirectoryURL.appending(path: "scratch")
        let script = """
            mkdir -p "$2" "$3"
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$commit" != unknown ] && ! git -C "$1" diff --quiet HEAD -- 2>/dev/null; then commit="$commit+changes"; fi
            comment='/// The git commit this build comes from (written by the BuildInfo plugin).'
            printf '%s\\nlet buildCommit = "%s"\\n' "$comment" "$commit" > "$3/BuildInfo.swift"
            cmp -s "$3/BuildInfo.swift" "$2/BuildInfo.swift" || cp "$3/BuildInfo.swift" "$2/BuildInfo.swift"
            """
        return [
            .prebuildCommand(
                displayName: "Embed the git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path, scratch.path],
                outputFilesDirectory: output)
        ]
    }
}
