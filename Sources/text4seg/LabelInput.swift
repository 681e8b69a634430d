import ArgumentParser
import Foundation
import Text4SegCore

/// One image `label` labels and the name its outputs take under `--out`: the file's stem for
/// an image given by path, its path relative to the folder for an image found in a folder
/// argument (`photos/2024/a.jpg` given as `photos` → `2024/a`), so that same-named images in
/// different folders keep apart.
struct LabelInput: Sendable, Equatable {
    var path: String
    /// Output name without extension, `/`-separated.
    var name: String

    /// The engine's item id (the oracle looks up `<id>.png`): the file's stem.
    var itemID: String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }

    /// The images the arguments name: files as given, folders' images sorted (their
    /// subfolders too with `recursive`), each file once however many paths name it, and no
    /// image inside the folders the run writes to (`outputFolders`). Throws when two inputs
    /// would write the same outputs.
    static func expand(_ arguments: [String], recursive: Bool, out: String, outputFolders: [String] = []) throws -> [LabelInput] {
        var inputs: [LabelInput] = []
        var walk = ImageFolderWalk(recursive: recursive, excluding: [out] + outputFolders)
        for argument in arguments {
            guard PathKind.of(argument) == .folder else {
                if walk.claim(file: argument) {
                    inputs.append(
                        LabelInput(path: argument, name: URL(fileURLWithPath: argument).deletingPathExtension().lastPathComponent))
                }
                continue
            }
            let found = try walk.images(in: URL(fileURLWithPath: argument).standardizedFileURL.path)
            if found.isEmpty {
                warn("warning: \(argument): no images (JPEG, PNG, WebP or TIFF)\(recursive ? "" : " (subfolders need --recursive)")")
            }
            inputs += found.map { LabelInput(path: $0.path, name: $0.name) }
        }
        if let skipped = walk.skippedSummary { warn("note: " + skipped) }
        if walk.duplicates > 0 {
            warn("note: \(walk.duplicates) paths named files or folders already found by another path (links); each is labeled once")
        }
        var byName: [String: [String]] = [:]
        for input in inputs { byName[input.name, default: []].append(input.path) }
        let clashes = byName.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }
        if let (name, paths) = clashes.first {
            throw ValidationError(
                "\(paths.prefix(3).map { "'\($0)'" }.joined(separator: " and ")) would all be written as \(out)/\(name).png"
                    + (clashes.count > 1 ? " (and \(clashes.count - 1) more such names)" : "")
                    + "; give their folder instead (outputs keep paths relative to it) or label them into different --out folders")
        }
        return inputs
    }

    /// The output path `<out>/<name><suffix>`, its folders made; each part of the name is a plain file name.
    func output(in out: String, suffix: String) throws -> String {
        let path = try path(in: out, suffix: suffix)
        if name.contains("/") {
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        }
        return path
    }

    /// The output path `<out>/<name><suffix>`, nothing made; each part of the name is a plain file name.
    func path(in out: String, suffix: String) throws -> String {
        let parts = name.split(separator: "/").map(String.init)
        for part in parts { try ConfinedPath.check(part) }
        return ([out] + parts.dropLast()).joined(separator: "/") + "/" + (parts.last ?? name) + suffix
    }
}
