/// Every operation the control plane serves, in one place. Each API's handlers live in its folder; the error
/// shape and the docs page are the group's.
extension RouteTable {
    static let all = RouteTable(groups: [
        RouteGroup(
            name: "control-plane",
            prefixes: ["/v1/configs", "/v1/api-keys", "/v1/virtual-keys", "/v1/providers", "/v1/integrations"],
            style: .portkey,
            docs: "docs/control-plane.md",
            routes: [
                .get("/v1/configs", ConfigsAPI.list),
                .post("/v1/configs", ConfigsAPI.create),
                .get("/v1/configs/{slug}", ConfigsAPI.get),
                .put("/v1/configs/{slug}", ConfigsAPI.update),
                .delete("/v1/configs/{slug}", ConfigsAPI.delete),
                .get("/v1/configs/{slug}/versions", ConfigsAPI.versions),

                .get("/v1/api-keys", APIKeysAPI.list),
                .post("/v1/api-keys", APIKeysAPI.createServiceKey),
                .post("/v1/api-keys/{id}/rotate", APIKeysAPI.rotate),
                .post("/v1/api-keys/{type}/{sub_type}", APIKeysAPI.create),
                .get("/v1/api-keys/{id}", APIKeysAPI.get),
                .put("/v1/api-keys/{id}", APIKeysAPI.update),
                .delete("/v1/api-keys/{id}", APIKeysAPI.delete),
            ]
                + Self.credentialRoutes("/v1/virtual-keys", CredentialsAPI<VirtualKeyView>.self)
                + Self.credentialRoutes("/v1/providers", CredentialsAPI<ProviderView>.self)
                + Self.credentialRoutes("/v1/integrations", CredentialsAPI<IntegrationView>.self)
        ),
        RouteGroup(
            name: "control-plane",
            prefixes: ["/v1/logs", "/v1/feedback", "/v1/analytics"],
            style: .portkey,
            docs: "docs/observability.md",
            routes: [
                .get("/v1/logs", LogsAPI.list),
                .post("/v1/logs", LogsAPI.ingest),
                .get("/v1/logs/{id}", LogsAPI.get),
                .post("/v1/feedback", FeedbackAPI.create),
                .put("/v1/feedback/{id}", FeedbackAPI.update),
                .get("/v1/analytics/graphs/requests", AnalyticsAPI.requests),
                .get("/v1/analytics/graphs/cost", AnalyticsAPI.cost),
                .get("/v1/analytics/graphs/latency", AnalyticsAPI.latency),
                .get("/v1/analytics/graphs/tokens", AnalyticsAPI.tokens),
                .get("/v1/analytics/graphs/errors", AnalyticsAPI.errors),
                .get("/v1/analytics/graphs/errors/rate", AnalyticsAPI.errorRate),
                .get("/v1/analytics/graphs/errors/status-codes", AnalyticsAPI.statusCodes),
                .get("/v1/analytics/graphs/cache/hit-rate", AnalyticsAPI.cacheHitRate),
                .get("/v1/analytics/graphs/cache/latency", AnalyticsAPI.cacheLatency),
                .get("/v1/analytics/summary/cache", AnalyticsAPI.cacheSummary),
            ]
        ),
        RouteGroup(
            name: "control-plane",
            prefixes: ["/v1/prompts"],
            style: .portkey,
            docs: "docs/prompts.md",
            routes: [
                // Partials first: `/v1/prompts/partials` is not a prompt's id.
                .get("/v1/prompts/partials", PromptsAPI.listPartials),
                .post("/v1/prompts/partials", PromptsAPI.createPartial),
                .get("/v1/prompts/partials/{id}", PromptsAPI.getPartial),
                .put("/v1/prompts/partials/{id}", PromptsAPI.updatePartial),
                .delete("/v1/prompts/partials/{id}", PromptsAPI.deletePartial),
                .get("/v1/prompts/partials/{id}/versions", PromptsAPI.partialVersions),
                .put("/v1/prompts/partials/{id}/makeDefault", PromptsAPI.makeDefaultPartial),
                .get("/v1/prompts", PromptsAPI.list),
                .post("/v1/prompts", PromptsAPI.create),
                .get("/v1/prompts/{id}", PromptsAPI.get),
                .put("/v1/prompts/{id}", PromptsAPI.update),
                .delete("/v1/prompts/{id}", PromptsAPI.delete),
                .get("/v1/prompts/{id}/versions", PromptsAPI.versions),
                .get("/v1/prompts/{id}/versions/{versionId}", PromptsAPI.version),
                .put("/v1/prompts/{id}/versions/{versionId}", PromptsAPI.labelVersion),
                .put("/v1/prompts/{id}/makeDefault", PromptsAPI.makeDefault),
                .post("/v1/prompts/{id}/render", PromptsAPI.render),
            ]
        ),
        RouteGroup(
            name: "control-plane",
            prefixes: ["/v1/guardrails"],
            style: .portkey,
            docs: "docs/guardrails.md",
            routes: [
                .get("/v1/guardrails", GuardrailsAPI.list),
                .post("/v1/guardrails", GuardrailsAPI.create),
                .get("/v1/guardrails/{id}", GuardrailsAPI.get),
                .put("/v1/guardrails/{id}", GuardrailsAPI.update),
                .delete("/v1/guardrails/{id}", GuardrailsAPI.delete),
                .get("/v1/guardrails/{id}/versions", GuardrailsAPI.versions),
            ]
        ),
        RouteGroup(
            name: "control-plane",
            prefixes: ["/v1/cache"],
            style: .portkey,
            docs: "docs/cache.md",
            routes: [
                .get("/v1/cache", CacheAPI.stats),
                .delete("/v1/cache", CacheAPI.delete),
            ]
        ),
        RouteGroup(
            name: "control-plane",
            prefixes: ["/v1/policies"],
            style: .portkey,
            docs: "docs/policies.md",
            routes: [
                .get("/v1/policies/usage-limits", PoliciesAPI<UsageLimitsKind>.list),
                .post("/v1/policies/usage-limits", PoliciesAPI<UsageLimitsKind>.create),
                .get("/v1/policies/usage-limits/{id}", PoliciesAPI<UsageLimitsKind>.get),
                .put("/v1/policies/usage-limits/{id}", PoliciesAPI<UsageLimitsKind>.update),
                .delete("/v1/policies/usage-limits/{id}", PoliciesAPI<UsageLimitsKind>.delete),
                .get("/v1/policies/usage-limits/{id}/entities", PoliciesAPI<UsageLimitsKind>.listEntities),
                .put(
                    "/v1/policies/usage-limits/{id}/entities/{entityId}/reset",
                    PoliciesAPI<UsageLimitsKind>.resetEntity
                ),
                .get("/v1/policies/rate-limits", PoliciesAPI<RateLimitsKind>.list),
                .post("/v1/policies/rate-limits", PoliciesAPI<RateLimitsKind>.create),
                .get("/v1/policies/rate-limits/{id}", PoliciesAPI<RateLimitsKind>.get),
                .put("/v1/policies/rate-limits/{id}", PoliciesAPI<RateLimitsKind>.update),
                .delete("/v1/policies/rate-limits/{id}", PoliciesAPI<RateLimitsKind>.delete),
            ]
        ),
        RouteGroup(
            name: "presets",
            prefixes: ["/api/v1/presets", "/v1/presets"],
            style: .openRouter,
            docs: "docs/control-plane.md",
            routes: Self.presetRoutes("/api/v1/presets") + Self.presetRoutes("/v1/presets")
        ),
        RouteGroup(
            name: "openapi",
            prefixes: ["/openapi.json"],
            style: .portkey,
            docs: "docs/control-plane.md",
            routes: [.get("/openapi.json", OpenAPIAPI.get)]
        ),
        RouteGroup(
            name: "registry",
            prefixes: ["/api/v0/models"],
            style: .problem,
            docs: "docs/control-plane.md",
            routes: [
                .get("/api/v0/models", RegistryAPI.list),
                .get("/api/v0/models/{id+}", RegistryAPI.get),
                .put("/api/v0/models/{id+}", RegistryAPI.put),
                .delete("/api/v0/models/{id+}", RegistryAPI.delete),
            ]
        ),
    ])

    /// Portkey's three views of a provider credential, each the same five operations.
    private static func credentialRoutes<View>(_ base: String, _ api: CredentialsAPI<View>.Type) -> [Route] {
        [
            .get(base, CredentialsAPI<View>.list),
            .post(base, CredentialsAPI<View>.create),
            .get("\(base)/{slug}", CredentialsAPI<View>.get),
            .put("\(base)/{slug}", CredentialsAPI<View>.update),
            .delete("\(base)/{slug}", CredentialsAPI<View>.delete),
        ]
    }

    /// OpenRouter's presets, served under `/api/v1` (OpenRouter's base) and `/v1` (the gateway's).
    private static func presetRoutes(_ base: String) -> [Route] {
        [
            .get(base, PresetsAPI.list),
            .get("\(base)/{slug}", PresetsAPI.get),
            .get("\(base)/{slug}/versions", PresetsAPI.versions),
            .get("\(base)/{slug}/versions/{version}", PresetsAPI.version),
            .post("\(base)/{slug}/chat/completions", PresetsAPI.createFromChat),
            .post("\(base)/{slug}/messages", PresetsAPI.createFromMessages),
            .post("\(base)/{slug}/responses", PresetsAPI.createFromResponses),
        ]
    }
}
