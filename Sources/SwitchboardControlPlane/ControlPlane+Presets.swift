import Foundation
import Logging
import SwitchboardCore
import SwitchboardStore

/// OpenRouter's presets API under `/api/v1/presets` (spec/presets.md): list, get, create a version from a
/// chat-completions, messages or responses body, list versions, get a version. Errors in OpenRouter's
/// `{"error":{"code","message"}}` shape.
extension ControlPlane {
    func routePresets(
        method: String,
        path: Substring,
        query: [String: String],
        body: [UInt8]
    ) async throws
        -> Response
    {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let rest = Array(parts.drop { $0 != "presets" }.dropFirst())
        switch (method, rest.count) {
        case ("GET", 0): return try await self.listPresets(query)
        case ("GET", 1): return try await self.getPreset(try Self.presetSlug(rest[0]))
        case ("GET", 2) where rest[1] == "versions": return try await self.listPresetVersions(rest[0], query)
        case ("GET", 3) where rest[1] == "versions": return try await self.getPresetVersion(rest[0], rest[2])
        case ("POST", 2) where rest[1] == "messages" || rest[1] == "responses":
            return try await self.createPresetVersion(try Self.presetSlug(rest[0]), skin: rest[1], body)
        case ("POST", 3) where rest[1] == "chat" && rest[2] == "completions":
            return try await self.createPresetVersion(try Self.presetSlug(rest[0]), skin: "chat", body)
        case ("GET", 1...3), ("POST", 2...3):
            throw OpenRouterError(404, "No presets route \(method) \(path).")
        default:
            throw OpenRouterError(
                405,
                "\(method) is not allowed on \(path); presets are read with GET and made with POST."
            )
        }
    }

    private static func presetSlug(_ text: String) throws -> String {
        guard !text.isEmpty, text.count <= 128,
            text.utf8.allSatisfy({ $0 < 128 && (isalnum(Int32($0)) != 0 || $0 == 46 || $0 == 45 || $0 == 95) })
        else {
            throw OpenRouterError(400, "Invalid preset slug '\(text)': use letters, digits, '.', '-' and '_'.")
        }
        return text
    }

    // MARK: - Reads

    private func listPresets(_ query: [String: String]) async throws -> Response {
        let all = try await self.store.listPresets()
        let page = try Self.offsetPage(all, query)
        return .json(
            .object([("data", .array(page.map(Self.presetJSON))), ("total_count", .number(Double(all.count)))])
        )
    }

    private func getPreset(_ slug: String) async throws -> Response {
        guard let preset = try await self.store.preset(slug: slug) else { throw Self.noPreset(slug) }
        let versions = try await self.store.presetVersions(slug: slug) ?? []
        let designated = versions.first { $0.id == preset.designatedVersionID } ?? versions.last
        return .json(.object([("data", Self.presetJSON(preset, designated: designated))]))
    }

    private func listPresetVersions(_ slug: String, _ query: [String: String]) async throws -> Response {
        guard let versions = try await self.store.presetVersions(slug: slug) else { throw Self.noPreset(slug) }
        let page = try Self.offsetPage(versions, query)
        return .json(
            .object([("data", .array(page.map(Self.versionJSON))), ("total_count", .number(Double(versions.count)))])
        )
    }

    private func getPresetVersion(_ slug: String, _ number: String) async throws -> Response {
        guard let wanted = Int(number), wanted > 0 else {
            throw OpenRouterError(400, "Invalid version '\(number)': a version number (1, 2, …).")
        }
        guard let versions = try await self.store.presetVersions(slug: slug) else { throw Self.noPreset(slug) }
        guard let version = versions.first(where: { $0.version == wanted }) else {
            throw OpenRouterError(404, "Preset '\(slug)' has no version \(wanted) (it has 1 to \(versions.count)).")
        }
        return .json(.object([("data", Self.versionJSON(version))]))
    }

    // MARK: - Create

    /// The fields a version keeps (spec/presets.md §4.3); everything else in the body is left out.
    static let presetFields: Set<String> = [
        "model", "models", "temperature", "top_p", "provider", "tools", "tool_choice", "max_tokens",
        "max_completion_tokens", "max_output_tokens", "frequency_penalty", "presence_penalty", "repetition_penalty",
        "top_k", "top_a", "min_p", "seed", "stop", "stop_sequences", "logit_bias", "logprobs", "top_logprobs",
        "response_format", "text", "reasoning", "reasoning_effort", "thinking", "output_config",
        "parallel_tool_calls", "plugins", "modalities", "image_config", "service_tier", "speed", "cache_control",
        "prompt_cache_options", "truncation", "include", "max_tool_calls", "stop_server_tools_when",
        "context_management", "fallbacks", "route", "cache_enabled", "cache_ttl_seconds",
    ]

    private func createPresetVersion(_ slug: String, skin: String, _ body: [UInt8]) async throws -> Response {
        guard !body.isEmpty, let parsed = JSONValue(parsing: body) else {
            throw OpenRouterError(400, "The request body is not valid JSON; send the \(Self.skinName(skin)) body.")
        }
        guard let members = parsed.members else {
            throw OpenRouterError(400, "The request body must be a JSON object (a \(Self.skinName(skin)) body).")
        }
        let object = JSONValue.object(members)
        try Self.checkPresetBody(object, skin: skin)
        let systemPrompt = Self.systemPrompt(object, skin: skin)
        let kept = members.filter { Self.presetFields.contains($0.key) }.sorted { $0.key < $1.key }
        let (preset, version) = try await self.store.addPresetVersion(
            slug: slug,
            systemPrompt: systemPrompt,
            config: JSONValue.object(kept).jsonText
        )
        try await self.host.storeChanged()
        self.logger.info("preset version created", metadata: ["slug": "\(slug)", "version": "\(version.version)"])
        return .json(.object([("data", Self.presetJSON(preset, designated: version))]))
    }

    private static func skinName(_ skin: String) -> String {
        switch skin {
        case "chat": "chat completions"
        case "messages": "Anthropic messages"
        default: "responses"
        }
    }

    /// The body's required fields and the types of the fields a preset keeps.
    private static func checkPresetBody(_ body: JSONValue, skin: String) throws {
        if skin == "chat" || skin == "messages", body["messages"]?.array == nil {
            throw OpenRouterError(400, "'messages' is required: the \(Self.skinName(skin)) body's array of messages.")
        }
        if skin == "messages", body["model"]?.string == nil {
            throw OpenRouterError(400, "'model' is required in a messages body: a model name string.")
        }
        let expectations: [(String, String, (JSONValue) -> Bool)] = [
            ("model", "a string", { $0.string != nil }),
            ("models", "an array of model names", { $0.array?.allSatisfy { $0.string != nil } ?? false }),
            ("provider", "an object of provider preferences", { $0.members != nil }),
            ("tools", "an array", { $0.array != nil }),
            ("temperature", "a number", { $0.number != nil }),
            ("top_p", "a number", { $0.number != nil }),
            ("max_tokens", "an integer", { $0.int != nil }),
            ("stream", "a boolean", { $0.bool != nil }),
        ]
        for (key, expected, holds) in expectations {
            if let value = body[key], value != .null, !holds(value) {
                throw OpenRouterError(400, "'\(key)' must be \(expected), not \(value.typeName).")
            }
        }
    }

    /// The system prompt a body carries (spec/presets.md §4.2): chat system/developer messages, a messages
    /// body's `system`, a responses body's `instructions`.
    static func systemPrompt(_ body: JSONValue, skin: String) -> String? {
        func text(_ content: JSONValue?) -> String? {
            if let string = content?.string { return string }
            let parts = content?.array?.compactMap { $0["text"]?.string } ?? []
            return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
        }
        switch skin {
        case "chat":
            let texts = (body["messages"]?.array ?? [])
                .filter { ["system", "developer"].contains($0["role"]?.string ?? "") }
                .compactMap { text($0["content"]) }
            return texts.isEmpty ? nil : texts.joined(separator: "\n\n")
        case "messages": return text(body["system"])
        default: return body["instructions"]?.string
        }
    }

    // MARK: - Shapes

    private static func presetJSON(_ preset: StoredPreset) -> JSONValue {
        .object(Self.presetMembers(preset))
    }

    private static func presetJSON(_ preset: StoredPreset, designated: StoredPresetVersion?) -> JSONValue {
        .object(Self.presetMembers(preset) + [("designated_version", designated.map(Self.versionJSON) ?? .null)])
    }

    private static func presetMembers(_ preset: StoredPreset) -> [(key: String, value: JSONValue)] {
        func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        return [
            ("id", .string(preset.id)), ("creator_user_id", .null), ("workspace_id", .null),
            ("name", .string(preset.name)), ("slug", .string(preset.slug)),
            ("description", optional(preset.description)),
            ("status", .string(preset.status)), ("designated_version_id", optional(preset.designatedVersionID)),
            ("created_at", .string(preset.createdAt)), ("updated_at", .string(preset.updatedAt)),
            ("status_updated_at", optional(preset.statusUpdatedAt)),
        ]
    }

    private static func versionJSON(_ version: StoredPresetVersion) -> JSONValue {
        .object([
            ("id", .string(version.id)), ("preset_id", .string(version.presetID)), ("creator_id", .string("local")),
            ("version", .number(Double(version.version))),
            ("system_prompt", version.systemPrompt.map(JSONValue.string) ?? .null),
            ("config", JSONValue(parsing: Array(version.config.utf8)) ?? .object([])),
            ("created_at", .string(version.createdAt)), ("updated_at", .string(version.updatedAt)),
        ])
    }

    /// `offset` (default 0; `null` too) and `limit` (1 to 100, default 50) applied to `items`.
    private static func offsetPage<T>(_ items: [T], _ query: [String: String]) throws -> ArraySlice<T> {
        var offset = 0
        if let text = query["offset"], !text.isEmpty, text != "null" {
            guard let value = Int(text), value >= 0 else {
                throw OpenRouterError(400, "'offset' must be an integer of 0 or more.")
            }
            offset = value
        }
        var limit = 50
        if let text = query["limit"], !text.isEmpty, text != "null" {
            guard let value = Int(text), (1...100).contains(value) else {
                throw OpenRouterError(400, "'limit' must be an integer from 1 to 100.")
            }
            limit = value
        }
        let start = min(items.count, offset)
        return items[start..<min(items.count, start + limit)]
    }

    private static func noPreset(_ slug: String) -> OpenRouterError {
        OpenRouterError(404, "Preset '\(slug)' not found.")
    }
}

/// OpenRouter's error: `{"error":{"code":STATUS,"message":…,"metadata":null},"openrouter_metadata":null,
/// "user_id":null}`, with `code` the HTTP status.
struct OpenRouterError: ControlPlaneError {
    var status: Int
    var message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    var response: ControlPlane.Response {
        .json(
            .object([
                (
                    "error",
                    .object([
                        ("code", .number(Double(self.status))), ("message", .string(self.message)), ("metadata", .null),
                    ])
                ),
                ("openrouter_metadata", .null), ("user_id", .null),
            ]),
            status: self.status
        )
    }
}
