import SwitchboardCore

/// What each field a preset keeps must hold (the types of OpenRouter's `ChatRequest` and the Anthropic and
/// Responses bodies the same field comes from), so that a preset can never inject a value its target API would
/// refuse into every request that uses it. `null` is allowed where the schema allows it (the field is then
/// left out).
enum PresetFieldRules {
    enum Kind: Sendable {
        case string
        case number
        case integer
        case boolean
        case object
        case array
        case strings
        case stringOrStrings
        case oneOf([String])
        case toolChoice
        case responseFormat
        /// A string of at most this many characters.
        case shortString(Int)
        /// OpenRouter's `trace`: an object whose known keys hold strings.
        case trace

        var phrase: String {
            switch self {
            case .string: "a string"
            case .number: "a number"
            case .integer: "an integer"
            case .boolean: "true or false"
            case .object: "an object"
            case .array: "an array"
            case .strings: "an array of strings"
            case .stringOrStrings: "a string or an array of strings"
            case .oneOf(let choices): "one of \(choices.map { "\"\($0)\"" }.joined(separator: ", "))"
            case .toolChoice: "\"none\", \"auto\", \"required\" or an object naming a tool"
            case .responseFormat: "an object with a string 'type' (text, json_object, json_schema …)"
            case .shortString(let length): "a string of at most \(length) characters"
            case .trace:
                "an object whose trace_id, trace_name, span_name, generation_name and parent_span_id are strings"
            }
        }

        func holds(_ value: JSONValue) -> Bool {
            switch self {
            case .string: value.string != nil
            case .number: value.number != nil
            case .integer: value.int != nil
            case .boolean: value.bool != nil
            case .object: value.members != nil
            case .array: value.array != nil
            case .strings: value.array?.allSatisfy { $0.string != nil } ?? false
            case .stringOrStrings: value.string != nil || Kind.strings.holds(value)
            case .oneOf(let choices): value.string.map(choices.contains) ?? false
            case .toolChoice:
                value.string.map { ["none", "auto", "required", "any"].contains($0) } ?? (value.members != nil)
            case .responseFormat: value["type"]?.string != nil
            case .shortString(let length): value.string.map { $0.count <= length } ?? false
            case .trace:
                value.members?.allSatisfy { member in
                    !["trace_id", "trace_name", "span_name", "generation_name", "parent_span_id"].contains(member.key)
                        || member.value.string != nil
                } ?? false
            }
        }
    }

    /// The fields' kinds: those kept, and the other fields of the source bodies that have a type to check.
    static let kinds: [String: Kind] = [
        "model": .string, "models": .strings, "temperature": .number, "top_p": .number, "top_k": .integer,
        "top_a": .number, "min_p": .number, "provider": .object, "tools": .array, "tool_choice": .toolChoice,
        "max_tokens": .integer, "max_completion_tokens": .integer, "max_output_tokens": .integer,
        "frequency_penalty": .number, "presence_penalty": .number, "repetition_penalty": .number, "seed": .integer,
        "stop": .stringOrStrings, "stop_sequences": .strings, "logit_bias": .object, "logprobs": .boolean,
        "top_logprobs": .integer, "response_format": .responseFormat, "text": .object, "reasoning": .object,
        "reasoning_effort": .oneOf(["max", "xhigh", "high", "medium", "low", "minimal", "none"]),
        "thinking": .object, "output_config": .object, "parallel_tool_calls": .boolean, "plugins": .array,
        "modalities": .strings, "image_config": .object, "cache_control": .object, "prompt_cache_options": .object,
        "service_tier": .oneOf(["auto", "default", "fast", "flex", "priority", "scale"]),
        "truncation": .oneOf(["auto", "disabled"]), "include": .strings, "max_tool_calls": .integer,
        "stop_server_tools_when": .array, "context_management": .object, "fallbacks": .array,
        "route": .oneOf(["fallback", "sort"]), "cache_enabled": .boolean, "cache_ttl_seconds": .integer,
        "stream": .boolean,
        // Not kept, but part of the body a version is made from: checked all the same.
        "user": .string, "session_id": .shortString(256), "prompt_cache_key": .string, "metadata": .object,
        "stream_options": .object, "prediction": .object, "trace": .trace, "debug": .object,
    ]

    /// Fields whose schema does not allow `null` (the others take it as "not set").
    static let notNullable: Set<String> = [
        "model", "models", "tools", "plugins", "modalities", "reasoning", "image_config", "cache_control",
        "stop_server_tools_when", "stream", "user", "session_id", "metadata", "trace", "debug",
    ]

    /// What differs by the body's kind: a messages body's sampling fields are not nullable, and `user` is at
    /// most 256 characters in a messages or responses body (the chat schema sets no limit).
    private static func notNullable(_ key: String, in skin: PresetSourceBody.Skin) -> Bool {
        switch skin {
        case .chat: Self.notNullable.contains(key)
        case .messages: Self.notNullable.contains(key) || ["top_p", "temperature", "max_tokens", "top_k"].contains(key)
        case .responses: Self.notNullable.contains(key) || key == "top_k"
        }
    }

    /// A tool of `skin`'s body: an object with a string `type`, or in a messages body a custom tool (`name` and
    /// `input_schema`).
    private static func isTool(_ tool: JSONValue, in skin: PresetSourceBody.Skin) -> Bool {
        if tool["type"]?.string != nil { return true }
        return skin == .messages && tool["name"]?.string != nil && tool["input_schema"]?.members != nil
    }

    /// The first field of `members` that breaks its rule, as a message naming it.
    static func violation(in members: [(key: String, value: JSONValue)], skin: PresetSourceBody.Skin) -> String? {
        for (key, value) in members {
            if skin != .chat, key == "user", !Kind.shortString(256).holds(value), value != .null {
                return "'user' must be \(Kind.shortString(256).phrase)."
            }
            if key == "tools", let tools = value.array,
                let index = tools.firstIndex(where: { !Self.isTool($0, in: skin) })
            {
                return skin == .messages
                    ? "'tools[\(index)]' must be an object with a 'type', or with 'name' and 'input_schema'."
                    : "'tools[\(index)]' must be an object with a string 'type'."
            }
            if value == .null {
                if Self.notNullable(key, in: skin) { return "'\(key)' may not be null: leave it out instead." }
                continue
            }
            if let kind = Self.kinds[key], !kind.holds(value) {
                return "'\(key)' must be \(kind.phrase), not \(value.typeName)."
            }
        }
        return nil
    }
}
