import SwitchboardCore

/// The request body a prompt version renders to (docs/prompts.md): a chat-completions body with the version's
/// messages filled in, its model and parameters, its tools; then the caller's hyperparameters over them.
///
/// A version's template (`string`) is either a JSON array of chat messages, whose texts are templates (the JSON
/// is read first, so a variable holding quotes or newlines cannot break it), or plain text: one user message.
public struct PromptRequest: Sendable {
    /// The stored version: `{string, parameters, model, tools, functions, tool_choice, …}`.
    public var version: JSONValue

    public init(version: JSONValue) {
        self.version = version
    }

    /// Members of a render or completions body that are not hyperparameters.
    static let ownMembers: Set<String> = ["variables", "hyperparameters", "stream", "promptID", "prompt_id"]

    /// - Parameters:
    ///   - call: the render or completions body: `variables`, then hyperparameters at its root (or under
    ///     `hyperparameters`), and `stream`.
    ///   - partial: a partial's template text by reference.
    public func body(
        call: JSONValue,
        partial: (PartialReference) -> String?
    ) throws(PromptError) -> JSONValue {
        let variables: [(key: String, value: JSONValue)]
        switch call["variables"] {
        case nil, .null?: variables = []
        case .object(let members)?: variables = members
        default: throw .invalid(field: "variables", reason: "must be an object of variable names to values")
        }
        guard let source = self.version["string"]?.string else {
            throw .invalid(field: "string", reason: "is missing from the stored prompt version")
        }
        let messages = try Self.messages(source, variables: variables, partial: partial)
        var body: [(key: String, value: JSONValue)] = []
        if let model = self.version["model"]?.string { body.append(("model", .string(model))) }
        body.append(("messages", .array(messages)))
        for (key, value) in self.version["parameters"]?.members ?? [] { Self.set(&body, key, value) }
        for key in ["tools", "functions", "tool_choice"] {
            if let value = self.version[key], value != .null { Self.set(&body, key, value) }
        }
        var overrides = (call.members ?? []).filter { !Self.ownMembers.contains($0.key) }
        overrides += call["hyperparameters"]?.members ?? []
        for (key, value) in overrides { Self.set(&body, key, value) }
        if let stream = call["stream"], stream != .null { Self.set(&body, "stream", stream) }
        return .object(body)
    }

    private static func set(_ body: inout [(key: String, value: JSONValue)], _ key: String, _ value: JSONValue) {
        if let index = body.firstIndex(where: { $0.key == key }) {
            body[index].value = value
        } else {
            body.append((key, value))
        }
    }

    /// The template's messages, their texts rendered.
    static func messages(
        _ source: String,
        variables: [(key: String, value: JSONValue)],
        partial: (PartialReference) -> String?
    ) throws(PromptError) -> [JSONValue] {
        func render(_ text: String) throws(PromptError) -> String {
            try PromptRenderer.render(PromptTemplate(text, name: "the prompt"), variables: variables, partial: partial)
        }
        let trimmed = source.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("["), let parsed = JSONValue(parsing: Array(source.utf8))?.array,
            parsed.allSatisfy({ $0["role"]?.string != nil })
        else {
            return [.object([("role", "user"), ("content", .string(try render(source)))])]
        }
        var messages: [JSONValue] = []
        var missing: [String] = []
        for message in parsed {
            var members = message.members ?? []
            guard let index = members.firstIndex(where: { $0.key == "content" }) else {
                messages.append(message)
                continue
            }
            do {
                switch members[index].value {
                case .string(let text): members[index].value = .string(try render(text))
                case .array(let parts):
                    var rendered: [JSONValue] = []
                    for part in parts {
                        guard let text = part["text"]?.string, var fields = part.members else {
                            rendered.append(part)
                            continue
                        }
                        let at = fields.firstIndex { $0.key == "text" }!
                        fields[at].value = .string(try render(text))
                        rendered.append(.object(fields))
                    }
                    members[index].value = .array(rendered)
                default: break
                }
            } catch .missingVariables(let names) {
                // Every message's missing variables, named at once.
                missing += names.filter { !missing.contains($0) }
            }
            messages.append(.object(members))
        }
        if !missing.isEmpty { throw .missingVariables(missing) }
        return messages
    }
}
