import SwitchboardCore

/// The seeds' OpenAPI documents as compiled in (``PortkeySeed``, ``OpenRouterSeed``), parsed once on first use.
enum Seeds {
    static let portkey = Self.parse(PortkeySeed.json)
    static let openRouter = Self.parse(OpenRouterSeed.json)

    /// The component schema `name` of `document`, with `$ref`s resolving in that document.
    static func schema(_ name: String, in document: JSONValue) -> JSONSchema {
        guard let schema = JSONSchema(pointer: "#/components/schemas/\(name)", in: document) else {
            preconditionFailure("The compiled-in seed has no schema \(name): run e2e/spec/cut.py again.")
        }
        return schema
    }

    private static func parse(_ text: String) -> JSONValue {
        guard let document = JSONValue(parsing: Array(text.utf8)) else {
            preconditionFailure("A compiled-in seed document is not JSON: run e2e/spec/cut.py again.")
        }
        return document
    }
}
