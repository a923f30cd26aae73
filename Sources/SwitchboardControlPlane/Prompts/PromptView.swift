import SwitchboardCore
import SwitchboardStore

/// Prompts and partials as Portkey shows them (spec/portkey.md C7: `PromptSummary`, `Prompt`,
/// `PromptVersionSummary`, `PromptPartial`, `PromptPartialVersion`).
enum PromptView {
    static func summary(_ prompt: StoredPrompt) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("id", .string(prompt.id)), ("slug", .string(prompt.slug)), ("name", .string(prompt.name)),
            ("collection_id", .string(prompt.collectionID)), ("status", .string(prompt.status)),
            ("created_at", .string(prompt.createdAt)), ("last_updated_at", .string(prompt.lastUpdatedAt)),
            ("object", .string(prompt.kind.rawValue)),
        ]
        if prompt.kind == .prompt { fields.append(("model", PromptsAPI.document(prompt.version)["model"] ?? .null)) }
        return .object(fields)
    }

    /// A prompt at `version` (its default one unless another is asked for).
    static func prompt(_ prompt: StoredPrompt, version: StoredPromptVersion) -> JSONValue {
        let document = PromptsAPI.document(version)
        var fields = (Self.summary(prompt).members ?? []).filter { $0.key != "model" }
        for key in PromptsAPI.promptFields {
            fields.append((key, document[key] ?? (key == "parameters" ? .object([]) : .null)))
        }
        fields += [
            ("prompt_version", .number(Double(version.version))), ("prompt_version_id", .string(version.id)),
            ("prompt_version_status", .string(version.status)),
            ("prompt_version_description", version.description.map(JSONValue.string) ?? .null),
            ("prompt_version_label_id", version.labelID.map(JSONValue.string) ?? .null),
            ("is_default", .bool(version.version == prompt.defaultVersion)),
        ]
        return .object(fields)
    }

    static func version(_ version: StoredPromptVersion) -> JSONValue {
        .object([
            ("id", .string(version.id)), ("prompt_id", .string(version.promptID)),
            ("prompt_template", PromptsAPI.document(version)), ("prompt_version", .number(Double(version.version))),
            ("prompt_description", version.description.map(JSONValue.string) ?? .null),
            ("label_id", version.labelID.map(JSONValue.string) ?? .null), ("created_at", .string(version.createdAt)),
            ("status", .string(version.status)), ("object", "prompt"),
        ])
    }

    static func partial(_ partial: StoredPrompt, version: StoredPromptVersion) -> JSONValue {
        .object([
            ("id", .string(partial.id)), ("slug", .string(partial.slug)), ("name", .string(partial.name)),
            ("collection_id", .string(partial.collectionID)),
            ("string", PromptsAPI.document(version)["string"] ?? .null),
            ("version", .number(Double(version.version))),
            ("version_description", version.description.map(JSONValue.string) ?? .null),
            ("prompt_partial_version_id", .string(version.id)), ("created_at", .string(partial.createdAt)),
            ("last_updated_at", .string(partial.lastUpdatedAt)), ("status", .string(partial.status)),
            ("object", "partial"),
        ])
    }

    static func partialVersion(_ partial: StoredPrompt, _ version: StoredPromptVersion) -> JSONValue {
        .object([
            ("prompt_partial_id", .string(partial.id)), ("prompt_partial_version_id", .string(version.id)),
            ("slug", .string(partial.slug)), ("version", .string(String(version.version))),
            ("string", PromptsAPI.document(version)["string"] ?? .null),
            ("description", version.description.map(JSONValue.string) ?? .null),
            ("created_at", .string(version.createdAt)), ("prompt_version_status", .string(version.status)),
            ("object", "partial"),
        ])
    }
}
