import Foundation
import Yams

/// Reads vocabulary YAML, keeping every node's line and column so that each
/// problem can be reported where it is.
///
/// The schema:
///
///     name: pascal-voc
///     description: PASCAL VOC 2012, background + 20 classes
///     ignore: 255            # label value meaning "not labeled"
///     others: 0              # id that `others` decodes to; `ignore` maps it to the ignore value
///     classes:
///       - id: 0
///         name: background
///         prompt: others
///       - id: 20
///         name: tvmonitor
///         prompt: TV
///         synonyms: [tv monitor, television]
///         queries: [tvmonitor, monitor, television]   # what `clip` looks for; default: name and synonyms
///         color: [0, 64, 128]    # or "#004080"; default: PASCAL color map
///
/// or, in short, a plain list of names: ids 1…N in order, and id 0 the `others` class
/// (`background`, asked as `others`), or no such class with `others: ignore`:
///
///     classes: [person, dog, sky]
public enum VocabularyLoader {
    static let topKeys: Set<String> = ["name", "description", "ignore", "others", "classes"]
    static let classKeys: Set<String> = ["id", "name", "prompt", "synonyms", "color", "queries"]

    /// Parses YAML text; returns the vocabulary (if it could be built) and every issue found.
    public static func parse(_ text: String, file: String) -> (Vocabulary?, [VocabularyIssue]) {
        var issues: [VocabularyIssue] = []
        func issue(_ severity: VocabularyIssue.Severity, _ mark: Mark?, _ message: String) {
            issues.append(VocabularyIssue(severity, file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message))
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                issue(.error, nil, "empty document")
                return (nil, issues)
            }
            root = node
        } catch let error as YamlError {
            let (mark, problem) = describe(error)
            issue(.error, mark, "malformed YAML: \(problem)")
            return (nil, issues)
        } catch {
            issue(.error, nil, "malformed YAML: \(error)")
            return (nil, issues)
        }
        guard let top = root.mapping else {
            issue(.error, root.mark, "expected a mapping with `name` and `classes`")
            return (nil, issues)
        }
        for key in top.keys where !topKeys.contains(key.string ?? "") {
            issue(.error, key.mark, "unknown key '\(key.string ?? "?")' (expected one of: \(topKeys.sorted().joined(separator: ", ")))")
        }
        let name = top["name"]?.string ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let description = top["description"]?.string ?? ""
        var ignoreValue = 255
        if let node = top["ignore"] {
            if let value = node.int, value >= 0, value <= 65535 {
                ignoreValue = value
            } else {
                issue(.error, node.mark, "`ignore` must be an integer from 0 to 65535")
            }
        }
        guard let classNodes = top["classes"] else {
            issue(.error, root.mark, "missing `classes`")
            return (nil, issues)
        }
        guard let sequence = classNodes.sequence, !sequence.isEmpty else {
            issue(.error, classNodes.mark, "`classes` must be a non-empty list: " + shapes)
            return (nil, issues)
        }
        let scalars = sequence.filter { $0.scalar != nil }.count
        if scalars == sequence.count {
            let (vocabulary, listIssues) = plainList(
                Array(sequence), others: top["others"], name: name, description: description, ignoreValue: ignoreValue, file: file)
            return (issues.contains(where: { $0.severity == .error }) ? nil : vocabulary, issues + listIssues)
        }
        if scalars > 0, let first = sequence.first(where: { $0.scalar != nil }) {
            issue(.error, first.mark, "`classes` mixes names and mappings: use one form, " + shapes)
            return (nil, issues)
        }
        var classes: [VocabularyClass] = []
        var seenIDs: [Int: Mark?] = [:]
        var seenNames: [String: Int] = [:]
        var seenPrompts: [String: Int] = [:]
        var synonymOwners: [String: Int] = [:]
        for node in sequence {
            guard let map = node.mapping else {
                issue(.error, node.mark, "each class must be a name or a mapping with at least `id` and `name`: " + shapes)
                continue
            }
            for key in map.keys where !classKeys.contains(key.string ?? "") {
                issue(
                    .error, key.mark,
                    "unknown key '\(key.string ?? "?")' in class (expected one of: \(classKeys.sorted().joined(separator: ", ")))")
            }
            guard let idNode = map["id"] else {
                issue(.error, node.mark, "class without `id` (or list names only, `classes: [person, dog]`, for ids 1…N)")
                continue
            }
            guard let id = idNode.int else {
                issue(.error, idNode.mark, "`id` must be an integer, not '\(idNode.string ?? "?")'")
                continue
            }
            let limit = ignoreValue > 255 ? 65535 : 255
            if id < 0 || id >= limit || id == ignoreValue {
                issue(.error, idNode.mark, "id \(id) out of range (0–\(limit - 1), and not the ignore value \(ignoreValue))")
                continue
            }
            if let first = seenIDs[id] {
                issue(.error, idNode.mark, "duplicate id \(id) (first at line \(first?.line ?? 0))")
                continue
            }
            seenIDs[id] = idNode.mark
            guard let nameNode = map["name"], let className = nameNode.string?.trimmingCharacters(in: .whitespaces), !className.isEmpty
            else {
                issue(.error, map["name"]?.mark ?? node.mark, "class \(id) has an empty or missing `name`")
                continue
            }
            if let other = seenNames[className] {
                issue(.error, nameNode.mark, "duplicate name '\(className)' (also class \(other))")
            }
            seenNames[className] = id
            var prompt = className
            if let promptNode = map["prompt"] {
                if let value = promptNode.string?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                    prompt = value
                } else {
                    issue(.error, promptNode.mark, "class \(id) has an empty `prompt`")
                }
            }
            if prompt.contains("|") || prompt.contains("*") || prompt.contains("\n") {
                issue(
                    .error, map["prompt"]?.mark ?? nameNode.mark,
                    "prompt name '\(prompt)' contains '|', '*' or a newline, which the descriptor format reserves")
            }
            if let other = seenPrompts[prompt] {
                issue(.error, map["prompt"]?.mark ?? nameNode.mark, "duplicate prompt name '\(prompt)' (also class \(other))")
            }
            seenPrompts[prompt] = id
            var synonyms: [String] = []
            if let synonymNode = map["synonyms"] {
                if let list = synonymNode.sequence {
                    for item in list {
                        guard let text = item.string?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                            issue(.error, item.mark, "empty synonym in class \(id)")
                            continue
                        }
                        let key = Vocabulary.fold(text)
                        if let owner = synonymOwners[key], owner != id {
                            issue(
                                .warning, item.mark,
                                "synonym '\(text)' of class \(id) is also a name of class \(owner); it resolves to class \(owner)")
                        } else {
                            synonymOwners[key] = id
                        }
                        synonyms.append(text)
                    }
                } else {
                    issue(.error, synonymNode.mark, "`synonyms` must be a list of names")
                }
            }
            var queries: [String]?
            if let queryNode = map["queries"] {
                let texts = queryNode.sequence?.map { $0.string?.trimmingCharacters(in: .whitespaces) ?? "" }
                if let texts, !texts.isEmpty, !texts.contains(where: \.isEmpty) {
                    queries = texts
                } else {
                    issue(.error, queryNode.mark, "`queries` of class \(id) must be a list of names, none empty")
                }
            }
            var color: RGBColor?
            if let colorNode = map["color"] {
                color = parseColor(colorNode)
                if color == nil {
                    issue(.error, colorNode.mark, "bad color: use [r, g, b] with values 0–255 or \"#rrggbb\"")
                }
            }
            for text in [className, prompt] where synonymOwners[Vocabulary.fold(text)] == nil {
                synonymOwners[Vocabulary.fold(text)] = id
            }
            classes.append(VocabularyClass(id: id, name: className, prompt: prompt, synonyms: synonyms, color: color, queries: queries))
        }
        var othersID: Int? = classes.first(where: { $0.prompt == "others" })?.id
        if let node = top["others"] {
            if node.string == "ignore" {
                othersID = nil
            } else if let value = node.int {
                if seenIDs[value] == nil {
                    issue(.error, node.mark, "`others` names id \(value), which is not a class")
                }
                othersID = value
            } else {
                issue(.error, node.mark, "`others` must be a class id or `ignore`")
            }
        }
        if issues.contains(where: { $0.severity == .error }) { return (nil, issues) }
        return (Vocabulary(name: name, description: description, classes: classes, ignoreValue: ignoreValue, othersID: othersID), issues)
    }

    /// What a correct `classes` looks like, for messages.
    static let shapes =
        "either a list of names (`classes: [person, dog, sky]`: ids 1…N, 0 is others) or a list of mappings "
        + "(`- {id: 1, name: person}`)"

    /// The vocabulary a plain list of names makes: ids 1…N in order, id 0 `background` (asked as
    /// `others`) unless `others: ignore`.
    static func plainList(
        _ nodes: [Node], others: Node?, name: String, description: String, ignoreValue: Int, file: String
    ) -> (Vocabulary?, [VocabularyIssue]) {
        var issues: [VocabularyIssue] = []
        func issue(_ mark: Mark?, _ message: String) {
            issues.append(VocabularyIssue(.error, file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message))
        }
        var othersIgnored = false
        if let others {
            if others.string == "ignore" {
                othersIgnored = true
            } else if others.int != 0 {
                issue(others.mark, "with a list of names `others` is 0 (the default) or `ignore`")
            }
        }
        let limit = ignoreValue > 255 ? 65535 : 255
        var classes: [VocabularyClass] = othersIgnored ? [] : [VocabularyClass(id: 0, name: "background", prompt: "others")]
        var seen: [String: Int] = othersIgnored ? [:] : [Vocabulary.fold("background"): 0, Vocabulary.fold("others"): 0]
        var id = 1
        for node in nodes {
            if id == ignoreValue { id += 1 }
            guard id < limit else {
                issue(
                    node.mark,
                    "\(nodes.count) names do not fit in label values below \(limit) (ignore \(ignoreValue)); set a larger `ignore`")
                break
            }
            let text = (node.string ?? "").trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                issue(node.mark, "empty class name")
            } else if text.contains("|") || text.contains("*") || text.contains("\n") {
                issue(node.mark, "class name '\(text)' contains '|', '*' or a newline, which the descriptor format reserves")
            } else if let other = seen[Vocabulary.fold(text)] {
                let hint = other == 0 ? " (id 0 is the others class; write `others: ignore` to name every class yourself)" : ""
                issue(node.mark, "duplicate name '\(text)' (also class \(other))\(hint)")
            } else {
                seen[Vocabulary.fold(text)] = id
                classes.append(VocabularyClass(id: id, name: text))
            }
            id += 1
        }
        guard issues.isEmpty else { return (nil, issues) }
        return (
            Vocabulary(name: name, description: description, classes: classes, ignoreValue: ignoreValue, othersID: othersIgnored ? nil : 0),
            []
        )
    }

    /// Loads a vocabulary file, throwing ``VocabularyError/invalid(_:)`` on any error.
    public static func load(path: String) throws -> Vocabulary {
        let text: String
        do {
            text = try TextFile.read(path, limit: 256 << 20)
        } catch {
            throw VocabularyError.unreadable(path: path, reason: "\(error)")
        }
        let (vocabulary, issues) = parse(text, file: path)
        guard let vocabulary else { throw VocabularyError.invalid(issues) }
        return vocabulary
    }

    static func parseColor(_ node: Node) -> RGBColor? {
        if let list = node.sequence {
            let values = list.compactMap(\.int)
            guard values.count == 3, list.count == 3, values.allSatisfy({ (0...255).contains($0) }) else { return nil }
            return RGBColor(UInt8(values[0]), UInt8(values[1]), UInt8(values[2]))
        }
        if let text = node.string { return RGBColor(hex: text) }
        return nil
    }

    /// Where a YAML syntax error is and what it says.
    public static func describe(_ error: YamlError) -> (Mark?, String) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let prefix = context.map { "\($0.text) (line \($0.mark.line), column \($0.mark.column)): " } ?? ""
            return (mark, prefix + problem)
        case let .reader(problem, _, _, _):
            return (nil, problem)
        default:
            return (nil, "\(error)")
        }
    }
}
