/// Writes a whole answer's ``AnswerEvent``s as an OpenAI chat completion: the text, reasoning as
/// `reasoning_content` and `thinking_blocks` (with signatures), `tool_calls`, the finish reason, the usage.
public enum OpenAIChatMessageWriter {
    public static func body(_ events: [AnswerEvent], model: String, created: Int) -> JSONValue {
        var id = "chatcmpl-switchboard"
        var text = ""
        var thinking: [(text: String, signature: String)] = []
        var calls: [(id: String, name: String, arguments: String)] = []
        var stop = StopReason.endTurn
        var usage = AnswerUsage()
        var lastWasThinking = false
        for event in events {
            switch event {
            case .start(let answerID, _): if !answerID.isEmpty { id = answerID }
            case .text(let more): text += more
            case .thinking(let more):
                if lastWasThinking { thinking[thinking.count - 1].text += more } else { thinking.append((more, "")) }
            case .thinkingSignature(let more):
                if thinking.isEmpty { thinking.append(("", "")) }
                thinking[thinking.count - 1].signature += more
            case .toolCall(_, let callID, let name): calls.append((callID, name, ""))
            case .toolArguments(let index, let json): if index < calls.count { calls[index].arguments += json }
            case .stop(let reason): stop = reason
            case .usage(let counts): usage = counts
            case .error: break
            }
            if case .thinking = event {
                lastWasThinking = true
            } else if case .thinkingSignature = event {
                lastWasThinking = true
            } else {
                lastWasThinking = false
            }
        }
        var message: [(key: String, value: JSONValue)] = [
            ("role", "assistant"), ("content", text.isEmpty && !calls.isEmpty ? .null : .string(text)),
        ]
        if !thinking.isEmpty {
            message.append(("reasoning_content", .string(thinking.map(\.text).joined())))
            message.append(
                (
                    "thinking_blocks",
                    .array(
                        thinking.map {
                            .object([
                                ("type", "thinking"), ("thinking", .string($0.text)),
                                ("signature", .string($0.signature)),
                            ])
                        }
                    )
                )
            )
        }
        if !calls.isEmpty {
            message.append(
                (
                    "tool_calls",
                    .array(
                        calls.map {
                            .object([
                                ("id", .string($0.id)), ("type", "function"),
                                (
                                    "function",
                                    .object([("name", .string($0.name)), ("arguments", .string($0.arguments))])
                                ),
                            ])
                        }
                    )
                )
            )
        }
        return .object([
            ("id", .string(id)), ("object", "chat.completion"), ("created", .number(Double(created))),
            ("model", .string(model)),
            (
                "choices",
                .array([
                    .object([
                        ("index", .number(0)), ("message", .object(message)), ("logprobs", .null),
                        ("finish_reason", .string(stop.openAI)),
                    ])
                ])
            ),
            ("usage", usage.openAI),
        ])
    }
}
