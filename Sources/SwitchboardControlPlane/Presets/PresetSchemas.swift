import SwitchboardCore

/// What a preset's source body must be: the OpenRouter request schema of its kind (`ChatRequest`,
/// `MessagesRequest`, `ResponsesRequest`, compiled in from the seed), so that a preset can never inject a value its
/// target API would refuse into every request that uses it. A kept field the body's own schema does not define
/// (a chat body's `thinking`) is checked against the schema of the kind that does.
enum PresetSchemas {
    static let chat = Seeds.schema("ChatRequest", in: Seeds.openRouter)
    static let messages = Seeds.schema("MessagesRequest", in: Seeds.openRouter)
    static let responses = Seeds.schema("ResponsesRequest", in: Seeds.openRouter)

    /// Kept fields no request schema defines (spec/presets.md §4.3).
    static let presetOnly: [(key: String, value: JSONValue)] = [
        ("cache_enabled", .object([("type", .string("boolean"))])),
        ("cache_ttl_seconds", .object([("type", .string("integer")), ("minimum", .number(0))])),
    ]

    static func schema(of skin: PresetSourceBody.Skin) -> JSONSchema {
        switch skin {
        case .chat: Self.chat
        case .messages: Self.messages
        case .responses: Self.responses
        }
    }

    /// The first place `body` breaks its schema, or a kept field breaks the schema that defines it.
    static func violation(in body: JSONValue, skin: PresetSourceBody.Skin, kept: Set<String>) -> SchemaViolation? {
        let own = Self.schema(of: skin)
        if let violation = own.violation(of: body) { return violation }
        for (key, value) in body.members ?? [] where kept.contains(key) && own.schema["properties"]?[key] == nil {
            guard let property = Self.definition(of: key) else { continue }
            if let violation = property.violation(of: value) {
                return SchemaViolation([.key(key)] + violation.path, violation.problem)
            }
        }
        return nil
    }

    /// The first schema of a field among the request kinds, then the preset-only fields.
    private static func definition(of key: String) -> JSONSchema? {
        for schema in [Self.chat, Self.responses, Self.messages] {
            if let property = schema.schema["properties"]?[key] { return JSONSchema(property, in: schema.document) }
        }
        return Self.presetOnly.first { $0.key == key }.map { JSONSchema($0.value) }
    }
}
