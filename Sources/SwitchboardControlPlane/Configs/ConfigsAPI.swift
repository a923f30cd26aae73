import SwitchboardCore
import SwitchboardStore

/// Portkey's configs (`/v1/configs`): routing documents stored with their versions. A config is checked as
/// the data plane will read it before it is stored.
struct ConfigsAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    func list(_ request: APIRequest) async throws -> ControlPlane.Response {
        let configs = try await self.context.store.listConfigs()
        return .json(PortkeyList(configs.map { ConfigItem($0, includeConfig: false) }))
    }

    func create(_ request: APIRequest) async throws -> ControlPlane.Response {
        let body = try request.decode(CreateConfigBody.self)
        let text = try self.checked(body.config)
        let slug = body.slug ?? Slugs.make(name: body.name)
        let stored: StoredConfig
        do {
            stored = try await self.context.store.createConfig(
                slug: slug,
                name: body.name,
                config: text,
                isDefault: body.isDefault
            )
        } catch let error as StoreError where error.code == .conflict {
            throw APIFailure(409, "A config with slug '\(slug)' already exists; choose another slug or update it.")
        }
        try await self.context.host.storeChanged()
        return .json(PortkeyItem(ConfigWritten(id: stored.id, slug: stored.slug, version_id: stored.versionID)))
    }

    func get(_ request: APIRequest) async throws -> ControlPlane.Response {
        let slug = request.parameter("slug")
        guard let stored = try await self.context.store.config(slug: slug) else { throw Self.notFound(slug) }
        return .json(PortkeyItem(ConfigItem(stored, includeConfig: true)))
    }

    func update(_ request: APIRequest) async throws -> ControlPlane.Response {
        let slug = request.parameter("slug")
        let body = try request.decode(UpdateConfigBody.self)
        let text = try body.config.map(self.checked)
        guard body.name != nil || body.status != nil || text != nil else {
            throw APIFailure(400, "Nothing to update: send 'name', 'config' or 'status'.")
        }
        guard
            let stored = try await self.context.store.updateConfig(
                slug: slug,
                name: body.name,
                config: text,
                status: body.status
            )
        else { throw Self.notFound(slug) }
        try await self.context.host.storeChanged()
        return .json(PortkeyItem(ConfigWritten(version_id: stored.versionID)))
    }

    func delete(_ request: APIRequest) async throws -> ControlPlane.Response {
        let slug = request.parameter("slug")
        guard try await self.context.store.deleteConfig(slug: slug) else { throw Self.notFound(slug) }
        try await self.context.host.storeChanged()
        return .success
    }

    func versions(_ request: APIRequest) async throws -> ControlPlane.Response {
        let slug = request.parameter("slug")
        guard let stored = try await self.context.store.config(slug: slug),
            let versions = try await self.context.store.configVersions(slug: slug)
        else { throw Self.notFound(slug) }
        return .json(PortkeyList(versions.map { ConfigItem(stored, version: $0) }))
    }

    /// The config's JSON text, after checking it as the data plane will read it: its shape, and that every
    /// provider it names exists.
    private func checked(_ value: JSONValue) throws -> String {
        let text: String
        switch value {
        case .string(let string): text = string
        case .object: text = SortedJSON.text(value)
        default: throw APIFailure(400, "'config' must be a JSON object (a Portkey config).")
        }
        let config: PortkeyConfig
        do {
            config = try PortkeyConfig.parse(text: text)
        } catch {
            throw APIFailure(400, error.message ?? "Invalid config passed", errors: error.errors)
        }
        let host = self.context.host
        if let missing = config.guardrailReferences.first(where: { host.storedGuardrail($0.savedSlug!) == nil }) {
            throw APIFailure(
                400,
                "\(missing.location): no saved guardrail '\(missing.savedSlug!)'; create it with POST /v1/guardrails "
                    + "or put the checks inline."
            )
        }
        let unknown = host.config.unknownProviders(in: config) { host.storedCredential($0) != nil }
        if !unknown.isEmpty {
            throw APIFailure(
                400,
                "Unknown provider \(unknown.map { "'\($0)'" }.joined(separator: ", ")) in config; configured: "
                    + "\(host.config.providerSlugs.joined(separator: ", ")), a well-known provider id, or "
                    + "the slug of a stored provider, virtual key or integration."
            )
        }
        return text
    }

    private static func notFound(_ slug: String) -> APIFailure {
        APIFailure(404, "Config '\(slug)' not found.")
    }
}
