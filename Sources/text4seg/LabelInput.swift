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
    /// subfolders too with `recursive`). Throws when two inputs would write the same outputs.
    static func expand(_ arguments: [String], recursive: Bool, out: String) throws -> [LabelInput] {
        var inputs: [LabelInput] = []
        let fm = FileManager.default
        for argument in arguments {
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue else {
                inputs.append(LabelInput(path: argument, name: URL(fileURLWithPath: argument).deletingPathExtension().lastPathComponent))
                continue
            }
            let root = URL(fileURLWithPath: argument).standardizedFileURL
            let found = try images(in: root, recursive: recursive)
            if found.isEmpty { warn("warning: \(argument): no JPEG or PNG images\(recursive ? "" : " (subfolders need --recursive)")") }
            inputs += found
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

    static func images(in root: URL, recursive: Bool) throws -> [LabelInput] {
        let fm = FileManager.default
        var found: [LabelInput] = []
        func walk(_ folder: URL, prefix: String) throws {
            for name in try fm.contentsOfDirectory(atPath: folder.path).sorted() where !name.hasPrefix(".") {
                let url = folder.appendingPathComponent(name)
                var isFolder: ObjCBool = false
                _ = fm.fileExists(atPath: url.path, isDirectory: &isFolder)
                if isFolder.boolValue {
                    if recursive { try walk(url, prefix: prefix + name + "/") }
                } else if ImageIO.imageExtensions.contains(url.pathExtension.lowercased()) {
                    found.append(LabelInput(path: url.path, name: prefix + url.deletingPathExtension().lastPathComponent))
                }
            }
        }
        try walk(root, prefix: "")
        return found
    }

    /// The output path `<out>/<name><suffix>`, its folders made; each part of the name is a plain file name.
    func output(in out: String, suffix: String) throws -> String {
        let parts = name.split(separator: "/").map(String.init)
        for part in parts { try ConfinedPath.check(part) }
        let folder = ([out] + parts.dropLast()).joined(separator: "/")
        if parts.count > 1 { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        return folder + "/" + (parts.last ?? name) + suffix
    }
}
