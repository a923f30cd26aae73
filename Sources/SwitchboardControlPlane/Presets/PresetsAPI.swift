import Foundation
import Logging
import SwitchboardCore
import SwitchboardStore

/// OpenRouter's presets API (spec/presets.md): list, get, create a version from a chat-completions,
/// messages or responses body, list versions, get a version. Errors in OpenRouter's shape.
struct PresetsAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    /// The fields a version keeps (spec/presets.md §4.3); everything else in the body is left out.
    static let keptFields: Set<String> = [
        "model", "models", "temperature", "top_p", "provider", "tools", "tool_choice", "max_tokens",
        "max_completion_tokens", "max_output_tokens", "frequency_penalty", "presence_penalty", "repetition_penalty",
        "top_k", "top_a", "min_p", "seed", "stop", "stop_sequences", "logit_bias", "logprobs", "top_logprobs",
        "response_format", "text", "reasoning", "reasoning_effort", "thinking", "output_config",
        "parallel_tool_calls", "plugins", "modalities", "image_config", "service_tier", "speed", "cache_control",
        "prompt_cache_options", "truncation", "include", "max_tool_calls", "stop_server_tools_when",
        "context_management", "fallbacks", "route", "cache_enabled", "cache_ttl_seconds",
    ]

    // MARK: - Reads

    func list(_ request: APIRequest) async throws -> ControlPlane.Response {
        let all = try await self.context.store.listPresets()
        let page = try Self.page(all, request.query)
        return .json(OpenRouterList(data: page.map(PresetItem.init), total_count: all.count))
    }

    func get(_ request: APIRequest) async throws -> ControlPlane.Response {
        let slug = try Self.slug(request.parameter("slug"))
        guard let preset = try await self.context.store.preset(slug: slug) else { throw Self.notFound(slug) }
        let versions = try await self.context.store.presetVersions(slug: slug) ?? []
        let designated = versions.first { $0.id == preset.designatedVersionID } ?? versions.last
        return .json(OpenRouterItem(data: PresetItem.make(preset, designated: designated)))
    }

    func versions(_ request: APIRequest) async throws -> ControlPlane.Response {
        let slug = request.parameter("slug")
        guard let versions = try await self.context.store.presetVersions(slug: slug) else {
            throw Self.notFound(slug)
        }
        let page = try Self.page(versions, request.query)
        return .json(OpenRouterList(data: page.map(PresetVersionItem.init), total_count: versions.count))
    }

    func version(_ request: APIRequest) async throws -> ControlPlane.Response {
        let slug = request.parameter("slug")
        let number = request.parameter("version")
        guard let wanted = Int(number), wanted > 0 else {
            throw APIFailure(400, "Invalid version '\(number)': a version number (1, 2, …).")
        }
        guard let versions = try await self.context.store.presetVersions(slug: slug) else {
            throw Self.notFound(slug)
        }
        guard let version = versions.first(where: { $0.version == wanted }) else {
            throw APIFailure(404, "Preset '\(slug)' has no version \(wanted) (it has 1 to \(versions.count)).")
        }
        return .json(OpenRouterItem(data: PresetVersionItem(version)))
    }

    // MARK: - Create

    func createFromChat(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.createVersion(request, skin: .chat)
    }

    func createFromMessages(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.createVersion(request, skin: .messages)
    }

    func createFromResponses(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.createVersion(request, skin: .responses)
    }

    /// A new version of preset `slug` (the preset itself on the first call), designated at once.
    private func createVersion(_ request: APIRequest, skin: PresetSourceBody.Skin) async throws -> ControlPlane.Response
    {
        let slug = try Self.slug(request.parameter("slug"))
        let body: PresetSourceBody
        do {
            body = try request.decode(PresetSourceBody.self)
        } catch var failure as APIFailure {
            failure.message += " Send the \(skin.name) body."
            throw failure
        }
        try body.check(as: skin)
        let kept = body.members.filter { Self.keptFields.contains($0.key) }
        let (preset, version) = try await self.context.store.addPresetVersion(
            slug: slug,
            systemPrompt: body.systemPrompt(as: skin),
            config: SortedJSON.text(JSONValue.object(kept))
        )
        try await self.context.host.storeChanged()
        self.context.logger.info(
            "preset version created",
            metadata: ["slug": "\(slug)", "version": "\(version.version)"]
        )
        return .json(OpenRouterItem(data: PresetItem.make(preset, designated: version)))
    }

    // MARK: - Helpers

    private static func slug(_ text: String) throws -> String {
        guard !text.isEmpty, text.count <= 128,
            text.utf8.allSatisfy({ $0 < 128 && (isalnum(Int32($0)) != 0 || $0 == 46 || $0 == 45 || $0 == 95) })
        else {
            throw APIFailure(400, "Invalid preset slug '\(text)': use letters, digits, '.', '-' and '_'.")
        }
        return text
    }

    /// `offset` (default 0; `null` too) and `limit` (1 to 100, default 50) applied to `items`.
    private static func page<T>(_ items: [T], _ query: [String: String]) throws -> ArraySlice<T> {
        var offset = 0
        if let text = query["offset"], text != "null" {
            guard let value = Int(text), value >= 0 else {
                throw APIFailure(400, "'offset' must be an integer of 0 or more.")
            }
            offset = value
        }
        var limit = 50
        // `offset` may be null (the schema says so); `limit` may not.
        if let text = query["limit"] {
            guard let value = Int(text), (1...100).contains(value) else {
                throw APIFailure(400, "'limit' must be an integer from 1 to 100.")
            }
            limit = value
        }
        let start = min(items.count, offset)
        return items[start..<min(items.count, start + limit)]
    }

    private static func notFound(_ slug: String) -> APIFailure {
        APIFailure(404, "Preset '\(slug)' not found.")
    }
}
