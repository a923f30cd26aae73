import Logging
import SwitchboardCore
import SwitchboardStore

/// Portkey's `/v1/virtual-keys`, `/v1/providers` and `/v1/integrations`: three views over one credential
/// table. An integration holds a provider id and its secret; a provider is a handle (`@slug`) that draws on an
/// integration; a virtual key is the older form of a provider with its own secret. Secrets are sealed before
/// they are stored and never leave the gateway: listings show a masked hint at most.
struct CredentialsAPI<View: CredentialView>: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    private var kind: CredentialKind { View.kind }

    func list(_ request: APIRequest) async throws -> ControlPlane.Response {
        if self.kind == .integration, let type = request.query["type"],
            !["workspace", "organisation", "all"].contains(type)
        {
            throw APIFailure(400, "'type' must be workspace, organisation or all (every integration here is both).")
        }
        let all = try await self.context.store.listCredentials(kinds: self.kind.viewed)
        let page = try Paging.page(all, query: request.query, defaultSize: self.kind == .integration ? 100 : 50)
        if self.kind == .integration {
            return .json(PortkeyList(page.map { IntegrationItem.make($0, detailed: false) }, total: all.count))
        }
        return .json(PortkeyList(page.map { KeyCredentialItem.make($0, view: self.kind) }, total: all.count))
    }

    func get(_ request: APIRequest) async throws -> ControlPlane.Response {
        let credential = try await self.find(request.parameter("slug"))
        if self.kind == .integration { return .json(IntegrationItem.make(credential, detailed: true)) }
        return .json(KeyCredentialItem.make(credential, view: self.kind))
    }

    func create(_ request: APIRequest) async throws -> ControlPlane.Response {
        let body = try request.decode(CredentialBody.self)
        guard let name = body.name else {
            throw APIFailure(400, "'name' is required: a non-empty string naming the \(self.kind.noun.lowercased()).")
        }
        var credential = StoredCredential(
            slug: body.slug ?? Self.slug(name: name, kind: self.kind),
            kind: self.kind,
            name: name,
            provider: ""
        )
        switch self.kind {
        case .virtualKey:
            credential.provider = try self.providerID(body.provider, field: "provider")
        case .integration:
            credential.provider = try self.providerID(body.ai_provider_id, field: "ai_provider_id")
        case .provider:
            guard let integration = body.integration_id else {
                throw APIFailure(400, "'integration_id' is required: the slug of the integration this provider uses.")
            }
            guard try await self.context.store.credential(slug: integration, kinds: [.integration]) != nil else {
                throw APIFailure(400, "'integration_id': integration '\(integration)' not found; create it first.")
            }
            credential.integration = integration
        }
        try self.seal(body, into: &credential)
        credential.details = body.details(over: CredentialDetails(), kind: self.kind).text
        try await self.insert(credential)
        var reply = CredentialCreated(id: credential.id, slug: credential.slug)
        if self.kind == .virtualKey { reply.data = .init(slug: credential.slug) }
        if self.kind == .integration, body.create_default_provider {
            let provider = StoredCredential(
                slug: body.default_provider_slug ?? credential.slug,
                kind: .provider,
                name: name,
                provider: "",
                integration: credential.slug
            )
            try await self.insert(provider)
            reply.default_provider_slug = provider.slug
        }
        try await self.context.host.storeChanged()
        self.context.logger.info(
            "provider credential created",
            metadata: ["slug": "\(credential.slug)", "kind": "\(self.kind)", "provider": "\(credential.provider)"]
        )
        return .json(reply)
    }

    func update(_ request: APIRequest) async throws -> ControlPlane.Response {
        let slug = request.parameter("slug")
        let body = try request.decode(CredentialBody.self)
        var credential = try await self.find(slug)
        credential.name = body.name ?? credential.name
        credential.status = body.status ?? credential.status
        try self.seal(body, into: &credential)
        let details = body.details(over: CredentialDetails(text: credential.details), kind: credential.kind)
        credential.details = details.text
        guard let updated = try await self.context.store.updateCredential(credential) else {
            throw APIFailure(404, "\(self.kind.noun) '\(slug)' not found.")
        }
        try await self.context.host.storeChanged()
        self.context.logger.info(
            "provider credential updated",
            metadata: ["slug": "\(slug)", "kind": "\(updated.kind)"]
        )
        if self.kind == .integration { return .json(PortkeyItem(IntegrationItem.make(updated, detailed: true))) }
        return .json(PortkeyItem(KeyCredentialItem.make(updated, view: self.kind)))
    }

    func delete(_ request: APIRequest) async throws -> ControlPlane.Response {
        let found = try await self.find(request.parameter("slug"))
        do {
            _ = try await self.context.store.deleteCredential(slug: found.slug, kind: found.kind)
        } catch let error as StoreError where error.code == .inUse {
            throw APIFailure(409, error.detail)
        }
        try await self.context.host.storeChanged()
        self.context.logger.info(
            "provider credential deleted",
            metadata: ["slug": "\(found.slug)", "kind": "\(found.kind)"]
        )
        return .success
    }

    // MARK: - Helpers

    private func find(_ slug: String) async throws -> StoredCredential {
        guard let found = try await self.context.store.credential(slug: slug, kinds: self.kind.viewed) else {
            throw APIFailure(404, "\(self.kind.noun) '\(slug)' not found.")
        }
        return found
    }

    private func insert(_ credential: StoredCredential) async throws {
        do {
            try await self.context.store.createCredential(credential)
        } catch let error as StoreError where error.code == .conflict {
            throw APIFailure(409, "\(credential.kind.noun) slug '\(credential.slug)' is taken; choose another 'slug'.")
        }
    }

    /// The body's secret, sealed, and where a provider's host belongs.
    private func seal(_ body: CredentialBody, into credential: inout StoredCredential) throws {
        if credential.kind == .provider, body.custom_host != nil {
            throw APIFailure(400, "'custom_host' belongs to the integration; a provider uses its integration's.")
        }
        guard credential.kind != .provider, let secret = body.key else { return }
        credential.sealedSecret = try self.context.host.vault.seal(secret, for: credential.id)
        credential.secretHint = CredentialVault.mask(secret)
    }

    /// A provider id a credential may name: a configured provider or a well-known id.
    private func providerID(_ id: String?, field: String) throws -> String {
        let config = self.context.host.config
        let choices =
            "configured: \(config.providerSlugs.joined(separator: ", ")); well-known: "
            + KnownProviders.all.keys.sorted().joined(separator: ", ")
        guard let id else { throw APIFailure(400, "'\(field)' is required: a provider id (\(choices)).") }
        guard config.provider(id) != nil || KnownProviders.all[id] != nil else {
            throw APIFailure(400, "'\(field)': unknown provider '\(id)' (\(choices)).")
        }
        return id
    }

    /// Portkey's slugs: a provider or integration is named after itself; a virtual key gets a random suffix.
    private static func slug(name: String, kind: CredentialKind) -> String {
        let base = Slugs.base(name)
        return kind == .virtualKey || base.isEmpty ? Slugs.make(name: name, prefix: "") : base
    }
}
