import Foundation
import Logging
import SwitchboardCore
import SwitchboardStore

/// The models registry under `/api/v0/models` (spec/models-api.md): cursor-paged listing, get with a strong
/// ETag, PUT create-or-replace guarded by `If-Match`, delete refused while a preset or config uses the model.
/// Success in a `{status,message,data}` envelope; errors as RFC 7807 `application/problem+json`.
struct RegistryAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    private func project(_ request: APIRequest) -> String {
        request.query["project"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            ?? StoredRegistryModel.defaultProject
    }

    func list(_ request: APIRequest) async throws -> ControlPlane.Response {
        let query = request.query
        var limit = Int(query["limit"] ?? "") ?? 50
        if limit <= 0 { limit = 50 }
        limit = min(limit, 500)
        let prefix = (query["q"] ?? "").trimmingCharacters(in: .whitespaces)
        let all = try await self.context.store.listRegistryModels(project: self.project(request))
            .filter { prefix.isEmpty || $0.id.hasPrefix(prefix) }
            .sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
        let window: ArraySlice<StoredRegistryModel>
        switch try RegistryCursor(query["cursor"]) {
        case nil:
            window = all.prefix(limit)
        case .after(let id)?:
            let start = all.firstIndex { Array(id.utf8).lexicographicallyPrecedes(Array($0.id.utf8)) } ?? all.endIndex
            window = all[start...].prefix(limit)
        case .before(let id)?:
            let end = all.firstIndex { !Array($0.id.utf8).lexicographicallyPrecedes(Array(id.utf8)) } ?? all.endIndex
            window = all[..<end].suffix(limit)
        }
        var page = RegistryPage.Page(limit: limit, total: all.isEmpty ? nil : all.count)
        var links: [String] = []
        func link(_ cursor: RegistryCursor, _ relation: String) {
            var components = URLComponents()
            components.path = request.path
            var items = query.filter { $0.key != "cursor" }.sorted { $0.key < $1.key }
                .map { URLQueryItem(name: $0.key, value: $0.value) }
            items.append(URLQueryItem(name: "cursor", value: cursor.token))
            components.queryItems = items
            links.append("<\(components.string ?? request.path)>; rel=\"\(relation)\"")
        }
        if let last = window.last, last.id != all.last?.id {
            page.next_cursor = RegistryCursor.after(last.id).token
            link(.after(last.id), "next")
        }
        if let first = window.first, first.id != all.first?.id {
            page.prev_cursor = RegistryCursor.before(first.id).token
            link(.before(first.id), "prev")
        }
        let models = window.compactMap { RegistryModelItem($0, withETag: true) }
        return .json(
            RegistryEnvelope(status: 200, message: "models retrieved", data: RegistryPage(models: models, page: page)),
            headers: links.isEmpty ? [] : [("link", links.joined(separator: ", "))]
        )
    }

    func get(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (project, id) = (self.project(request), request.parameter("id"))
        guard let stored = try await self.context.store.registryModel(project: project, id: id),
            let item = RegistryModelItem(stored, withETag: false)
        else { throw Self.notFound(id, project) }
        return .json(
            RegistryEnvelope(status: 200, message: "model retrieved", data: item),
            headers: [("etag", "\"\(stored.etag)\"")]
        )
    }

    func put(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (project, id) = (self.project(request), request.parameter("id"))
        let ifMatch = try Self.ifMatch(request.headers["if-match"])
        guard JSONValue(parsing: request.body)?.members != nil else {
            throw APIFailure(400, "invalid request body: send a JSON object with the model's fields.")
        }
        let body = try request.decode(RegistryModelBody.self)
        let config = self.context.host.config
        guard
            config.provider(body.provider) != nil
                || KnownProviders.all[RegistryModelFields.providerID(body.provider)] != nil
        else { throw APIFailure(400, "unknown provider '\(body.provider)'.") }
        if let bodyID = body.id, bodyID != id, bodyID != "\(body.provider):\(body.model)" {
            throw APIFailure(400, "'id' in the body ('\(bodyID)') disagrees with the path ('\(id)').")
        }
        var record = StoredRegistryModel(project: project, id: id, body: "", isDefault: body.isDefault)
        var fields = body.fields
        if let literalKey = body.literalKey {
            record.sealedAPIKey = try self.context.host.vault.seal(literalKey, for: "model:\(project)/\(id)")
            fields.apiKeyHint = CredentialVault.mask(literalKey)
        }
        record.body = fields.json
        let status: Int
        switch try await self.context.store.putRegistryModel(record, ifMatch: ifMatch) {
        case .created(let saved): (status, record) = (201, saved)
        case .replaced(let saved): (status, record) = (200, saved)
        case .etagMismatch:
            throw APIFailure(
                412,
                "If-Match does not match the model's current ETag; GET it again.",
                code: "etag_mismatch"
            )
        case .staleIfMatch:
            throw APIFailure(
                412,
                "If-Match was sent but model '\(id)' does not exist; PUT without If-Match to create it.",
                code: "stale_if_match"
            )
        case .defaultTaken(let other):
            throw APIFailure(
                409,
                "Model '\(other)' is already the default of project '\(project)'; unset it first.",
                code: "default_taken"
            )
        }
        try await self.context.host.storeChanged()
        self.context.logger.info(
            status == 201 ? "registry model created" : "registry model updated",
            metadata: ["id": "\(id)", "project": "\(project)"]
        )
        var headers = [("etag", "\"\(record.etag)\"")]
        if status == 201 { headers.append(("location", "/api/v0/models/\(id)")) }
        let item = RegistryModelItem(fields, isDefault: body.isDefault)
        let message = status == 201 ? "model created" : "model updated"
        return .json(RegistryEnvelope(status: status, message: message, data: item), status: status, headers: headers)
    }

    func delete(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (project, id) = (self.project(request), request.parameter("id"))
        guard try await self.context.store.registryModel(project: project, id: id) != nil else {
            throw Self.notFound(id, project)
        }
        let references = try await self.references(to: id)
        if !references.isEmpty {
            let names = references.map { "\($0.resource) \($0.ids.joined(separator: ", "))" }.joined(separator: "; ")
            var failure = APIFailure(
                409,
                "Model '\(id)' is used by \(names); change those first.",
                code: "model_referenced"
            )
            failure.references = references
            throw failure
        }
        _ = try await self.context.store.deleteRegistryModel(project: project, id: id)
        try await self.context.host.storeChanged()
        self.context.logger.info("registry model deleted", metadata: ["id": "\(id)", "project": "\(project)"])
        return .noContent
    }

    /// Presets (their designated version's `model` / `models`) and stored configs (a target's
    /// `override_params.model`) that name model `id`.
    private func references(to id: String) async throws -> [ProblemDocument.Reference] {
        var presets: [String] = []
        for (preset, version) in try await self.context.store.designatedPresetVersions() {
            let config = JSONValue(parsing: Array(version.config.utf8))
            if config?["model"]?.string == id || (config?["models"]?.array ?? []).contains(.string(id)) {
                presets.append(preset.slug)
            }
        }
        var configs: [String] = []
        for stored in try await self.context.store.listConfigs() {
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
        var references: [ProblemDocument.Reference] = []
        if !presets.isEmpty { references.append(.init(resource: "presets", ids: presets.sorted())) }
        if !configs.isEmpty { references.append(.init(resource: "configs", ids: configs.sorted())) }
        return references
    }

    /// `If-Match`: absent or blank → none; the first of a list; quotes stripped; `*` and weak tags refused.
    private static func ifMatch(_ header: String?) throws -> String? {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let first = header.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if first == "*" {
            throw APIFailure(400, "If-Match: * is not supported; send the model's ETag.", code: "invalid_if_match")
        }
        if first.hasPrefix("W/") {
            throw APIFailure(400, "weak etag not allowed in If-Match; send the strong ETag.", code: "invalid_if_match")
        }
        return first.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    private static func notFound(_ id: String, _ project: String) -> APIFailure {
        APIFailure(404, "Model '\(id)' not found in project '\(project)'.")
    }
}
