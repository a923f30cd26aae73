/// Writes a whole answer's ``AnswerEvent``s as an Anthropic Messages JSON body: text, thinking and tool-use blocks
/// in order (tool arguments parsed back into `input`), the stop reason, the usage.
public enum AnthropicMessageWriter {
    public static func body(_ events: [AnswerEvent], model: String) -> JSONValue {
        var id = ""
        var blocks: [JSONValue] = []
        var texts: [Int: String] = [:]
        var thinking: [Int: (text: String, signature: String)] = [:]
        var tools: [Int: (id: String, name: String, arguments: String)] = [:]
        /// What each block is, in order: a text, thinking or tool slot.
        var order: [(kind: Character, slot: Int)] = []
        var stop = StopReason.endTurn
        var usage = AnswerUsage()
        for event in events {
            switch event {
            case .start(let answerID, _): id = answerID
            case .text(let text):
                if order.last?.kind != "t" { order.append(("t", order.count)) }
                texts[order.last!.slot, default: ""] += text
            case .thinking(let text):
                if order.last?.kind != "r" { order.append(("r", order.count)) }
                thinking[order.last!.slot, default: ("", "")].text += text
            case .thinkingSignature(let signature):
                if order.last?.kind != "r" { order.append(("r", order.count)) }
                thinking[order.last!.slot, default: ("", "")].signature += signature
            case .toolCall(let index, let callID, let name):
                order.append(("c", index))
                tools[index] = (callID, name, "")
            case .toolArguments(let index, let json): tools[index]?.arguments += json
            case .stop(let reason): stop = reason
            case .usage(let counts): usage = counts
            case .error: break
            }
        }
        for (kind, slot) in order {
            switch kind {
            case "t": blocks.append(.object([("type", "text"), ("text", .string(texts[slot] ?? ""))]))
            case "r":
                let block = thinking[slot] ?? ("", "")
                blocks.append(
                    .object([
                        ("type", "thinking"), ("thinking", .string(block.text)),
                        ("signature", .string(block.signature)),
                    ])
                )
            default:
                guard let call = tools[slot] else { continue }
                let input = JSONValue(parsing: Array(call.arguments.utf8)) ?? .object([])
                blocks.append(
                    .object([
                        ("type", "tool_use"), ("id", .string(call.id)), ("name", .string(call.name)), ("input", input),
                    ])
                )
            }
        }
        let usageJSON = JSONValue(parsing: Array(AnthropicStreamWriter.usageJSON(usage).utf8)) ?? .null
        return .object([
            ("id", .string(id.hasPrefix("msg_") ? id : "msg_" + id)), ("type", "message"), ("role", "assistant"),
            ("model", .string(model)), ("content", .array(blocks)), ("stop_reason", .string(stop.anthropic)),
            ("stop_sequence", .null), ("usage", usageJSON),
        ])
    }
}
