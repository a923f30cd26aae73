import Logging
import SwitchboardCore
import SwitchboardStore

/// Portkey's API keys (`/v1/api-keys`): the gateway's own keys, stored as hashes, with scopes and defaults.
struct APIKeysAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    /// Portkey's key types (its API has no organisation user keys).
    private static let types = ["organisation-service", "workspace-service", "workspace-user"]

    func list(_ request: APIRequest) async throws -> ControlPlane.Response {
        let all = try await self.context.store.listAPIKeys()
        let page = try Paging.page(all, query: request.query, defaultSize: 100)
        return .json(PortkeyList(page.map(APIKeyItem.init), total: all.count))
    }

    func get(_ request: APIRequest) async throws -> ControlPlane.Response {
        let id = request.parameter("id")
        guard let key = try await self.context.store.apiKey(id: id) else { throw Self.notFound(id) }
        return .json(PortkeyItem(APIKeyItem(key)))
    }

    /// A bare `POST /v1/api-keys` makes a workspace service key.
    func createServiceKey(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.create(type: "workspace-service", request)
    }

    /// Portkey's `POST /v1/api-keys/{type}/{sub_type}`.
    func create(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.create(type: "\(request.parameter("type"))-\(request.parameter("sub_type"))", request)
    }

    private func create(type: String, _ request: APIRequest) async throws -> ControlPlane.Response {
        guard Self.types.contains(type) else {
            throw APIFailure(
                400,
                "Key type '\(type)' is not one of: \(Self.types.joined(separator: ", ")) (path /v1/api-keys/TYPE/SUB-TYPE)."
            )
        }
        let body = try request.decode(APIKeyBody.self)
        try body.checkCreate()
        try self.check(body.defaults)
        let key = APIKeys.generate()
        let record = APIKeys.record(
            key: key,
            name: body.name!,
            description: body.description ?? "",
            type: type,
            scopes: body.scopes!,
            defaults: (body.defaults ?? APIKeyDefaults()).text
        )
        var stored = record
        stored.limits = body.limits(over: "{}")
        try await self.context.store.createAPIKey(stored)
        try await self.context.host.storeChanged()
        self.context.logger.info(
            "API key created",
            metadata: ["id": "\(record.id)", "name": "\(record.name)", "scopes": "\(record.scopes)"]
        )
        return .json(APIKeyIssued(id: record.id, key: key))
    }

    func update(_ request: APIRequest) async throws -> ControlPlane.Response {
        let id = request.parameter("id")
        let body = try request.decode(APIKeyBody.self)
        guard var key = try await self.context.store.apiKey(id: id) else { throw Self.notFound(id) }
        try self.check(body.defaults)
        key.name = body.name ?? key.name
        key.description = body.description ?? key.description
        key.scopes = body.scopes ?? key.scopes
        key.defaults = body.defaults?.text ?? key.defaults
        key.status = body.status ?? key.status
        key.limits = body.limits(over: key.limits)
        guard let updated = try await self.context.store.updateAPIKey(key) else { throw Self.notFound(id) }
        try await self.context.host.storeChanged()
        return .json(PortkeyItem(APIKeyItem(updated)))
    }

    func delete(_ request: APIRequest) async throws -> ControlPlane.Response {
        let id = request.parameter("id")
        guard try await self.context.store.deleteAPIKey(id: id) else { throw Self.notFound(id) }
        try await self.context.host.storeChanged()
        return .success
    }

    /// A new key for `id`; the old one keeps working for `key_transition_period_ms` (default 0: stops at once).
    func rotate(_ request: APIRequest) async throws -> ControlPlane.Response {
        let id = request.parameter("id")
        let body = try request.decode(RotateBody.self, orIfEmpty: RotateBody())
        let key = APIKeys.generate()
        let until = body.period > 0 ? Timestamps.now(plusMilliseconds: body.period) : nil
        guard
            try await self.context.store.rotateAPIKey(
                id: id,
                keyHash: APIKeys.hash(key),
                keyHint: APIKeys.hint(key),
                previousExpiresAt: until
            ) != nil
        else { throw Self.notFound(id) }
        try await self.context.host.storeChanged()
        self.context.logger.info("API key rotated", metadata: ["id": "\(id)", "transition_ms": "\(body.period)"])
        return .json(APIKeyIssued(id: id, key: key, key_transition_expires_at: until ?? Timestamps.now()))
    }

    /// `defaults.config_id` must name a config that exists (stored or in the config file).
    private func check(_ defaults: APIKeyDefaults?) throws {
        guard let slug = defaults?.config_id else { return }
        let host = self.context.host
        guard host.storedConfig(slug) != nil || host.config.configs[slug] != nil else {
            throw APIFailure(400, "'defaults.config_id': config '\(slug)' not found.")
        }
    }

    private static func notFound(_ id: String) -> APIFailure {
        APIFailure(404, "API key '\(id)' not found.")
    }
}
