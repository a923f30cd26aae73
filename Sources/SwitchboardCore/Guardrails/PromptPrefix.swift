/// Portkey's `addPrefix` transformer (spec/portkey.md B9): puts `prefix` before the user's (or `applyToRole`'s)
/// message of a chat or messages request, or before a completion's prompt. `addToExisting` (default true) writes
/// it into the first such message, else a message of its own is inserted before it; `onlyIfEmpty` only when that
/// message is empty. It never fails the request.
enum PromptPrefix {
    static func apply(_ parameters: JSONValue, _ context: GuardrailContext, _ event: HookEvent) -> CheckOutcome {
        guard event == .beforeRequest, let members = context.request.members else {
            return CheckOutcome(verdict: true)
        }
        guard let prefix = parameters["prefix"]?.string else {
            return CheckOutcome(verdict: true, error: "needs 'prefix' (a string)")
        }
        let role = parameters["applyToRole"]?.string ?? "user"
        let addToExisting = parameters["addToExisting"]?.bool ?? true
        let onlyIfEmpty = parameters["onlyIfEmpty"]?.bool ?? false
        let data = JSONValue.object([
            ("prefix", .string(prefix)), ("requestType", .string(context.requestType)), ("applyToRole", .string(role)),
            ("addToExisting", .bool(addToExisting)), ("onlyIfEmpty", .bool(onlyIfEmpty)),
        ])
        func replacing(_ key: String, with value: JSONValue) -> JSONValue {
            .object(members.map { $0.key == key ? ($0.key, value) : $0 })
        }
        switch context.requestType {
        case "complete":
            guard let prompt = context.request["prompt"]?.string else { return CheckOutcome(verdict: true, data: data) }
            return CheckOutcome(
                verdict: true,
                data: data,
                transformedRequest: replacing("prompt", with: .string(prefix + prompt))
            )
        case "chatComplete", "messages":
            var messages = context.request["messages"]?.array ?? []
            let own: JSONValue =
                context.requestType == "messages"
                ? .array([.object([("type", "text"), ("text", .string(prefix))])]) : .string(prefix)
            let newMessage = JSONValue.object([("role", .string(role)), ("content", own)])
            guard let index = messages.firstIndex(where: { $0["role"]?.string == role }) else {
                messages.insert(newMessage, at: 0)
                return CheckOutcome(
                    verdict: true,
                    data: data,
                    transformedRequest: replacing("messages", with: .array(messages))
                )
            }
            let content = messages[index]["content"]
            let empty = content?.string?.allSatisfy(\.isWhitespace) ?? (content?.array?.isEmpty ?? true)
            if onlyIfEmpty, !empty { return CheckOutcome(verdict: true, data: data) }
            if addToExisting {
                let members = messages[index].members ?? []
                messages[index] = .object(
                    members.map { $0.key == "content" ? ($0.key, Self.prefixed($0.value, prefix)) : $0 }
                        + (members.contains { $0.key == "content" } ? [] : [("content", .string(prefix))])
                )
            } else {
                messages.insert(newMessage, at: index)
            }
            return CheckOutcome(
                verdict: true,
                data: data,
                transformedRequest: replacing("messages", with: .array(messages))
            )
        default:
            return CheckOutcome(verdict: true, data: data)
        }
    }

    /// The content with `prefix` before its text: a string, or the first text part (else a new first part).
    private static func prefixed(_ content: JSONValue, _ prefix: String) -> JSONValue {
        if let text = content.string { return .string(prefix + text) }
        guard var parts = content.array else { return .string(prefix) }
        if let first = parts.first, first["type"]?.string == "text", let members = first.members {
            parts[0] = .object(
                members.map { $0.key == "text" ? ($0.key, .string(prefix + ($0.value.string ?? ""))) : $0 }
            )
        } else {
            parts.insert(.object([("type", "text"), ("text", .string(prefix))]), at: 0)
        }
        return .array(parts)
    }
}
