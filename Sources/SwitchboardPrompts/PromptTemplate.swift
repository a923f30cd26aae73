import Foundation
import Mustache

/// A partial named by a template: `{{>slug}}` (its default version) or `{{>slug@3}}` (version 3).
public struct PartialReference: Hashable, Sendable, CustomStringConvertible {
    public var slug: String
    public var version: Int?

    public init(slug: String, version: Int? = nil) {
        self.slug = slug
        self.version = version
    }

    public var description: String { self.version.map { "\(self.slug)@\($0)" } ?? self.slug }

    /// The name the partial is registered under for Mustache, whose partial names cannot hold `@`.
    var libraryName: String { self.version.map { "\(self.slug).v\($0)" } ?? self.slug }
}

/// A Mustache template read once for what rendering needs to know before it starts: the partials it names and
/// the variables it needs. Variables used outside any section are required (a section's own names may come from
/// the section's item); partial tags are rewritten for Mustache (`{{>slug@3}}` → `{{>slug.v3}}`).
public struct PromptTemplate: Sendable {
    /// The template as Mustache reads it, in text mode (nothing is HTML-escaped: prompts are not HTML).
    let text: String
    let template: MustacheTemplate
    /// The partials it names, in order, each once.
    public private(set) var partials: [PartialReference] = []
    /// The partials it names outside any section (their variables are required too).
    private(set) var topLevelPartials: Set<PartialReference> = []
    /// The variables it needs, by their first name (`user.name` needs `user`).
    public private(set) var variables: [String] = []

    /// - Parameter name: what the template is, for the error (`the prompt`, `the partial 'x'`).
    public init(_ source: String, name: String) throws(PromptError) {
        var text = "{{% CONTENT_TYPE: TEXT}}"
        var partials: [PartialReference] = []
        var topLevelPartials: Set<PartialReference> = []
        var variables: [String] = []
        var depth = 0
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            text += rest[..<open.lowerBound]
            let triple = rest[open.upperBound...].hasPrefix("{")
            let closing = triple ? "}}}" : "}}"
            guard let close = rest[open.upperBound...].range(of: closing) else {
                throw .syntax(template: name, reason: "a tag opened with {{ is not closed")
            }
            let inner = rest[open.upperBound..<close.lowerBound]
            let tag = inner.drop { $0 == "{" }.trimmingSpaces
            switch tag.first {
            case "#", "^":
                // A section's name is optional: absent, the section is skipped (or, inverted, shown).
                depth += 1
            case "/":
                depth = max(0, depth - 1)
            case ">":
                let reference = Self.reference(tag.dropFirst().trimmingSpaces)
                if !partials.contains(reference) { partials.append(reference) }
                if depth == 0 { topLevelPartials.insert(reference) }
                text += "{{>\(reference.libraryName)}}"
                rest = rest[close.upperBound...]
                continue
            case "!", "=", "%":
                break
            default:
                let name = tag.first == "&" ? tag.dropFirst().trimmingSpaces : tag
                if depth == 0, let first = Self.firstName(name), !variables.contains(first) { variables.append(first) }
            }
            text += rest[open.lowerBound..<close.upperBound]
            rest = rest[close.upperBound...]
        }
        text += rest
        self.text = text
        self.partials = partials
        self.topLevelPartials = topLevelPartials
        self.variables = variables
        do {
            self.template = try MustacheTemplate(string: text)
        } catch {
            throw .syntax(template: name, reason: "\(error)")
        }
    }

    /// `user.name` → `user`; `.` (the current item) → none.
    private static func firstName(_ tag: Substring) -> String? {
        let name = tag.trimmingSpaces.split(separator: ".", maxSplits: 1).first.map(String.init)
        return name?.isEmpty == false ? name : nil
    }

    private static func reference(_ name: Substring) -> PartialReference {
        guard let at = name.lastIndex(of: "@"), let version = Int(name[name.index(after: at)...]) else {
            return PartialReference(slug: String(name))
        }
        return PartialReference(slug: String(name[..<at]), version: version)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        let start = self.firstIndex { !$0.isWhitespace } ?? self.endIndex
        let end = self.lastIndex { !$0.isWhitespace }.map { self.index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
