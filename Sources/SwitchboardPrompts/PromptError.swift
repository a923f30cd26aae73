/// Why a prompt could not be rendered: each case names what the caller must fix (a 400 naming it).
public enum PromptError: Error, Sendable, Equatable {
    /// The template is not valid Mustache.
    case syntax(template: String, reason: String)
    /// Variables the template uses outside any section that the caller did not send.
    case missingVariables([String])
    /// Partials the template names that do not exist (or not in that version).
    case unknownPartials([String])
    /// Partials that include each other, or nest deeper than ``PromptRenderer/maxDepth``.
    case partialsTooDeep(String)
    /// `variables` is not an object, a stored prompt's document is broken …
    case invalid(field: String, reason: String)

    /// The message of the 400 this becomes.
    public var message: String {
        switch self {
        case .syntax(let template, let reason): "The template of \(template) is not valid Mustache: \(reason)."
        case .missingVariables(let names):
            "Missing variables: \(names.joined(separator: ", ")). Send them in 'variables'."
        case .unknownPartials(let names):
            "Unknown partials: \(names.joined(separator: ", ")). Create them with POST /v1/prompts/partials, or "
                + "name an existing version."
        case .partialsTooDeep(let name):
            "The partial \(name) includes itself or nests more than \(PromptRenderer.maxDepth) deep."
        case .invalid(let field, let reason): "'\(field)' \(reason)."
        }
    }

    /// The field the error is about.
    public var field: String {
        switch self {
        case .syntax: "string"
        case .missingVariables: "variables"
        case .unknownPartials, .partialsTooDeep: "string"
        case .invalid(let field, _): field
        }
    }
}
