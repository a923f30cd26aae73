import Logging
import SwitchboardControlPlane
import SwitchboardCore
import SwitchboardStore

/// The data plane as the control plane sees it: the one interface between the two.
struct ControlPlaneLink: ControlPlaneHost {
    let config: GatewayConfig
    let store: any Store
    let snapshot: StoreSnapshot
    let cache: ResponseCache
    let semanticCache: SemanticCache
    let logger: Logger

    var vault: CredentialVault { self.snapshot.vault }

    func storeChanged() async throws {
        try await self.snapshot.reload(from: self.store, logger: self.logger)
    }

    func reportPolicyUsage() async {
        await PolicyLeases(book: self.snapshot.policies, store: self.store).report(idleFor: 5, logger: self.logger)
    }

    func cacheCleared(namespace: String?) {
        self.cache.remove(namespace: namespace)
        self.semanticCache.remove(namespace: namespace)
    }

    func cacheMemoryStats() -> CacheMemoryStats {
        let stats = self.cache.stats
        return CacheMemoryStats(
            entries: stats.entries,
            bytes: stats.bytes,
            maxBytes: self.cache.maxBytes,
            evictions: stats.evictions,
            vectors: self.semanticCache.count
        )
    }

    func policyUsageReset(policy: String, valueKey: String?) {
        self.snapshot.policies.usageReset(policy: policy, valueKey: valueKey)
    }

    func storedConfig(_ slug: String) -> PortkeyConfig? { self.snapshot.lookup(slug) }

    func storedCredential(_ slug: String) -> ProviderCredential? { self.snapshot.credential(slug) }
    func storedGuardrail(_ slug: String) -> GuardrailHook? { self.snapshot.guardrail(slug) }

    func price(provider: String, model: String) -> ModelPrice? {
        self.snapshot.registryPrice(provider: provider, model: model)
            ?? self.config.pricing.price(provider: provider, model: model)
    }
}
