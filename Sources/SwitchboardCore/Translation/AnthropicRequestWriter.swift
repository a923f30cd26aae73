/// Writes a ``Conversation`` as an Anthropic Messages body for an Anthropic-kind provider.
///
/// Mapped: system prompts (`system`), text / image / document blocks, tool calls (`tool_use`, the arguments parsed
/// back into `input`) and results (`tool_result`, one user turn per turn of results), thinking blocks with their
/// signatures, tools (`input_schema`), `tool_choice` and `disable_parallel_tool_use`, sampling, `stop_sequences`,
/// JSON-schema output (`output_config.format`), the thinking budget (an effort becomes a budget), `user` as
/// `metadata.user_id`. Anthropic requires `max_tokens`: a request without one gets ``defaultMaxTokens`` (raised
/// above a thinking budget). Dropped: JSON mode without a schema (Anthropic has none).
public enum AnthropicRequestWriter {
    /// `max_tokens` for a request that sets none (docs/translation.md).
    public static let defaultMaxTokens = 4096

    /// The thinking budget an OpenAI `reasoning_effort` stands for.
    static func budget(for effort: String) -> Int? {
        switch effort {
        case "minimal", "none": nil
        case "low": 2048
        case "high", "xhigh": 16384
        default: 8192
        }
    }

    public static func body(_ conversation: Conversation, model: String? = nil) -> JSONValue {
        var body: [(key: String, value: JSONValue)] = []
        if let model = model ?? conversation.model { body.append(("model", .string(model))) }
        let budget = conversation.thinking.flatMap { $0.budgetTokens ?? $0.effort.flatMap(Self.budget(for:)) }
        var maxTokens = conversation.maxTokens ?? Self.defaultMaxTokens
        if let budget, budget >= maxTokens { maxTokens = budget + Self.defaultMaxTokens }
        body.append(("max_tokens", .number(Double(maxTokens))))
        if !conversation.system.isEmpty {
            body.append(("system", .string(conversation.system.joined(separator: "\n\n"))))
        }
        var messages: [(role: Conversation.Message.Role, blocks: [JSONValue])] = []
        for message in conversation.messages {
            let blocks = message.parts.compactMap(Self.block)
            guard !blocks.isEmpty else { continue }
            // Anthropic wants turns to alternate: consecutive turns of one role become one.
            if messages.last?.role == message.role {
                messages[messages.count - 1].blocks += blocks
            } else {
                messages.append((message.role, blocks))
            }
        }
        body.append(
            (
                "messages",
                .array(messages.map { .object([("role", .string($0.role.rawValue)), ("content", .array($0.blocks))]) })
            )
        )
        if let budget {
            body.append(("thinking", .object([("type", "enabled"), ("budget_tokens", .number(Double(budget)))])))
        } else {
            if let temperature = conversation.temperature { body.append(("temperature", .number(temperature))) }
            if let topP = conversation.topP { body.append(("top_p", .number(topP))) }
        }
        if let topK = conversation.topK { body.append(("top_k", .number(Double(topK)))) }
        if !conversation.stop.isEmpty {
            body.append(("stop_sequences", .array(conversation.stop.map(JSONValue.string))))
        }
        if !conversation.tools.isEmpty {
            body.append(("tools", .array(conversation.tools.map(Self.tool))))
            if let choice = Self.toolChoice(conversation.toolChoice, parallel: conversation.parallelToolCalls) {
                body.append(("tool_choice", choice))
            }
        }
        if case .jsonSchema(_, let schema, _) = conversation.responseFormat {
            body.append(
                ("output_config", .object([("format", .object([("type", "json_schema"), ("schema", schema)]))]))
            )
        }
        if let user = conversation.user { body.append(("metadata", .object([("user_id", .string(user))]))) }
        if conversation.stream { body.append(("stream", .bool(true))) }
        return .object(body)
    }

    private static func block(_ part: Conversation.Part) -> JSONValue? {
        switch part {
        case .text(let text):
            return text.isEmpty ? nil : .object([("type", "text"), ("text", .string(text))])
        case .image(let media): return .object([("type", "image"), ("source", Self.source(media))])
        case .document(let media): return .object([("type", "document"), ("source", Self.source(media))])
        case .toolCall(let id, let name, let arguments):
            return .object([
                ("type", "tool_use"), ("id", .string(id)), ("name", .string(name)),
                ("input", JSONValue(parsing: Array(arguments.utf8)) ?? .object([])),
            ])
        case .toolResult(let id, let content, let isError):
            var block: [(key: String, value: JSONValue)] = [("type", "tool_result"), ("tool_use_id", .string(id))]
            let blocks = content.compactMap(Self.block)
            if !blocks.isEmpty { block.append(("content", .array(blocks))) }
            if isError { block.append(("is_error", .bool(true))) }
            return .object(block)
        case .thinking(let text, let signature):
            // A thinking block without its signature is refused by Anthropic: it is left out.
            guard let signature, !signature.isEmpty else { return nil }
            return .object([("type", "thinking"), ("thinking", .string(text)), ("signature", .string(signature))])
        case .redactedThinking(let data):
            return .object([("type", "redacted_thinking"), ("data", .string(data))])
        }
    }

    private static func source(_ media: Conversation.Media) -> JSONValue {
        switch media {
        case .url(let url): .object([("type", "url"), ("url", .string(url))])
        case .inline(let type, let data):
            .object([("type", "base64"), ("media_type", .string(type)), ("data", .string(data))])
        }
    }

    private static func tool(_ tool: Conversation.Tool) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("name", .string(tool.name))]
        if let description = tool.description { members.append(("description", .string(description))) }
        members.append(("input_schema", tool.parameters))
        if let strict = tool.strict { members.append(("strict", .bool(strict))) }
        return .object(members)
    }

    private static func toolChoice(_ choice: Conversation.ToolChoice?, parallel: Bool?) -> JSONValue? {
        var members: [(key: String, value: JSONValue)]
        switch choice {
        case .auto?: members = [("type", "auto")]
        case .required?: members = [("type", "any")]
        case .none?: members = [("type", "none")]
        case .tool(let name)?: members = [("type", "tool"), ("name", .string(name))]
        case nil:
            guard parallel == false else { return nil }
            members = [("type", "auto")]
        }
        if parallel == false { members.append(("disable_parallel_tool_use", .bool(true))) }
        return .object(members)
    }
}
