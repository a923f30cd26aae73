import Foundation
import Logging
import SwitchboardCore
import SwitchboardStore

/// The models registry under `/api/v0/models` (spec/models-api.md): cursor-paged listing, get with a strong
/// ETag, PUT create-or-replace guarded by `If-Match`, delete refused while a preset or config uses the model.
/// Success in a `{status,message,data}` envelope; errors as RFC 7807 `application/problem+json`.
extension ControlPlane {
    func routeModels(
        method: String,
        path: Substring,
        query: [String: String],
        headers: [String: String],
        body: [UInt8]
    ) async throws -> Response {
        let instance = String(path)
        let id = path.count > "/api/v0/models/".count ? String(path.dropFirst("/api/v0/models/".count)) : nil
        let project =
            query["project"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            ?? StoredRegistryModel.defaultProject
        switch (method, id) {
        case ("GET", nil): return try await self.listModels(project: project, query: query, instance: instance)
        case ("GET", let id?): return try await self.getModel(project: project, id: id, instance: instance)
        case ("PUT", let id?):
            return try await self.putModel(project: project, id: id, ifMatch: headers["if-match"], body, instance)
        case ("DELETE", let id?): return try await self.deleteModel(project: project, id: id, instance: instance)
        default:
            throw Problem(405, "method_not_allowed", "\(method) is not allowed on \(path).", instance: instance)
        }
    }

    // MARK: - List

    private func listModels(project: String, query: [String: String], instance: String) async throws -> Response {
        var limit = Int(query["limit"] ?? "") ?? 50
        if limit <= 0 { limit = 50 }
        limit = min(limit, 500)
        let prefix = (query["q"] ?? "").trimmingCharacters(in: .whitespaces)
        let all = try await self.store.listRegistryModels(project: project)
            .filter { prefix.isEmpty || $0.id.hasPrefix(prefix) }
            .sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
        let window: ArraySlice<StoredRegistryModel>
        switch try RegistryCursor(query["cursor"], instance: instance) {
        case nil:
            window = all.prefix(limit)
        case .after(let id)?:
            let start = all.firstIndex { Array(id.utf8).lexicographicallyPrecedes(Array($0.id.utf8)) } ?? all.endIndex
            window = all[start...].prefix(limit)
        case .before(let id)?:
            let end = all.firstIndex { !Array($0.id.utf8).lexicographicallyPrecedes(Array(id.utf8)) } ?? all.endIndex
            window = all[..<end].suffix(limit)
        }
        var page: [(key: String, value: JSONValue)] = [("limit", .number(Double(limit)))]
        if !all.isEmpty { page.append(("total", .number(Double(all.count)))) }
        var links: [String] = []
        func link(_ cursor: RegistryCursor, _ relation: String) {
            var components = URLComponents()
            components.path = instance
            var items = query.filter { $0.key != "cursor" }.sorted { $0.key < $1.key }
                .map { URLQueryItem(name: $0.key, value: $0.value) }
            items.append(URLQueryItem(name: "cursor", value: cursor.token))
            components.queryItems = items
            links.append("<\(components.string ?? instance)>; rel=\"\(relation)\"")
        }
        if let last = window.last, last.id != all.last?.id {
            page.append(("next_cursor", .string(RegistryCursor.after(last.id).token)))
            link(.after(last.id), "next")
        }
        if let first = window.first, first.id != all.first?.id {
            page.append(("prev_cursor", .string(RegistryCursor.before(first.id).token)))
            link(.before(first.id), "prev")
        }
        let models = window.map { stored -> JSONValue in
            var members = RegistryModelFields(json: stored.body)?.dto(id: stored.id, isDefault: stored.isDefault) ?? []
            members.append(("etag", .string(stored.etag)))
            return .object(members)
        }
        return .json(
            Self.envelope(200, "models retrieved", .object([("models", .array(models)), ("page", .object(page))])),
            headers: links.isEmpty ? [] : [("link", links.joined(separator: ", "))]
        )
    }

    // MARK: - Get, put, delete

    private func getModel(project: String, id: String, instance: String) async throws -> Response {
        guard let stored = try await self.store.registryModel(project: project, id: id) else {
            throw Problem(404, "not_found", "Model '\(id)' not found in project '\(project)'.", instance: instance)
        }
        let fields = RegistryModelFields(json: stored.body)?.dto(id: stored.id, isDefault: stored.isDefault) ?? []
        return .json(
            Self.envelope(200, "model retrieved", .object(fields)),
            headers: [("etag", "\"\(stored.etag)\"")]
        )
    }

    private func putModel(
        project: String,
        id: String,
        ifMatch header: String?,
        _ body: [UInt8],
        _ instance: String
    ) async throws -> Response {
        let ifMatch = try Self.ifMatch(header, instance: instance)
        guard !body.isEmpty, let parsed = JSONValue(parsing: body), parsed.members != nil else {
            throw Problem(
                400,
                "invalid_request",
                "invalid request body: send a JSON object with the model's fields.",
                instance: instance
            )
        }
        let config = self.host.config
        let (fields, literalKey, isDefault) = try RegistryModelFields.parse(parsed, pathID: id, instance: instance) {
            config.provider($0) != nil || KnownProviders.all[RegistryModelFields.providerID($0)] != nil
        }
        var record = StoredRegistryModel(project: project, id: id, body: "", isDefault: isDefault)
        var stored = fields
        if let literalKey {
            record.sealedAPIKey = try self.host.vault.seal(literalKey, for: "model:\(project)/\(id)")
            stored.apiKeyHint = CredentialVault.mask(literalKey)
        }
        record.body = stored.json
        let status: Int
        switch try await self.store.putRegistryModel(record, ifMatch: ifMatch) {
        case .created(let saved): (status, record) = (201, saved)
        case .replaced(let saved): (status, record) = (200, saved)
        case .etagMismatch:
            throw Problem(
                412,
                "etag_mismatch",
                "If-Match does not match the model's current ETag; GET it again.",
                instance: instance
            )
        case .staleIfMatch:
            throw Problem(
                412,
                "stale_if_match",
                "If-Match was sent but model '\(id)' does not exist; PUT without If-Match to create it.",
                instance: instance
            )
        case .defaultTaken(let other):
            throw Problem(
                409,
                "default_taken",
                "Model '\(other)' is already the default of project '\(project)'; unset it first.",
                instance: instance
            )
        }
        try await self.host.storeChanged()
        self.logger.info(
            status == 201 ? "registry model created" : "registry model updated",
            metadata: ["id": "\(id)", "project": "\(project)"]
        )
        var headers = [("etag", "\"\(record.etag)\"")]
        if status == 201 { headers.append(("location", "/api/v0/models/\(id)")) }
        return .json(
            Self.envelope(
                status,
                status == 201 ? "model created" : "model updated",
                .object(stored.dto(id: id, isDefault: isDefault))
            ),
            status: status,
            headers: headers
        )
    }

    private func deleteModel(project: String, id: String, instance: String) async throws -> Response {
        guard try await self.store.registryModel(project: project, id: id) != nil else {
            throw Problem(404, "not_found", "Model '\(id)' not found in project '\(project)'.", instance: instance)
        }
        let references = try await self.references(to: id)
        if !references.isEmpty {
            let names = references.map { "\($0.resource) \($0.ids.joined(separator: ", "))" }.joined(separator: "; ")
            var problem = Problem(
                409,
                "model_referenced",
                "Model '\(id)' is used by \(names); change those first.",
                instance: instance
            )
            problem.references = references
            throw problem
        }
        _ = try await self.store.deleteRegistryModel(project: project, id: id)
        try await self.host.storeChanged()
        self.logger.info("registry model deleted", metadata: ["id": "\(id)", "project": "\(project)"])
        return Response(status: 204, body: [])
    }

    /// Presets (their designated version's `model` / `models`) and stored configs (a target's
    /// `override_params.model`) that name model `id`.
    private func references(to id: String) async throws -> [(resource: String, ids: [String])] {
        var presets: [String] = []
        for (preset, version) in try await self.store.designatedPresetVersions() {
            let config = JSONValue(parsing: Array(version.config.utf8))
            if config?["model"]?.string == id || (config?["models"]?.array ?? []).contains(.string(id)) {
                presets.append(preset.slug)
            }
        }
        var configs: [String] = []
        for stored in try await self.store.listConfigs() {
            guard let config = try? PortkeyConfig.parse(text: stored.config) else { continue }
            var pending = [config]
            while let node = pending.popLast() {
                pending += node.targets
                if node.overrideParams?.contains(where: { $0.key == "model" && $0.value == .string(id) }) == true {
                    configs.append(stored.slug)
                    break
                }
            }
        }
        var references: [(resource: String, ids: [String])] = []
        if !presets.isEmpty { references.append(("presets", presets.sorted())) }
        if !configs.isEmpty { references.append(("configs", configs.sorted())) }
        return references
    }

    /// `If-Match`: absent or blank → none; the first of a list; quotes stripped; `*` and weak tags refused.
    private static func ifMatch(_ header: String?, instance: String) throws -> String? {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let first = header.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if first == "*" {
            throw Problem(
                400,
                "invalid_if_match",
                "If-Match: * is not supported; send the model's ETag.",
                instance: instance
            )
        }
        if first.hasPrefix("W/") {
            throw Problem(
                400,
                "invalid_if_match",
                "weak etag not allowed in If-Match; send the strong ETag.",
                instance: instance
            )
        }
        return first.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    private static func envelope(_ status: Int, _ message: String, _ data: JSONValue) -> JSONValue {
        .object([("status", .number(Double(status))), ("message", .string(message)), ("data", data)])
    }
}

/// A listing cursor: base64url (no padding) of `v2:after:ID` or `v2:before:ID`.
enum RegistryCursor {
    case after(String)
    case before(String)

    /// The cursor in `text`; `nil` for none.
    /// - Throws: ``Problem`` 400 `invalid_cursor` for anything else.
    init?(_ text: String?, instance: String) throws {
        guard let text, !text.isEmpty else { return nil }
        let invalid = Problem(400, "invalid_cursor", "Invalid cursor parameter", instance: instance)
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix("v2:")
        else { throw invalid }
        let parts = decoded.dropFirst(3).split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty else { throw invalid }
        switch parts[0] {
        case "after": self = .after(String(parts[1]))
        case "before": self = .before(String(parts[1]))
        default: throw invalid
        }
    }

    var token: String {
        let payload: String
        switch self {
        case .after(let id): payload = "v2:after:\(id)"
        case .before(let id): payload = "v2:before:\(id)"
        }
        return Data(payload.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// An RFC 7807 problem (`application/problem+json`), with the registry's `code` and, on 409, `references`.
struct Problem: ControlPlaneError {
    var status: Int
    var code: String
    var detail: String
    var instance: String
    var references: [(resource: String, ids: [String])] = []

    init(_ status: Int, _ code: String, _ detail: String, instance: String) {
        self.status = status
        self.code = code
        self.detail = detail
        self.instance = instance
    }

    var response: ControlPlane.Response {
        var members: [(key: String, value: JSONValue)] = [
            ("type", .string("about:blank")),
            ("title", .string(HTTPReason.phrase(self.status))),
            ("status", .number(Double(self.status))),
            ("detail", .string(self.detail)),
            ("instance", .string(self.instance)),
            ("code", .string(self.code)),
        ]
        if !self.references.isEmpty {
            members.append(
                (
                    "references",
                    .array(
                        self.references.map {
                            .object([("resource", .string($0.resource)), ("ids", .array($0.ids.map(JSONValue.string)))])
                        }
                    )
                )
            )
        }
        var response = ControlPlane.Response.json(.object(members), status: self.status)
        response.contentType = "application/problem+json"
        return response
    }
}

enum HTTPReason {
    static func phrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 412: "Precondition Failed"
        default: "Internal Server Error"
        }
    }
}

extension RegistryModelFields {
    /// `params` keys and what each must hold.
    static let paramKinds: [String: String] = [
        "max_tokens": "integer", "temperature": "number", "top_p": "number", "top_k": "integer", "seed": "integer",
        "stop_words": "strings", "min_length": "integer", "max_length": "integer", "repetition_penalty": "number",
        "frequency_penalty": "number", "presence_penalty": "number", "n": "integer", "candidate_count": "integer",
        "metadata": "object",
    ]

    /// Reads a PUT body. PUT replaces the whole model: fields left out are cleared.
    static func parse(
        _ body: JSONValue,
        pathID: String,
        instance: String,
        knownProvider: (String) -> Bool
    ) throws -> (fields: RegistryModelFields, literalKey: String?, isDefault: Bool) {
        func bad(_ detail: String) -> Problem { Problem(400, "invalid_request", detail, instance: instance) }
        func string(_ key: String) throws -> String? {
            guard let value = body[key], value != .null else { return nil }
            guard let text = value.string else { throw bad("'\(key)' must be a string, not \(value.typeName).") }
            return text
        }
        let allowed: Set<String> = [
            "id", "resource", "etag", "provider", "model", "api_key", "api_url", "params", "organization", "default",
            "max_tool_iterations", "pricing",
        ]
        if let unknown = body.members?.first(where: { !allowed.contains($0.key) }) {
            throw bad(
                "unknown field '\(unknown.key)'; a model has \(allowed.subtracting(["id", "resource", "etag"]).sorted().joined(separator: ", "))."
            )
        }
        guard let provider = try string("provider"), !provider.isEmpty else {
            throw bad(
                "'provider' is required (e.g. openai, anthropic, groq, ollama, or a provider of the config file)."
            )
        }
        guard knownProvider(provider) else { throw bad("unknown provider '\(provider)'.") }
        guard let model = try string("model"), !model.isEmpty else {
            throw bad("'model' is required: the provider's model name.")
        }
        if let id = try string("id"), id != pathID, id != "\(provider):\(model)" {
            throw bad("'id' in the body ('\(id)') disagrees with the path ('\(pathID)').")
        }
        var fields = RegistryModelFields(provider: provider, model: model)
        var literalKey: String?
        if let key = try string("api_key"), !key.isEmpty {
            if Self.environmentName(key) != nil { fields.apiKeyReference = key } else { literalKey = key }
        }
        if let url = try string("api_url"), !url.isEmpty {
            guard UpstreamURL(parsing: url) != nil else { throw bad("'api_url' must be an http:// or https:// URL.") }
            fields.apiURL = url
        }
        fields.organization = try string("organization")
        if let value = body["max_tool_iterations"], value != .null {
            guard let count = value.int, count >= 0 else { throw bad("'max_tool_iterations' must be an integer ≥ 0.") }
            fields.maxToolIterations = count
        }
        if let pricing = body["pricing"], pricing != .null {
            guard ModelPrice(pricing) != nil else {
                throw bad("'pricing' needs request_token and response_token prices (US cents per token).")
            }
            fields.pricing = pricing
        }
        var isDefault = false
        if let value = body["default"], value != .null {
            guard let flag = value.bool else { throw bad("'default' must be true or false.") }
            isDefault = flag
        }
        if let params = body["params"], params != .null {
            guard let members = params.members else { throw bad("'params' must be an object.") }
            for (key, value) in members {
                guard let kind = Self.paramKinds[key] else {
                    throw bad(
                        "unknown params key '\(key)'; known: \(Self.paramKinds.keys.sorted().joined(separator: ", "))."
                    )
                }
                let fits: Bool
                switch kind {
                case "integer": fits = value.int != nil
                case "number": fits = value.number != nil
                case "strings": fits = value.array?.allSatisfy { $0.string != nil } ?? false
                default: fits = value.members != nil
                }
                let phrase =
                    ["integer": "an integer", "number": "a number", "strings": "an array of strings"][kind]
                    ?? "an object"
                guard fits else { throw bad("'params.\(key)' must be \(phrase).") }
            }
            fields.params = members.sorted { $0.key < $1.key }
        }
        return (fields, literalKey, isDefault)
    }

    /// The API's model object (`ModelDTO`): empty fields left out, a literal key shown masked.
    func dto(id: String, isDefault: Bool) -> [(key: String, value: JSONValue)] {
        var members: [(key: String, value: JSONValue)] = [
            ("resource", .string("model")), ("id", .string("\(self.provider):\(self.model)")),
            ("provider", .string(self.provider)), ("model", .string(self.model)),
        ]
        if let key = self.apiKeyReference ?? self.apiKeyHint { members.append(("api_key", .string(key))) }
        if let url = self.apiURL { members.append(("api_url", .string(url))) }
        if !self.params.isEmpty { members.append(("params", .object(self.params))) }
        if let organization = self.organization { members.append(("organization", .string(organization))) }
        if isDefault { members.append(("default", .bool(true))) }
        if self.maxToolIterations > 0 {
            members.append(("max_tool_iterations", .number(Double(self.maxToolIterations))))
        }
        return members
    }
}
