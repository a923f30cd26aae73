/// What the semantic cache compares (docs/cache.md): the text of a request's prompt, and the rest of its body.
/// Two requests may share an answer when their texts mean nearly the same and the rest (model, parameters, tools,
/// `stream`) is identical. Only text prompts qualify; by default only one turn — an optional system prompt and one
/// user message — because an answer to a similar *conversation* is rarely the right answer.
public struct SemanticPrompt: Sendable, Equatable {
    /// The prompt as one text: system parts first, then the turns, one per line.
    public var text: String
    /// The body without its prompt fields: part of the semantic key.
    public var rest: JSONValue

    public init(text: String, rest: JSONValue) {
        self.text = text
        self.rest = rest
    }

    /// The prompt of a chat, messages, responses or completions body, or `nil` when the request cannot be matched
    /// by meaning: another endpoint, a part that is not text (images, audio, tool calls or results), no user
    /// message, or more than one turn without `multiTurn`.
    public static func extract(endpoint: Endpoint, body: JSONValue, multiTurn: Bool) -> SemanticPrompt? {
        guard let members = body.members else { return nil }
        let promptFields: Set<String>
        var system: [String] = []
        var turns: [Turn] = []
        /// Reads messages (or Responses items) into the system texts and the turns; `false` when one is not text.
        func read(_ items: [JSONValue], systemRoles: Bool) -> Bool {
            for item in items {
                if let type = item["type"]?.string, type != "message" { return false }
                guard let role = item["role"]?.string, let text = Self.text(of: item["content"]) else { return false }
                if systemRoles, role == "system" || role == "developer", turns.isEmpty {
                    system.append(text)
                } else {
                    turns.append(Turn(role: role, text: text))
                }
            }
            return true
        }
        switch endpoint {
        case .chatCompletions:
            promptFields = ["messages"]
            guard let messages = body["messages"]?.array, read(messages, systemRoles: true) else { return nil }
        case .messages:
            promptFields = ["messages", "system"]
            if let value = body["system"] {
                guard let text = Self.text(of: value) else { return nil }
                system.append(text)
            }
            guard let messages = body["messages"]?.array, read(messages, systemRoles: false) else { return nil }
        case .responses:
            promptFields = ["input", "instructions"]
            // A response that continues another one is a conversation the body does not show.
            if let previous = body["previous_response_id"], previous != .null { return nil }
            if let value = body["instructions"], value != .null {
                guard let text = value.string else { return nil }
                system.append(text)
            }
            if let text = body["input"]?.string {
                turns.append(Turn(role: "user", text: text))
            } else {
                guard let items = body["input"]?.array, read(items, systemRoles: true) else { return nil }
            }
        case .completions:
            promptFields = ["prompt"]
            guard let text = body["prompt"]?.string else { return nil }
            turns.append(Turn(role: "user", text: text))
        default:
            return nil
        }
        guard let last = turns.last, last.role == "user" else { return nil }
        guard multiTurn || turns.count == 1 else { return nil }
        let lines = system + (turns.count == 1 ? [last.text] : turns.map { $0.role + ": " + $0.text })
        let rest = JSONValue.object(members.filter { !promptFields.contains($0.key) })
        return SemanticPrompt(text: lines.joined(separator: "\n"), rest: rest)
    }

    private struct Turn {
        var role: String
        var text: String
    }

    /// A message's content as text: a string, or parts that are all text (`text`, `input_text`, `output_text`).
    private static func text(of content: JSONValue?) -> String? {
        guard let content else { return nil }
        if let text = content.string { return text }
        guard let parts = content.array, !parts.isEmpty else { return nil }
        var texts: [String] = []
        for part in parts {
            guard let type = part["type"]?.string, type == "text" || type == "input_text" || type == "output_text",
                let text = part["text"]?.string
            else { return nil }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }
}
