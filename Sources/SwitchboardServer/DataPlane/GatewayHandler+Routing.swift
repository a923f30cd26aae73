import NIOCore
import NIOHTTP1
import SwitchboardCore
import Synchronization

/// Routing: a JSON body is inspected and passed through the body stages, the route is chosen (Portkey configs,
/// presets, headers, the model's provider), and the request's ``Exchange`` starts its first attempt.
extension GatewayHandler {
    /// A JSON request whose body is complete: inspect it, run the body stages, route it.
    func routeBuffered() {
        // Fields are read through `self.request!` rather than a local copy, which would retain every one of them.
        guard let endpoint = self.request?.endpoint else { return }
        var source = AttemptSource(body: self.request!.body ?? ByteBuffer())
        self.request!.body = nil
        self.noteRequestBody(source.body)
        do throws(GatewayError) {
            source.inspection = try source.body.withUnsafeReadableBytes { bytes throws(GatewayError) in
                try RequestInspection.inspect(bytes, endpoint: endpoint)
            }
            // Gemini names the model, and whether to stream, in the path.
            if endpoint == .generateContent, let path = GeminiPath(self.request!.upstreamPath) {
                source.inspection?.model = path.model
                source.inspection?.stream = path.stream
            }
            for stage in RequestStages.all {
                try stage.bodyRead(&source, request: &self.request!, runtime: self.runtime)
            }
            if let missing = source.inspection?.missingField { throw missing }
        } catch {
            // Pass-through JSON the gateway cannot read is still forwarded; the provider judges it.
            guard endpoint == .passthrough else {
                self.sendError(error)
                return
            }
            source.inspection = nil
        }
        let inspection = source.inspection
        self.request!.model = inspection?.model
        self.request!.stream = inspection?.stream ?? false
        let route: Route
        do {
            var routing = RoutingRequest(endpoint: endpoint, model: inspection?.model, headers: self.routingHeaders)
            if let inspection {
                routing.models = inspection.models
                if let span = inspection.providerSpan {
                    routing.providerPreferences = source.body.withUnsafeReadableBytes { bytes in
                        JSONValue(parsing: UnsafeRawBufferPointer(rebasing: bytes[span.range]))
                    }
                }
            }
            route = try self.route(&routing)
            try self.readConversation(for: route, source: source)
        } catch {
            self.sendError(error)
            return
        }
        if endpoint == .countTokens, !Self.countsTokensUpstream(route) {
            // Only Anthropic counts a Messages body: for any other provider the count is estimated here.
            let estimate = max(1, source.body.readableBytes / 4)
            self.send(status: .ok, contentType: "application/json", body: Array(#"{"input_tokens":\#(estimate)}"#.utf8))
            return
        }
        if case .plan(let plan) = route { source.consumedBodyKeys = plan.consumedBodyKeys }
        self.request!.source = source
        if self.runtime.snapshot.policies.isActive.load(ordering: .relaxed) {
            self.admitUnderPolicies(route)
        } else {
            self.startRoute(route)
        }
    }

    /// Starts a routed request whose body is in ``GatewayRequest/source``.
    func startRoute(_ route: Route) {
        switch route {
        case .target(let target): self.startExchange(.target(target))
        case .plan(let plan): self.startPlan(plan)
        }
    }

    /// When a target of the route speaks another protocol than the client, the body is read once into a
    /// ``Conversation`` for the attempts that translate it: what cannot be translated is refused now, before any
    /// upstream is tried.
    private func readConversation(for route: Route, source: AttemptSource) throws(GatewayError) {
        let endpoint = self.request!.endpoint
        let translates: Bool =
            switch route {
            case .target(let target): TranslationPair(endpoint: endpoint, kind: target.kind) != nil
            case .plan(let plan):
                plan.leaves.contains { TranslationPair(endpoint: endpoint, kind: $0.target.kind) != nil }
            }
        guard translates, let client = endpoint?.wireProtocol else { return }
        guard let body = source.body.withUnsafeReadableBytes({ JSONValue(parsing: $0) }) else {
            throw .invalidField("body", "must be a JSON object")
        }
        var conversation = try client.readRequest(body)
        if let path = GeminiPath(self.request!.upstreamPath), endpoint == .generateContent {
            conversation.model = path.model
            conversation.stream = path.stream
        }
        self.request!.conversation = conversation
    }

    /// Whether a `count_tokens` request goes to its provider: when every target speaks Anthropic's API.
    private static func countsTokensUpstream(_ route: Route) -> Bool {
        switch route {
        case .target(let target): target.kind == .anthropic || target.kind == .mock
        case .plan(let plan): plan.leaves.allSatisfy { $0.target.kind == .anthropic || $0.target.kind == .mock }
        }
    }

    /// A request whose body streams through: route by headers alone and open the upstream right away. Its body
    /// cannot be sent twice, so a plan gives it its first target and no retries.
    func routeStreamedUpload() {
        guard let endpoint = self.request?.endpoint else { return }
        do {
            var routing = RoutingRequest(endpoint: endpoint, model: nil, headers: self.routingHeaders)
            let route = try self.route(&routing)
            // Its body arrives meanwhile, held until the upstream connection is ready (or the policies decide).
            if self.runtime.snapshot.policies.isActive.load(ordering: .relaxed) {
                self.admitUnderPolicies(route)
            } else {
                self.startRoute(route)
            }
        } catch {
            self.request!.mode = .local(.error(error))
        }
    }

    /// The routing headers, with the API key's default config when it has one (and the key does not let a sent
    /// config override it).
    private var routingHeaders: PortkeyHeaders {
        var headers = self.request!.portkey
        if let grant = self.request!.grant, let config = grant.defaultConfig,
            headers.config == nil || !grant.allowConfigOverride
        {
            headers.config = config
        }
        return headers
    }

    /// Resolves a request, reusing the loop's plan for a config it has seen when the plan cannot differ.
    private func route(_ routing: inout RoutingRequest) throws(GatewayError) -> Route {
        guard let config = routing.config else { return try self.runtime.resolver.route(routing) }
        let key = LoopContext.PlanKey(config: config, endpoint: routing.endpoint, hasModel: routing.model != nil)
        let reusable = RouteResolver.planIsReusable(routing)
        let generation = self.runtime.snapshot.generation.load(ordering: .acquiring)
        if generation != self.loop.plansGeneration {
            // The stored configs changed: plans built from the old ones must go.
            self.loop.plans.removeAll()
            self.loop.plansGeneration = generation
        }
        if reusable, let route = self.loop.plans[key] { return route }
        if config.hasPrefix("{") { routing.parsedConfig = try self.inlineConfig(config) }
        let route = try self.runtime.resolver.route(routing)
        if reusable {
            if self.loop.plans.count >= LoopContext.maxCachedConfigs { self.loop.plans.removeAll() }
            self.loop.plans[key] = route
        }
        return route
    }

    /// Parses an inline config, or takes it from the loop's cache of recent ones.
    private func inlineConfig(_ text: String) throws(GatewayError) -> PortkeyConfig {
        if let config = self.loop.inlineConfigs[text] { return config }
        let config: PortkeyConfig
        do { config = try PortkeyConfig.parse(text: text) } catch { throw error.gatewayError }
        if self.loop.inlineConfigs.count >= LoopContext.maxCachedConfigs { self.loop.inlineConfigs.removeAll() }
        self.loop.inlineConfigs[text] = config
        return config
    }

    /// Starts a plan: its first target is chosen (conditions see the metadata and the body).
    private func startPlan(_ plan: RoutePlan) {
        let context =
            plan.needsConditionContext ? self.conditionContext(body: self.request!.source?.body) : ConditionContext()
        let execution: RouteExecution
        do {
            execution = try RouteExecution(
                plan: plan,
                context: context,
                breakers: self.runtime.breakers,
                random: &self.loop.ids
            )
        } catch {
            if case .streamed = self.request!.mode {
                self.request!.mode = .local(.error(error))
                if self.request!.requestEnded { self.sendError(error) }
            } else {
                self.sendError(error)
            }
            return
        }
        if case .streamed = self.request!.mode, self.request!.head.parsed.bodyFraming != .none {
            self.startExchange(.target(execution.leaf.target), skipped: execution.skipped)
        } else {
            self.startExchange(.plan(execution))
        }
    }

    /// `metadata.*` from `x-portkey-metadata` (invalid JSON counts as `{}`) over the API key's default
    /// metadata, `params.*` from the body.
    private func conditionContext(body: ByteBuffer?) -> ConditionContext {
        var context = ConditionContext(path: Self.pathOnly(self.request!.head.uri))
        let members = self.request!.metadata
        if !members.isEmpty { context.metadata = .object(members) }
        if let body, let params = body.withUnsafeReadableBytes({ JSONValue(parsing: $0) }), params.members != nil {
            context.params = params
        }
        return context
    }
}
