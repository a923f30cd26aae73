import Foundation

/// Turns a request's model and `x-portkey-*` headers into a ``RouteTarget``.
///
/// Precedence (DESIGN.md §1): `x-portkey-config` (see ``route(_:)``), then `x-portkey-provider` (with
/// `x-portkey-custom-host`), then a `PROVIDER/MODEL` (or `@PROVIDER/MODEL`) prefix, then a provider that lists
/// the bare model name, then the default route. Built once per configuration; it reads only immutable state.
public struct RouteResolver: Sendable {
    public let config: GatewayConfig
    /// Looks up configs kept in the store (the server's in-memory snapshot); they win over `configs:` of the
    /// config file with the same slug.
    public var storedConfigs: (@Sendable (String) -> PortkeyConfig?)?
    /// Looks up stored provider credentials by slug (the server's in-memory snapshot).
    public var storedCredentials: (@Sendable (String) -> ProviderCredential?)?
    /// Looks up models of the models registry by id; `nil` asks for the default project's default model.
    public var storedModels: (@Sendable (String?) -> RegistryModel?)?
    /// Looks up saved guardrails by slug, for configs that name them.
    public var storedGuardrails: (@Sendable (String) -> GuardrailHook?)?
    let indexBySlug: [String: Int]
    let hostValidator: CustomHostValidator
    /// One ready target per configured provider, built once: a request copies one instead of assembling it.
    private let configuredTargets: [RouteTarget?]

    public init(config: GatewayConfig) {
        self.config = config
        var index: [String: Int] = [:]
        for (position, provider) in config.providers.enumerated() { index[provider.slug] = position }
        self.indexBySlug = index
        self.hostValidator = CustomHostValidator(trustedHosts: config.server.trustedCustomHosts)
        self.configuredTargets = config.providers.enumerated().map { position, provider in
            provider.baseURL.map { upstream in
                var target = RouteTarget(
                    provider: provider.slug,
                    configuredIndex: position,
                    kind: provider.kind,
                    upstream: upstream,
                    apiKey: provider.apiKey,
                    headers: provider.headers
                )
                target.caFile = provider.caFile
                return target
            }
        }
    }

    /// Resolves a request that names no config and no OpenRouter routing fields to one target.
    /// - Throws: ``GatewayError`` (4xx) naming what is wrong and what would work.
    public func resolve(_ request: RoutingRequest) throws(GatewayError) -> RouteTarget {
        var target: RouteTarget
        if let provider = request.provider {
            target = try self.adHocTarget(provider, customHost: request.customHost, apiKey: nil)
            target.model = nil
        } else if let slug = request.virtualKey {
            target = try self.credentialTarget(slug, customHost: request.customHost, param: "x-portkey-virtual-key")
        } else if let model = request.model {
            target = try self.resolveModel(model)
        } else if let stored = self.storedModels?(nil) {
            target = try self.registryTarget(stored)
        } else if let route = self.config.defaultRoute, let provider = route.provider,
            let index = self.indexBySlug[provider]
        {
            target = try self.configuredTarget(index)
            target.model = route.model
        } else {
            throw self.noRoute(model: nil)
        }
        target.requestTimeoutMs = try request.requestTimeoutMs()
        if request.forwardHeaders != nil { target.forwardHeaders = try request.forwardHeaderList() ?? [] }
        try self.check(target, for: request)
        return target
    }

    // MARK: - Model names

    private func resolveModel(_ model: String) throws(GatewayError) -> RouteTarget {
        // Registry ids look like `provider:model`; others are looked up only when nothing else serves them.
        if model.utf8.contains(UInt8(ascii: ":")), let stored = self.storedModels?(model) {
            return try self.registryTarget(stored)
        }
        // Split as bytes (`@` and `/` are ASCII): every request's model name goes through here.
        var name = Substring(model)
        let credentialForm = model.utf8.first == UInt8(ascii: "@")
        if credentialForm { name = name.dropFirst() }
        if let slash = name.utf8.firstIndex(of: UInt8(ascii: "/")) {
            let prefix = String(name[..<slash])
            let rest = String(name[name.utf8.index(after: slash)...])
            if let index = self.indexBySlug[prefix] {
                var target = try self.configuredTarget(index)
                target.model = self.config.providers[index].upstreamModel(for: rest)
                return target
            }
            // `@SLUG/MODEL`: a stored credential (Portkey's model catalog form).
            if credentialForm {
                var target = try self.credentialTarget(prefix, customHost: nil, param: "model")
                target.model = target.configuredIndex.map { self.config.providers[$0].upstreamModel(for: rest) } ?? rest
                return target
            }
        }
        // A bare (or namespaced) model listed by one provider goes there.
        if let index = self.config.providers.firstIndex(where: { $0.lists(model) }) {
            var target = try self.configuredTarget(index)
            target.model = self.config.providers[index].upstreamModel(for: model)
            return target
        }
        if let stored = self.storedModels?(model) { return try self.registryTarget(stored) }
        if model.utf8.contains(UInt8(ascii: "/")) { throw self.noRoute(model: model) }
        guard let route = self.config.defaultRoute, let provider = route.provider,
            let index = self.indexBySlug[provider]
        else {
            throw self.noRoute(model: model)
        }
        var target = try self.configuredTarget(index)
        target.model = self.config.providers[index].upstreamModel(for: model)
        return target
    }

    func configuredTarget(_ index: Int) throws(GatewayError) -> RouteTarget {
        guard let target = self.configuredTargets[index] else {
            throw .upstreamUnavailable(
                provider: self.config.providers[index].slug,
                reason: "it has no address yet (still starting)"
            )
        }
        return target
    }

    /// A target named by `x-portkey-provider` or a config's `provider`: a configured slug (optionally `@slug`),
    /// a stored credential's slug, or a well-known provider id used with the client's own key.
    func adHocTarget(
        _ name: String,
        customHost: String?,
        apiKey: String?
    ) throws(GatewayError)
        -> RouteTarget
    {
        let slug = name.hasPrefix("@") ? String(name.dropFirst()) : name
        var target: RouteTarget
        if let base = try self.providerTarget(slug) {
            target = base
        } else if self.storedCredentials?(slug) != nil {
            target = try self.credentialTarget(slug, customHost: nil, param: "x-portkey-provider")
        } else {
            throw GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "unknown_provider",
                param: "x-portkey-provider",
                message: "Invalid provider passed: '\(name)'. Configured providers: "
                    + "\(self.config.providerSlugs.joined(separator: ", ")); well-known ids: "
                    + "\(KnownProviders.all.keys.sorted().joined(separator: ", ")); or the slug of a stored provider, "
                    + "virtual key or integration.",
                format: .portkey
            )
        }
        if let customHost {
            switch self.hostValidator.validate(customHost) {
            case .success(let url): target.upstream = url
            case .failure(let error): throw error
            }
        }
        if let apiKey { target.apiKey = apiKey }
        return target
    }

    /// The target of a registry model: its provider's kind and address (or its own), key, model and defaults.
    func registryTarget(_ stored: RegistryModel) throws(GatewayError) -> RouteTarget {
        guard var target = try self.providerTarget(stored.provider) else {
            throw GatewayError(
                status: 500,
                type: "api_error",
                code: "unknown_provider",
                param: "model",
                message: "Registry model '\(stored.id)' names provider '\(stored.provider)', which is not configured; "
                    + "replace it with PUT /api/v0/models/\(stored.id) or add the provider to the config file."
            )
        }
        if let url = stored.baseURL { target.upstream = url }
        if let key = stored.apiKey { target.apiKey = key }
        target.model = stored.model
        target.defaults = stored.defaults
        return target
    }

    /// A configured provider's target, or a well-known provider id's with the client's own key; `nil` for
    /// any other name.
    private func providerTarget(_ slug: String) throws(GatewayError) -> RouteTarget? {
        if let index = self.indexBySlug[slug] { return try self.configuredTarget(index) }
        guard let known = KnownProviders.all[slug], let upstream = UpstreamURL(parsing: known.baseURL) else {
            return nil
        }
        return RouteTarget(provider: slug, configuredIndex: nil, kind: known.kind, upstream: upstream, apiKey: nil)
    }

    /// The target of stored credential `slug` (a provider, virtual key or integration): its provider's
    /// address and kind, its base URL, its secret; `customHost` wins over the address. `param` names where the
    /// slug came from, for errors.
    func credentialTarget(_ slug: String, customHost: String?, param: String) throws(GatewayError) -> RouteTarget {
        guard let credential = self.storedCredentials?(slug) else {
            throw GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "unknown_provider",
                param: param,
                message: "No stored provider, virtual key or integration has slug '\(slug)' (\(param)). Create one "
                    + "with POST /v1/providers, /v1/virtual-keys or /v1/integrations, or list them with GET.",
                format: .portkey
            )
        }
        if let problem = credential.unusable {
            throw GatewayError(
                status: problem.status,
                type: problem.status < 500 ? "invalid_request_error" : "api_error",
                code: "unusable_credential",
                param: param,
                message: "Provider '\(slug)' cannot be used: \(problem.reason)",
                format: .portkey
            )
        }
        if let expiry = credential.expiresAt, expiry <= Date().timeIntervalSince1970 {
            throw GatewayError(
                status: 401,
                type: "authentication_error",
                code: "expired_credential",
                param: param,
                message: "Provider '\(slug)' expired (its expires_at has passed); set a later expires_at with PUT.",
                format: .portkey
            )
        }
        guard var target = try self.providerTarget(credential.provider) else {
            throw GatewayError(
                status: 500,
                type: "api_error",
                code: "unknown_provider",
                param: param,
                message: "Provider '\(slug)' names provider '\(credential.provider)', which is no longer configured; "
                    + "update it with PUT or add the provider to the config file.",
                format: .portkey
            )
        }
        if let url = credential.baseURL { target.upstream = url }
        if let key = credential.apiKey { target.apiKey = key }
        target.credential = slug
        if let customHost {
            switch self.hostValidator.validate(customHost) {
            case .success(let url): target.upstream = url
            case .failure(let error): throw error
            }
        }
        return target
    }

    static func configError(_ message: String) -> GatewayError {
        GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "invalid_config",
            param: "x-portkey-config",
            message: message,
            format: .portkey
        )
    }

    private func noRoute(model: String?) -> GatewayError {
        let configured = self.config.providerSlugs.joined(separator: ", ")
        let message: String
        if let model, let slash = model.firstIndex(of: "/") {
            message =
                "Unknown provider '\(model[..<slash])' in model '\(model)'. Configured providers: \(configured). "
                + "Write the model as \"PROVIDER/MODEL\" with one of them."
        } else {
            message =
                "No provider serves model '\(model ?? "")' and no default_route is configured. Configured "
                + "providers: \(configured). Write the model as \"PROVIDER/MODEL\"."
        }
        return GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "unknown_provider",
            param: "model",
            message: message
        )
    }
}
