/// An OpenRouter preset's designated version, parsed for inference: the model, parameters and system prompt
/// that `model: "@preset/SLUG"`, `"preset": "SLUG"` and `model: "MODEL@preset/SLUG"` bring to a request.
public struct Preset: Sendable {
    public var id: String
    public var slug: String
    public var version: Int
    public var systemPrompt: String?
    /// The version's config (`model`, `models`, `provider`, `temperature`, `tools` …).
    public var config: [(key: String, value: JSONValue)]

    /// `cache_enabled`, when the version sets it.
    public var cacheEnabled: Bool? { self.config.first { $0.key == "cache_enabled" }?.value.bool }
    /// `cache_ttl_seconds`, when the version sets it.
    public var cacheTTLSeconds: Int? { self.config.first { $0.key == "cache_ttl_seconds" }?.value.int }

    public init(
        id: String,
        slug: String,
        version: Int,
        systemPrompt: String?,
        config: [(key: String, value: JSONValue)]
    ) {
        self.id = id
        self.slug = slug
        self.version = version
        self.systemPrompt = systemPrompt
        self.config = config
    }
}

/// How a request names a preset.
public struct PresetReference: Sendable, Equatable {
    public var slug: String
    /// The model named beside the preset (`MODEL@preset/SLUG`, or `model` with a `preset` field); it wins over
    /// the preset's. `nil` when the request names none (`@preset/SLUG`).
    public var model: String?

    public init(slug: String, model: String?) {
        self.slug = slug
        self.model = model
    }

    /// The preset a request names, if any: `model` of the form `[MODEL]@preset/SLUG`, else the body's
    /// `preset` field (with `model`, if any, winning).
    public static func find(model: String?, presetField: String?) -> PresetReference? {
        if let model, let marker = Self.marker(in: model) {
            let slug = String(model[marker.upperBound...])
            let named = String(model[..<marker.lowerBound])
            return PresetReference(slug: slug, model: named.isEmpty ? nil : named)
        }
        guard let presetField else { return nil }
        return PresetReference(slug: presetField, model: model)
    }

    /// Where `@preset/` is in `model`. Every request asks, so it is a byte search that stops at once for
    /// models without an `@`.
    private static func marker(in model: String) -> Range<String.Index>? {
        let utf8 = model.utf8
        let marker = "@preset/".utf8
        var start = utf8.startIndex
        while let at = utf8[start...].firstIndex(of: UInt8(ascii: "@")) {
            if utf8[at...].starts(with: marker) {
                return at..<utf8.index(at, offsetBy: marker.count)
            }
            start = utf8.index(after: at)
        }
        return nil
    }
}

/// Applies a preset to a request body (spec/presets.md §5.1): request fields win over the preset's, shallowly;
/// tools are unioned (a request tool replaces the preset tool with its identity, in that tool's slot); the
/// preset's system prompt goes in only when the request brings none. The result is a list of top-level
/// members to set, for ``BodyPatch/make(body:inspection:model:overrides:removing:)``; the rest of the body is
/// not re-encoded.
public enum PresetApplication {
    /// Members to set on the body of a request to `endpoint` that named `preset` by `reference`.
    /// - Throws: ``GatewayError`` (400) when neither the request nor the preset names a model.
    public static func overrides(
        _ preset: Preset,
        reference: PresetReference,
        body: UnsafeRawBufferPointer,
        endpoint: Endpoint
    ) throws(GatewayError) -> [(key: String, json: [UInt8])] {
        var present: [String: JSONValueSpan] = [:]
        _ = try? JSONScanner.scanObject(body) { key, value in
            present[String(decoding: key, as: UTF8.self)] = value
        }
        func requestValue(_ key: String) -> JSONValue? {
            present[key].flatMap { JSONValue(parsing: UnsafeRawBufferPointer(rebasing: body[$0.range])) }
        }
        var result: [(key: String, json: [UInt8])] = []
        var presetModel: JSONValue?
        var presetModels: [JSONValue]?
        for (key, value) in preset.config {
            switch key {
            case "model":
                presetModel = value
            case "models":
                presetModels = value.array
                if present[key] == nil { result.append((key, Array(value.jsonText.utf8))) }
            case "cache_enabled", "cache_ttl_seconds":
                // The gateway's cache settings (OpenRouterCacheControls), not body fields.
                continue
            case "tools":
                if present[key] == nil {
                    result.append((key, Array(value.jsonText.utf8)))
                } else if let mine = requestValue(key)?.array, let theirs = value.array {
                    result.append(
                        (key, Array(JSONValue.array(Self.union(preset: theirs, request: mine)).jsonText.utf8))
                    )
                }
            default:
                if present[key] == nil { result.append((key, Array(value.jsonText.utf8))) }
            }
        }
        if let model = reference.model {
            result.append(("model", Array(JSONString.quote(model).utf8)))
        } else if let model = presetModel?.string ?? presetModels?.first?.string {
            result.append(("model", Array(JSONString.quote(model).utf8)))
        } else {
            throw GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "missing_model",
                param: "model",
                message: "Preset '\(preset.slug)' names no model and neither does the request: send one as "
                    + "\"MODEL@preset/\(preset.slug)\", or save the preset with a model."
            )
        }
        if let prompt = preset.systemPrompt {
            switch endpoint {
            case .chatCompletions:
                if let span = present["messages"], span.kind == .array,
                    let messages = requestValue("messages")?.array,
                    !messages.contains(where: { ["system", "developer"].contains($0["role"]?.string ?? "") })
                {
                    let system = #"{"role":"system","content":"# + JSONString.quote(prompt) + "}"
                    var json = Array(("[" + system).utf8)
                    if !messages.isEmpty { json.append(UInt8(ascii: ",")) }
                    // The request's own messages follow byte for byte.
                    json += body[(span.range.lowerBound + 1)..<span.range.upperBound]
                    result.append(("messages", json))
                }
            case .messages:
                if present["system"] == nil { result.append(("system", Array(JSONString.quote(prompt).utf8))) }
            case .responses:
                if present["instructions"] == nil {
                    result.append(("instructions", Array(JSONString.quote(prompt).utf8)))
                }
            default:
                break
            }
        }
        return result
    }

    /// The preset's tools, each replaced by the request's tool of the same identity, then the request's others.
    static func union(preset: [JSONValue], request: [JSONValue]) -> [JSONValue] {
        var remaining = request
        var merged: [JSONValue] = []
        for tool in preset {
            if let identity = Self.identity(tool),
                let index = remaining.firstIndex(where: { Self.identity($0) == identity })
            {
                merged.append(remaining.remove(at: index))
            } else {
                merged.append(tool)
            }
        }
        return merged + remaining
    }

    /// A tool's identity (spec/presets.md §5.1): advisor and subagent tools by type and `parameters.name`,
    /// function tools by function name, other `openrouter:*` server tools by type.
    static func identity(_ tool: JSONValue) -> String? {
        let type = tool["type"]?.string ?? "function"
        if type == "openrouter:advisor" || type == "openrouter:subagent" {
            return tool["parameters"]?["name"]?.string.map { "\(type):\($0)" }
        }
        if type == "function" {
            return (tool["function"]?["name"]?.string ?? tool["name"]?.string).map { "function:\($0)" }
        }
        return type.hasPrefix("openrouter:") ? type : nil
    }
}
