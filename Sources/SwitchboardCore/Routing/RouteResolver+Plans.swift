/// Plans: Portkey configs (inline, named, default) and OpenRouter's `models` / `provider` routing fields.
extension RouteResolver {
    /// Resolves `request` into one target, or a plan when a config or OpenRouter's routing fields ask for
    /// strategies. A plan that comes down to one plain target is returned as ``Route/target(_:)``.
    /// - Throws: ``GatewayError`` (4xx) naming what is wrong.
    public func route(_ request: RoutingRequest) throws(GatewayError) -> Route {
        let plan: RoutePlan
        if let text = request.config {
            let config: PortkeyConfig
            if let parsed = request.parsedConfig {
                config = parsed
            } else if text.hasPrefix("{") {
                do { config = try PortkeyConfig.parse(text: text) } catch { throw error.gatewayError }
            } else {
                config = try self.namedConfig(text)
            }
            // A config that only names a prompt routes by the model the prompt rendered (`virtual_key/model`).
            if config.promptID != nil, config.provider == nil, config.virtualKey == nil, config.strategy == nil {
                return .target(try self.resolve(request))
            }
            plan = RoutePlan(root: try self.node(config, path: "config", inherited: Inherited(), request: request))
        } else if request.models != nil || request.providerPreferences != nil {
            plan = try self.openRouterPlan(request)
        } else if request.provider == nil, request.model == nil, request.virtualKey == nil,
            let slug = self.config.defaultRoute?.config, self.storedModels?(nil) == nil
        {
            plan = RoutePlan(
                root: try self.node(
                    try self.namedConfig(slug),
                    path: "config",
                    inherited: Inherited(),
                    request: request
                )
            )
        } else {
            return .target(try self.resolve(request))
        }
        if case .leaf(let leaf) = plan.root, leaf.retry.attempts == 0, plan.consumedBodyKeys.isEmpty {
            return .target(leaf.target)
        }
        return .plan(plan)
    }

    /// The model a config target sends when its config does not set one: the body's model with the target's
    /// own `SLUG/` prefix stripped and aliases resolved ("mock/mock-1" to provider mock goes as "mock-1");
    /// `nil` to leave the body's model as it is.
    public func upstreamModel(for target: RouteTarget, requestModel: String?) -> String? {
        guard target.mapsRequestModel, target.model == nil, let model = requestModel,
            let index = target.configuredIndex
        else { return target.model }
        let own = self.config.providers[index]
        var name = Substring(model)
        for prefix in ["@\(own.slug)/", "\(own.slug)/"] where name.hasPrefix(prefix) {
            name = name.dropFirst(prefix.count)
        }
        let upstream = own.upstreamModel(for: String(name))
        return upstream == model ? nil : upstream
    }

    /// Whether the plan for `request` depends only on its config, endpoint and whether it names a model,
    /// so the server may reuse it for later requests with the same three.
    public static func planIsReusable(_ request: RoutingRequest) -> Bool {
        request.config != nil && request.provider == nil && request.virtualKey == nil && request.customHost == nil
            && request.requestTimeout == nil && request.forwardHeaders == nil
    }

    /// `hooks` with their references to saved guardrails replaced by them (keeping the reference's kind), and the
    /// URLs of their `webhook` and `log` checks held to the custom-host rules.
    /// - Parameter output: the hooks run on the answer, where only `async` ones may call out.
    func resolved(_ hooks: [GuardrailHook], output: Bool = false) throws(GatewayError) -> [GuardrailHook] {
        var result: [GuardrailHook] = []
        for var hook in hooks {
            if let slug = hook.savedSlug {
                guard let saved = self.storedGuardrails?(slug) else {
                    let problem = ConfigValidationError.Problem(
                        path: hook.location,
                        message: "no saved guardrail '\(slug)'; create it with POST /v1/guardrails or put the checks "
                            + "inline"
                    )
                    throw ConfigValidationError(problems: [problem]).gatewayError
                }
                hook = GuardrailHook(
                    id: saved.id,
                    kind: hook.kind,
                    checks: saved.checks,
                    deny: saved.deny,
                    async: saved.async,
                    onFail: saved.onFail,
                    onSuccess: saved.onSuccess
                )
            }
            for check in hook.checks where check.check.callsOut {
                try self.checkCallout(check, async: hook.async, output: output)
            }
            result.append(hook)
        }
        return result
    }

    private func checkCallout(_ check: GuardrailHook.Check, async: Bool, output: Bool) throws(GatewayError) {
        let problem = { (message: String) in
            GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "invalid_guardrail",
                param: check.check.id,
                message: message,
                format: .portkey
            )
        }
        if output, !async {
            throw problem(
                "\(check.check.id) calls out: on the answer it runs only in a hook with \"async\": true "
                    + "(docs/guardrails.md)"
            )
        }
        let url = check.parameters[check.check == .webhook ? "webhookURL" : "logURL"]?.string ?? ""
        if case .failure(let error) = self.hostValidator.validate(url) {
            throw problem("The URL of \(check.check.id) is refused: \(error.message)")
        }
    }

    /// A config from the store or the config file (`configs:`), by slug.
    func namedConfig(_ slug: String) throws(GatewayError) -> PortkeyConfig {
        if let config = self.storedConfigs?(slug) ?? self.config.configs[slug] { return config }
        let known = self.config.configs.keys.sorted()
        throw GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "unknown_config",
            param: "x-portkey-config",
            message: "Config '\(slug)' not found. "
                + (known.isEmpty
                    ? "No configs are defined; add one under 'configs:' in the config file or send the config as JSON."
                    : "Defined configs: \(known.joined(separator: ", ")); or send the config as JSON."),
            format: .portkey
        )
    }

    // MARK: - Portkey configs

    /// Settings passed down the config tree (spec/portkey.md B2 step 1).
    struct Inherited {
        var overrides: [(key: String, value: JSONValue)] = []
        var retry: RetryPolicy?
        var requestTimeoutMs: Int?
        var customHost: String?
        var forwardHeaders: [String]?
        var breaker: CircuitBreakerSettings?
        var cache: CacheSettings?
        var beforeHooks: [GuardrailHook] = []
        var afterHooks: [GuardrailHook] = []
    }

    func node(
        _ config: PortkeyConfig,
        path: String,
        inherited parent: Inherited,
        request: RoutingRequest
    ) throws(GatewayError) -> PlanNode {
        var inherited = parent
        for (key, value) in config.overrideParams ?? [] {
            if let index = inherited.overrides.firstIndex(where: { $0.key == key }) {
                inherited.overrides[index].value = value
            } else {
                inherited.overrides.append((key, value))
            }
        }
        inherited.retry = config.retry ?? parent.retry
        inherited.requestTimeoutMs = config.requestTimeoutMs ?? parent.requestTimeoutMs
        inherited.customHost = config.customHost ?? parent.customHost
        inherited.forwardHeaders = config.forwardHeaders ?? parent.forwardHeaders
        inherited.breaker = config.circuitBreaker ?? parent.breaker
        inherited.cache = config.cache ?? parent.cache
        inherited.beforeHooks =
            try config.hooks.before.map { hooks throws(GatewayError) in try self.resolved(hooks) }
            ?? parent.beforeHooks
        inherited.afterHooks =
            try config.hooks.after.map { hooks throws(GatewayError) in try self.resolved(hooks, output: true) }
            ?? parent.afterHooks
        guard let strategy = config.strategy else {
            return .leaf(try self.leaf(config, path: path, inherited: inherited, request: request))
        }
        var children: [PlanNode] = []
        for (index, target) in config.targets.enumerated() {
            children.append(
                try self.node(target, path: "\(path).targets[\(index)]", inherited: inherited, request: request)
            )
        }
        switch strategy.mode {
        case .single:
            return children[0]
        case .fallback:
            return .fallback(onStatusCodes: strategy.onStatusCodes, children: children)
        case .loadbalance:
            return .loadbalance(weights: config.targets.map { $0.weight ?? 1 }, children: children)
        case .conditional:
            func index(_ name: String) -> Int? { config.targets.firstIndex { $0.name == name } }
            return .conditional(
                conditions: strategy.conditions.compactMap { condition in
                    index(condition.then).map { (query: condition.query, child: $0) }
                },
                defaultChild: strategy.defaultTarget.flatMap(index),
                children: children
            )
        }
    }

    private func leaf(
        _ config: PortkeyConfig,
        path: String,
        inherited: Inherited,
        request: RoutingRequest
    ) throws(GatewayError) -> PlanLeaf {
        let customHost = request.customHost ?? inherited.customHost
        var target: RouteTarget
        if let slug = config.virtualKey {
            target = try self.credentialTarget(slug, customHost: customHost, param: "\(path).virtual_key")
            if let key = config.apiKey { target.apiKey = key }
        } else if let provider = config.provider ?? request.provider {
            target = try self.adHocTarget(provider, customHost: customHost, apiKey: config.apiKey)
        } else if let slug = request.virtualKey {
            target = try self.credentialTarget(slug, customHost: customHost, param: "x-portkey-virtual-key")
            if let key = config.apiKey { target.apiKey = key }
        } else {
            throw Self.configError(
                "Either x-portkey-provider needs to be passed. Or the x-portkey-config header should have a "
                    + "valid config with provider details in it. (\(path) names no provider.)"
            )
        }
        target.model = nil
        // The body's model is mapped when each attempt is made (``upstreamModel(for:requestModel:)``), so
        // that a plan does not depend on it and can be reused across requests.
        target.mapsRequestModel = target.configuredIndex != nil
        target.overrides = inherited.overrides.map { (key: $0.key, json: Array($0.value.jsonText.utf8)) }
        target.requestTimeoutMs = try request.requestTimeoutMs() ?? inherited.requestTimeoutMs
        target.forwardHeaders = try request.forwardHeaderList() ?? inherited.forwardHeaders ?? []
        target.cache = inherited.cache
        target.beforeHooks = inherited.beforeHooks
        target.afterHooks = inherited.afterHooks
        target.optionIndex = path
        try self.check(target, for: request)
        return PlanLeaf(
            target: target,
            retry: inherited.retry ?? .none,
            breaker: inherited.breaker ?? self.config.routing.circuitBreaker
        )
    }

    /// The checks every routed target passes: a model for JSON APIs, and a provider kind that serves the endpoint.
    func check(_ target: RouteTarget, for request: RoutingRequest) throws(GatewayError) {
        if request.endpoint.inspectsBody, request.model == nil, target.model == nil,
            !target.overrides.contains(where: { $0.key == "model" })
        {
            throw .missingModel(endpoint: "/v1/\(request.endpoint.label)")
        }
        guard target.kind.serves(request.endpoint) else {
            throw GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "unsupported_endpoint",
                message: "Provider '\(target.provider)' (kind: \(target.kind.rawValue)) does not serve "
                    + "/v1/\(request.endpoint.label); choose a provider that speaks it."
            )
        }
    }

    // MARK: - OpenRouter

    /// `models: [...]` as an ordered fallback list, each model tried on the providers that can serve it, ordered
    /// and filtered by `provider.order` / `only` / `ignore` / `allow_fallbacks`.
    func openRouterPlan(_ request: RoutingRequest) throws(GatewayError) -> RoutePlan {
        let preferences = try ProviderPreferences(request.providerPreferences)
        var names: [String] = []
        for name in [request.model].compactMap({ $0 }) + (request.models ?? []) where !names.contains(name) {
            names.append(name)
        }
        guard !names.isEmpty else { throw .missingModel(endpoint: "/v1/\(request.endpoint.label)") }
        var children: [PlanNode] = []
        for (modelIndex, name) in names.enumerated() {
            let candidates = self.candidates(for: name, preferences: preferences)
            for (position, candidate) in candidates.enumerated() {
                var target = try self.configuredTarget(candidate.index)
                target.model = candidate.model
                target.requestTimeoutMs = try request.requestTimeoutMs()
                target.optionIndex =
                    candidates.count == 1 ? "models[\(modelIndex)]" : "models[\(modelIndex)].providers[\(position)]"
                try self.check(target, for: request)
                children.append(.leaf(PlanLeaf(target: target, breaker: self.config.routing.circuitBreaker)))
            }
        }
        guard !children.isEmpty else {
            throw GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "no_provider",
                param: "provider",
                message: "No configured provider can serve \(names.map { "'\($0)'" }.joined(separator: ", ")) "
                    + "with the given provider preferences. Configured providers: "
                    + "\(self.config.providerSlugs.joined(separator: ", "))."
            )
        }
        let root: PlanNode = children.count == 1 ? children[0] : .fallback(onStatusCodes: nil, children: children)
        return RoutePlan(root: root, consumedBodyKeys: ["models", "provider", "route"])
    }

    /// The providers that can serve `name`, in the order they are tried: the one its `PROVIDER/` prefix
    /// names (or the provider listing it), then others listing it; `provider.order` first when given.
    private func candidates(for name: String, preferences: ProviderPreferences) -> [(index: Int, model: String)] {
        var bare = Substring(name)
        if bare.hasPrefix("@") { bare = bare.dropFirst() }
        var prefixed: Int?
        if let slash = bare.firstIndex(of: "/"), let index = self.indexBySlug[String(bare[..<slash])] {
            prefixed = index
            bare = bare[bare.index(after: slash)...]
        }
        let canonical = String(bare)
        let providers = self.config.providers
        func model(_ index: Int) -> String? {
            let provider = providers[index]
            if index == prefixed || provider.lists(canonical) { return provider.upstreamModel(for: canonical) }
            if provider.lists(name) { return provider.upstreamModel(for: name) }
            return nil
        }
        var natural: [Int] = prefixed.map { [$0] } ?? []
        for index in providers.indices where index != prefixed && model(index) != nil { natural.append(index) }
        if natural.isEmpty, prefixed == nil, !name.contains("/"), let route = self.config.defaultRoute,
            let provider = route.provider, let index = self.indexBySlug[provider]
        {
            natural.append(index)
        }
        var ordered: [(index: Int, model: String)] = []
        for slug in preferences.order {
            guard let index = self.indexBySlug[slug], !ordered.contains(where: { $0.index == index }) else { continue }
            // A provider named in `order` with no model list takes any model.
            if let served = model(index) ?? (providers[index].models.isEmpty ? canonical : nil) {
                ordered.append((index, served))
            }
        }
        if preferences.allowFallbacks || preferences.order.isEmpty {
            for index in natural where !ordered.contains(where: { $0.index == index }) {
                if let served = model(index) ?? (index == natural.first ? canonical : nil) {
                    ordered.append((index, served))
                }
                if !preferences.allowFallbacks { break }
            }
        }
        return ordered.filter { candidate in
            let slug = providers[candidate.index].slug
            return (preferences.only.map { $0.contains(slug) } ?? true) && !preferences.ignore.contains(slug)
        }
    }
}

/// OpenRouter's `provider` object, the fields that choose among providers.
struct ProviderPreferences {
    var order: [String] = []
    var only: [String]?
    var ignore: [String] = []
    var allowFallbacks = true

    init(_ value: JSONValue?) throws(GatewayError) {
        guard let value, value != .null else { return }
        guard let members = value.members else { throw .invalidField("provider", "must be an object") }
        func slugs(_ value: JSONValue, _ key: String) throws(GatewayError) -> [String] {
            guard let items = value.array, items.allSatisfy({ $0.string != nil }) else {
                throw .invalidField("provider.\(key)", "must be an array of provider slugs")
            }
            return items.compactMap(\.string).map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 }
        }
        for (key, item) in members {
            switch key {
            case "order": self.order = try slugs(item, key)
            case "only": self.only = try slugs(item, key)
            case "ignore": self.ignore = try slugs(item, key)
            case "allow_fallbacks":
                guard let flag = item.bool else { throw .invalidField("provider.allow_fallbacks", "must be a boolean") }
                self.allowFallbacks = flag
            default: continue  // sort, max_price, data_collection, …: accepted, no local meaning yet
            }
        }
    }
}

extension RoutingRequest {
    /// `x-portkey-request-timeout`, which wins over a config's `request_timeout`.
    func requestTimeoutMs() throws(GatewayError) -> Int? {
        guard let text = self.requestTimeout else { return nil }
        guard let ms = Int(text.trimmingSpaces), ms > 0 else {
            throw GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "invalid_header",
                param: "x-portkey-request-timeout",
                message: "x-portkey-request-timeout must be a positive integer (milliseconds), not '\(text)'.",
                format: .portkey
            )
        }
        return ms
    }

    /// `x-portkey-forward-headers`, split.
    func forwardHeaderList() throws(GatewayError) -> [String]? {
        guard let text = self.forwardHeaders else { return nil }
        let names = text.split(separator: ",").map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }
        if names.contains(where: { $0.lowercased() == "x-portkey-forward-headers" }) {
            throw RouteResolver.configError("forward_headers must not contain the 'x-portkey-forward-headers' header")
        }
        return names
    }
}
