/// The fields of a model API body that would make every provider refuse it, checked at the edge in the one scan
/// of ``RequestInspection``, so that such a request is answered 400 naming the field before any upstream is
/// tried — no attempt, retry or fallback is spent on it. Only what no provider accepts is refused (a wrong type, a
/// required field missing, `n` outside 1…128); ranges a provider may widen are left to the provider.
struct RequestFieldRules {
    let endpoint: Endpoint
    /// Required fields seen so far.
    private var sawMessages = false
    private var sawMaxTokens = false
    private var sawInput = false

    init(endpoint: Endpoint) { self.endpoint = endpoint }

    /// The problem with member `key`, if it breaks a rule of the endpoint.
    mutating func check(
        _ key: UnsafeRawBufferPointer,
        _ value: JSONValueSpan,
        in body: UnsafeRawBufferPointer
    ) -> GatewayError? {
        switch self.endpoint {
        case .chatCompletions, .messages:
            if key.equals("messages") {
                self.sawMessages = value.kind != .null
                return value.kind == .array || value.kind == .null
                    ? nil : .invalidField("messages", "must be an array of messages, not \(value.kind.phrase)")
            }
            if key.equals("max_tokens") {
                self.sawMaxTokens = value.kind != .null
                return Self.positiveInteger("max_tokens", value, body)
            }
            if key.equals("temperature") || key.equals("top_p") || key.equals("presence_penalty")
                || key.equals("frequency_penalty")
            {
                return Self.number(key, value)
            }
            if self.endpoint == .chatCompletions {
                if key.equals("max_completion_tokens") {
                    return Self.positiveInteger("max_completion_tokens", value, body)
                }
                if key.equals("n") { return Self.integer("n", value, body, in: 1...128) }
            } else if key.equals("top_k") {
                return Self.integer("top_k", value, body, in: 0...Int.max)
            }
        case .responses:
            if key.equals("max_output_tokens") { return Self.positiveInteger("max_output_tokens", value, body) }
            if key.equals("temperature") || key.equals("top_p") {
                return Self.number(key, value)
            }
            if key.equals("input"), value.kind != .string, value.kind != .array, value.kind != .null {
                return .invalidField("input", "must be a string or an array of input items, not \(value.kind.phrase)")
            }
        case .embeddings:
            if key.equals("input") {
                self.sawInput = value.kind != .null
                return value.kind == .string || value.kind == .array || value.kind == .null
                    ? nil : .invalidField("input", "must be a string or an array, not \(value.kind.phrase)")
            }
        case .generateContent:
            if key.equals("contents") {
                self.sawMessages = value.kind != .null
                return value.kind == .array || value.kind == .null
                    ? nil : .invalidField("contents", "must be an array of contents, not \(value.kind.phrase)")
            }
        case .completions, .models, .countTokens, .passthrough:
            break
        }
        return nil
    }

    /// The first required field the body lacks.
    func missing() -> GatewayError? {
        switch self.endpoint {
        case .chatCompletions where !self.sawMessages, .messages where !self.sawMessages:
            .missingField("messages", "an array of messages, e.g. [{\"role\":\"user\",\"content\":\"Hello\"}]")
        case .messages where !self.sawMaxTokens:
            .missingField("max_tokens", "the most tokens to generate (Anthropic's Messages API requires it)")
        case .generateContent where !self.sawMessages:
            .missingField(
                "contents",
                "an array of contents, e.g. [{\"role\":\"user\",\"parts\":[{\"text\":\"Hello\"}]}]"
            )
        case .embeddings where !self.sawInput:
            .missingField("input", "the text (or array of texts) to embed")
        default: nil
        }
    }

    /// The field's name is made only for the error: a valid body allocates nothing here.
    private static func number(_ key: UnsafeRawBufferPointer, _ value: JSONValueSpan) -> GatewayError? {
        guard value.kind != .number, value.kind != .null else { return nil }
        return .invalidField(String(decoding: key, as: UTF8.self), "must be a number, not \(value.kind.phrase)")
    }

    private static func positiveInteger(
        _ field: String,
        _ value: JSONValueSpan,
        _ body: UnsafeRawBufferPointer
    )
        -> GatewayError?
    {
        Self.integer(field, value, body, in: 1...Int.max)
    }

    /// `value` as an integer within `range` (a number written with a fraction or exponent is not one). Read
    /// from the bytes: a valid body allocates nothing here.
    private static func integer(
        _ field: String,
        _ value: JSONValueSpan,
        _ body: UnsafeRawBufferPointer,
        in range: ClosedRange<Int>
    ) -> GatewayError? {
        if value.kind == .null { return nil }
        if value.kind == .number, let number = Self.integer(UnsafeRawBufferPointer(rebasing: body[value.range])),
            range.contains(number)
        {
            return nil
        }
        let bounds =
            range.upperBound == Int.max
            ? "of \(range.lowerBound) or more" : "from \(range.lowerBound) to \(range.upperBound)"
        return .invalidField(field, "must be an integer \(bounds)")
    }

    /// A JSON number's bytes as an integer: optional minus, at most 18 digits, nothing else.
    static func integer(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var digits = bytes[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }
}

extension JSONValueKind {
    /// "a string", "an object" …, for messages.
    var phrase: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}
