import SwitchboardCore
import SwitchboardStore

/// The body a preset version is made from: a chat-completions, Anthropic messages or responses request, checked
/// against its schema; what a version keeps of it is ``PresetsAPI/keptFields``.
struct PresetSourceBody: Decodable {
    enum Skin: String, Sendable {
        case chat, messages, responses

        var name: String {
            switch self {
            case .chat: "chat completions"
            case .messages: "Anthropic messages"
            case .responses: "responses"
            }
        }
    }

    var members: [(key: String, value: JSONValue)]

    init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard let members = value.members else {
            throw DecodingError.typeMismatch(
                [String: JSONValue].self,
                DecodingError.Context(codingPath: [], debugDescription: "not an object")
            )
        }
        self.members = members
    }

    subscript(key: String) -> JSONValue? { self.members.first { $0.key == key }?.value }

    /// The body against its kind's request schema (``PresetSchemas``): 400 naming the first field that breaks it.
    func check(as skin: Skin) throws {
        let body = JSONValue.object(self.members)
        if let violation = PresetSchemas.violation(in: body, skin: skin, kept: PresetsAPI.keptFields) {
            throw APIFailure(400, violation.message(root: "The body") + " Send a valid \(skin.name) body.")
        }
    }

    /// The system prompt the body carries (spec/presets.md §4.2): chat system/developer messages, a messages
    /// body's `system`, a responses body's `instructions`.
    func systemPrompt(as skin: Skin) -> String? {
        func text(_ content: JSONValue?) -> String? {
            if let string = content?.string { return string }
            let parts = content?.array?.compactMap { $0["text"]?.string } ?? []
            return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
        }
        switch skin {
        case .chat:
            let texts = (self["messages"]?.array ?? [])
                .filter { ["system", "developer"].contains($0["role"]?.string ?? "") }
                .compactMap { text($0["content"]) }
            return texts.isEmpty ? nil : texts.joined(separator: "\n\n")
        case .messages: return text(self["system"])
        case .responses: return self["instructions"]?.string
        }
    }
}

/// A preset as OpenRouter shows it; with its designated version on a get or a create.
struct PresetItem: Encodable {
    var id: String
    @Nullable var creator_user_id: String? = nil
    @Nullable var workspace_id: String? = nil
    var name: String
    var slug: String
    @Nullable var description: String? = nil
    var status: String
    @Nullable var designated_version_id: String? = nil
    var created_at: String
    var updated_at: String
    @Nullable var status_updated_at: String? = nil

    init(_ preset: StoredPreset) {
        self.id = preset.id
        self.name = preset.name
        self.slug = preset.slug
        self.description = preset.description
        self.status = preset.status
        self.designated_version_id = preset.designatedVersionID
        self.created_at = preset.createdAt
        self.updated_at = preset.updatedAt
        self.status_updated_at = preset.statusUpdatedAt
    }

    struct Designated: Encodable {
        @Nullable var designated_version: PresetVersionItem? = nil
    }

    static func make(_ preset: StoredPreset, designated: StoredPresetVersion?) -> Merged<Self, Designated> {
        Merged(base: Self(preset), extra: Designated(designated_version: designated.map(PresetVersionItem.init)))
    }
}

struct PresetVersionItem: Encodable, Sendable {
    var id: String
    var preset_id: String
    var creator_id = LocalTenant.id
    var version: Int
    @Nullable var system_prompt: String? = nil
    var config: JSONValue
    var created_at: String
    var updated_at: String

    init(_ version: StoredPresetVersion) {
        self.id = version.id
        self.preset_id = version.presetID
        self.version = version.version
        self.system_prompt = version.systemPrompt
        self.config = JSONValue(parsing: Array(version.config.utf8)) ?? .object([])
        self.created_at = version.createdAt
        self.updated_at = version.updatedAt
    }
}

/// OpenRouter's envelopes: `{data}` and `{data:[…], total_count}`.
struct OpenRouterItem<Item: Encodable>: Encodable {
    var data: Item
}

struct OpenRouterList<Item: Encodable>: Encodable {
    var data: [Item]
    var total_count: Int
}
