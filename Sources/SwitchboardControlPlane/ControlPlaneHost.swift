import SwitchboardCore
import SwitchboardStore

/// What the control plane needs from the gateway it runs in: the file config, the vault secrets are sealed
/// with, and the data plane's view of the store — read to validate references, refreshed after every write.
public protocol ControlPlaneHost: Sendable {
    /// The gateway's config file (providers, configs by slug).
    var config: GatewayConfig { get }
    /// Seals provider secrets before they are stored.
    var vault: CredentialVault { get }
    /// The store changed: re-read it, so the next request routes with what was just written.
    func storeChanged() async throws
    /// A config stored under `slug`, as requests see it.
    func storedConfig(_ slug: String) -> PortkeyConfig?
    /// A provider credential stored under `slug`, as requests see it.
    func storedCredential(_ slug: String) -> ProviderCredential?
    /// A saved guardrail under `slug`, as requests see it.
    func storedGuardrail(_ slug: String) -> GuardrailHook?
    /// Reports this replica's policy usage to the store now, so that what the store shows is what was answered.
    func reportPolicyUsage() async
    /// A policy's usage was reset in the store (for one entity `valueKey`, or all).
    func policyUsageReset(policy: String, valueKey: String?)
    /// The response cache's entries of `namespace` (or all) were deleted from the store: this process's memory
    /// drops them too.
    func cacheCleared(namespace: String?)
    /// This process's in-memory response cache.
    func cacheMemoryStats() -> CacheMemoryStats
    /// What `model` of `provider` costs (the registry's price, else the config's or the bundled one).
    func price(provider: String, model: String) -> ModelPrice?
}
