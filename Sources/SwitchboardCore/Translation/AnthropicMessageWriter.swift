/// Writes a whole answer's ``AnswerEvent``s as an Anthropic Messages JSON body: text, thinking and tool-use blocks
/// in order (tool arguments parsed back into `input`), the stop reason, the usage.
public enum AnthropicMessageWriter {
    private enum Block {
        case text(String)
        case thinking(text: String, signature: String)
        case tool(index: Int, id: String, name: String, arguments: String)
    }

    public static func body(_ events: [AnswerEvent], model: String) -> JSONValue {
        var id = ""
        var blocks: [Block] = []
        var stop = StopReason.endTurn
        var usage = AnswerUsage()
        for event in events {
            switch (event, blocks.last) {
            case (.start(let answerID, _), _): id = answerID
            case (.text(let more), .text(let text)?): blocks[blocks.count - 1] = .text(text + more)
            case (.text(let text), _): blocks.append(.text(text))
            case (.thinking(let more), .thinking(let text, let signature)?):
                blocks[blocks.count - 1] = .thinking(text: text + more, signature: signature)
            case (.thinking(let text), _): blocks.append(.thinking(text: text, signature: ""))
            case (.thinkingSignature(let more), .thinking(let text, let signature)?):
                blocks[blocks.count - 1] = .thinking(text: text, signature: signature + more)
            case (.thinkingSignature(let signature), _): blocks.append(.thinking(text: "", signature: signature))
            case (.toolCall(let index, let callID, let name), _):
                blocks.append(.tool(index: index, id: callID, name: name, arguments: ""))
            case (.toolArguments(let index, let json), _):
                guard
                    let at = blocks.lastIndex(where: {
                        if case .tool(index, _, _, _) = $0 { true } else { false }
                    }),
                    case .tool(_, let callID, let name, let arguments) = blocks[at]
                else { continue }
                blocks[at] = .tool(index: index, id: callID, name: name, arguments: arguments + json)
            case (.stop(let reason), _): stop = reason
            case (.usage(let counts), _): usage = counts
            case (.error, _): break
            }
        }
        let content: [JSONValue] = blocks.map { block in
            switch block {
            case .text(let text): .object([("type", "text"), ("text", .string(text))])
            case .thinking(let text, let signature):
                .object([("type", "thinking"), ("thinking", .string(text)), ("signature", .string(signature))])
            case .tool(_, let callID, let name, let arguments):
                .object([
                    ("type", "tool_use"), ("id", .string(callID)), ("name", .string(name)),
                    ("input", JSONValue(parsing: Array(arguments.utf8)) ?? .object([])),
                ])
            }
        }
        return .object([
            ("id", .string(id.hasPrefix("msg_") ? id : "msg_" + id)), ("type", "message"), ("role", "assistant"),
            ("model", .string(model)), ("content", .array(content)), ("stop_reason", .string(stop.anthropic)),
            ("stop_sequence", .null), ("usage", usage.anthropic),
        ])
    }
}
