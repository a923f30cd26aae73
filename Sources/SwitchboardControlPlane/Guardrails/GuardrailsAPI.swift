import SwitchboardCore
import SwitchboardStore

/// Portkey's saved guardrails (`/v1/guardrails`, docs/guardrails.md): checks and actions stored under a `guard_…`
/// slug with their versions, and named from configs (`"input_guardrails": ["guard_…"]`). A guardrail is checked
/// as a config's inline one is before it is stored; a change reaches the configs that name it at once.
struct GuardrailsAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    func list(_ request: APIRequest) async throws -> ControlPlane.Response {
        let guardrails = try await self.context.store.listGuardrails()
        return .json(PortkeyList(guardrails.map { GuardrailItem($0, detailed: false) }))
    }

    func create(_ request: APIRequest) async throws -> ControlPlane.Response {
        let body = try Self.document(request)
        guard let name = body["name"]?.string, !name.isEmpty else {
            throw APIFailure(400, "'name' is required: a non-empty string naming the guardrail.")
        }
        guard body["checks"] != nil else { throw APIFailure(400, "'checks' is required: [{id, parameters}, …].") }
        guard body["actions"] != nil else { throw APIFailure(400, "'actions' is required: {deny, async, …}.") }
        var slug = Slugs.make(name: name, prefix: "guard_")
        if let given = body["slug"] {
            guard let text = given.string, text.hasPrefix("guard_"), Slug.isValid(text, allowingDots: false) else {
                throw APIFailure(400, "'slug' must start with 'guard_' and use a-z, 0-9, '-' and '_'.")
            }
            slug = text
        }
        let stored: StoredConfig
        do {
            stored = try await self.context.store.createGuardrail(
                slug: slug,
                name: name,
                guardrail: try Self.checked(body, slug: slug)
            )
        } catch let error as StoreError where error.code == .conflict {
            throw APIFailure(409, "The slug '\(slug)' is taken; choose another one.")
        }
        try await self.context.host.storeChanged()
        return .json(PortkeyItem(GuardrailWritten(id: stored.id, slug: stored.slug, version_id: stored.versionID)))
    }

    func get(_ request: APIRequest) async throws -> ControlPlane.Response {
        .json(PortkeyItem(GuardrailItem(try await self.stored(request), detailed: true)))
    }

    func update(_ request: APIRequest) async throws -> ControlPlane.Response {
        let current = try await self.stored(request)
        let body = try Self.document(request)
        guard body["name"] != nil || body["checks"] != nil || body["actions"] != nil else {
            throw APIFailure(400, "Nothing to update: send 'name', 'checks' or 'actions'.")
        }
        if let name = body["name"], name.string?.isEmpty != false {
            throw APIFailure(400, "'name' must be a non-empty string.")
        }
        // What is not sent stays as it was.
        let old = JSONValue(parsing: Array(current.config.utf8)) ?? .object([])
        var merged = old.members ?? []
        for key in ["name", "checks", "actions"] {
            guard let value = body[key] else { continue }
            merged.removeAll { $0.key == key }
            merged.append((key, value))
        }
        let text = try Self.checked(.object(merged), slug: current.slug)
        guard
            let stored = try await self.context.store.updateGuardrail(
                slug: current.slug,
                name: body["name"]?.string,
                guardrail: text
            )
        else { throw Self.notFound(current.slug) }
        try await self.context.host.storeChanged()
        return .json(PortkeyItem(GuardrailWritten(id: stored.id, slug: stored.slug, version_id: stored.versionID)))
    }

    func delete(_ request: APIRequest) async throws -> ControlPlane.Response {
        let current = try await self.stored(request)
        _ = try await self.context.store.deleteGuardrail(slug: current.slug)
        try await self.context.host.storeChanged()
        return .success
    }

    func versions(_ request: APIRequest) async throws -> ControlPlane.Response {
        let current = try await self.stored(request)
        guard let versions = try await self.context.store.guardrailVersions(slug: current.slug) else {
            throw Self.notFound(current.slug)
        }
        return .json(PortkeyList(versions.map { GuardrailItem(current, version: $0) }))
    }

    /// The guardrail the path names, by slug or id.
    private func stored(_ request: APIRequest) async throws -> StoredConfig {
        let key = request.parameter("id")
        if let stored = try await self.context.store.guardrail(slug: key) { return stored }
        if let stored = try await self.context.store.listGuardrails().first(where: { $0.id == key }) { return stored }
        throw Self.notFound(key)
    }

    private static func document(_ request: APIRequest) throws -> JSONValue {
        guard let body = JSONValue(parsing: request.body), body.members != nil else {
            throw APIFailure(400, "The body must be a JSON object: {name, checks, actions}.")
        }
        return body
    }

    /// The document stored: `{name, checks, actions}`, after checking it as requests will read it.
    private static func checked(_ body: JSONValue, slug: String) throws -> String {
        if case .failure(let error) = GuardrailHook.saved(body, slug: slug) {
            let first = error.problems[0]
            throw APIFailure(400, "'\(first.path)' \(first.message)", errors: error.errors)
        }
        let kept = (body.members ?? []).filter { ["name", "checks", "actions"].contains($0.key) }
        return JSONValue.object(kept).jsonText
    }

    private static func notFound(_ key: String) -> APIFailure {
        APIFailure(404, "Guardrail '\(key)' not found.")
    }
}

/// A guardrail as Portkey shows it (`GuardrailSummary`; `checks` and `actions` too on a get).
struct GuardrailItem: Encodable {
    var id: String
    var name: String
    var slug: String
    var organisation_id = LocalTenant.id
    var workspace_id = LocalTenant.id
    var status: String
    var owner_id = LocalTenant.id
    var updated_by = LocalTenant.id
    var created_at: String
    var last_updated_at: String
    var version_id: String
    var object = "guardrail"
    var checks: JSONValue?
    var actions: JSONValue?

    init(_ stored: StoredConfig, detailed: Bool) {
        self.id = stored.id
        self.name = stored.name
        self.slug = stored.slug
        self.status = stored.status
        self.created_at = stored.createdAt
        self.last_updated_at = stored.lastUpdatedAt
        self.version_id = stored.versionID
        if detailed { self.show(stored.config) }
    }

    /// One version: its name, checks and actions at the time.
    init(_ stored: StoredConfig, version: StoredConfigVersion) {
        self.init(stored, detailed: false)
        self.name = version.name
        self.created_at = version.createdAt
        self.last_updated_at = version.createdAt
        self.version_id = version.versionID
        self.show(version.config)
    }

    private mutating func show(_ text: String) {
        let document = JSONValue(parsing: Array(text.utf8))
        self.checks = document?["checks"] ?? .array([])
        self.actions = document?["actions"] ?? .object([])
    }
}

/// What a create or an update answers.
struct GuardrailWritten: Encodable {
    var id: String
    var slug: String
    var version_id: String
    var object = "guardrail"
}
