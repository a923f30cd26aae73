import Foundation
import Mustache
import SwitchboardCore

/// Renders a template with the caller's variables and the partials it names (docs/prompts.md): every partial
/// must exist and every variable used outside a section must be sent, else nothing is rendered and the error
/// names them all. Pure: partials are looked up through the closure the caller gives.
public enum PromptRenderer {
    /// How deep partials may include partials.
    public static let maxDepth = 8

    /// - Parameters:
    ///   - variables: the caller's `variables` object.
    ///   - partial: a partial's template text, `nil` when it does not exist.
    public static func render(
        _ template: PromptTemplate,
        variables: [(key: String, value: JSONValue)],
        partial: (PartialReference) -> String?
    ) throws(PromptError) -> String {
        var library = MustacheLibrary()
        var required = template.variables
        var unknown: [String] = []
        var registered: Set<PartialReference> = []
        /// Registers `reference` and what it includes, depth first; `path` is the chain of partials above it.
        func include(_ reference: PartialReference, path: [PartialReference], topLevel: Bool) throws(PromptError) {
            guard !path.contains(reference), path.count < Self.maxDepth else {
                throw .partialsTooDeep(reference.description)
            }
            guard registered.insert(reference).inserted else { return }
            guard let text = partial(reference) else {
                unknown.append(reference.description)
                return
            }
            let parsed = try PromptTemplate(text, name: "the partial '\(reference)'")
            library.register(parsed.template, named: reference.libraryName)
            if topLevel { required += parsed.variables.filter { !required.contains($0) } }
            for next in parsed.partials {
                try include(
                    next,
                    path: path + [reference],
                    topLevel: topLevel && parsed.topLevelPartials.contains(next)
                )
            }
        }
        for reference in template.partials {
            try include(reference, path: [], topLevel: template.topLevelPartials.contains(reference))
        }
        if !unknown.isEmpty { throw .unknownPartials(unknown) }
        let given = Set(variables.map(\.key))
        let missing = required.filter { !given.contains($0) }
        if !missing.isEmpty { throw .missingVariables(missing) }
        let context = Dictionary(variables.map { ($0.key, Self.mustacheValue($0.value)) }) { _, last in last }
        return template.template.render(context, library: library)
    }

    /// A JSON value as Mustache reads it: objects and arrays as Swift's, whole numbers without a fraction.
    static func mustacheValue(_ value: JSONValue) -> Any {
        switch value {
        case .string(let text): return text
        case .bool(let flag): return flag
        case .number(let number):
            return number == number.rounded() && abs(number) < 1e15 ? Int(number) as Any : number as Any
        case .array(let items): return items.map(Self.mustacheValue)
        case .object(let members):
            return Dictionary(members.map { ($0.key, Self.mustacheValue($0.value)) }) { _, last in last }
        case .null: return ""
        }
    }
}
