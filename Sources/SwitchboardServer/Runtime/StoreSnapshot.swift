import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStore
import Synchronization

/// What the data plane reads from the store, in memory and replaced whole when the store changes: parsed
/// configs (read when `x-portkey-config` names a slug), provider credentials with their secrets opened (read
/// when a request names a stored provider) and API keys by hash (read when auth is on).
final class StoreSnapshot: Sendable {
    private let configs = NIOLockedValueBox([String: PortkeyConfig]())
    private let credentials = NIOLockedValueBox([String: ProviderCredential]())
    private let presets = NIOLockedValueBox([String: Preset]())
    private let registry = NIOLockedValueBox(Registry())
    private let keys = NIOLockedValueBox([String: KeyGrant]())
    private let guardrails = NIOLockedValueBox([String: GuardrailHook]())
    private let promptCatalog = NIOLockedValueBox(PromptCatalog())
    /// Opens the stored secrets.
    let vault: CredentialVault
    /// The limits in force (policies, and those of keys and credentials), replaced with the rest.
    let policies: PolicyBook
    /// How many active API keys exist: any at all turns authentication on.
    let keyCount = Atomic<Int>(0)
    /// Grows with every replacement, so event loops know when to drop plans built from older configs.
    let generation = Atomic<Int>(0)
    /// The store's change mark this snapshot was read at: the watcher reloads only when the store moved past
    /// it, so a change this process made (and reloaded at once) is not loaded a second time.
    let loadedMark = Atomic<Int64>(-1)
    /// Whether the last look at the store succeeded (`/readyz`).
    let storeReachable = Atomic<Bool>(true)

    init(vault: CredentialVault, policies: PolicyBook) {
        self.vault = vault
        self.policies = policies
    }

    func lookup(_ slug: String) -> PortkeyConfig? {
        self.configs.withLockedValue { $0[slug] }
    }

    /// The stored prompts and partials.
    var prompts: PromptCatalog { self.promptCatalog.withLockedValue { $0 } }

    /// A saved guardrail by slug.
    func guardrail(_ slug: String) -> GuardrailHook? {
        self.guardrails.withLockedValue { $0[slug] }
    }

    func credential(_ slug: String) -> ProviderCredential? {
        self.credentials.withLockedValue { $0[slug] }
    }

    /// An active preset by slug.
    func preset(_ slug: String) -> Preset? {
        self.presets.withLockedValue { $0[slug] }
    }

    /// The default project's registry model `id`, or its default model when `id` is `nil`.
    func registryModel(_ id: String?) -> RegistryModel? {
        self.registry.withLockedValue { registry in
            guard let id else { return registry.defaultID.flatMap { registry.models[$0] } }
            return registry.models[id]
        }
    }

    /// The default project's registry model ids, sorted (for `GET /v1/models`).
    var registryModelIDs: [String] { self.registry.withLockedValue { $0.models.keys.sorted() } }

    struct Registry {
        var models: [String: RegistryModel] = [:]
        var defaultID: String?
        /// Registry models' own `pricing`, by provider and model name.
        var pricing = PricingTable()
        var hasPricing = false
    }

    /// A registry model's own price for `model` at `provider`.
    func registryPrice(provider: String, model: String) -> ModelPrice? {
        self.registry.withLockedValue { $0.hasPricing ? $0.pricing.price(provider: provider, model: model) : nil }
    }

    /// The grant of a presented key, if it is an active key.
    func grant(forKey key: String) -> KeyGrant? {
        let hash = APIKeys.hash(key)
        return self.keys.withLockedValue { $0[hash] }
    }

    func replace(
        with configs: [String: PortkeyConfig],
        guardrails: [String: GuardrailHook],
        credentials: [String: ProviderCredential],
        presets: [String: Preset],
        registry: Registry
    ) {
        self.configs.withLockedValue { $0 = configs }
        self.guardrails.withLockedValue { $0 = guardrails }
        self.credentials.withLockedValue { $0 = credentials }
        self.presets.withLockedValue { $0 = presets }
        self.registry.withLockedValue { $0 = registry }
        self.generation.add(1, ordering: .releasing)
    }

    func replace(keys: [String: KeyGrant]) {
        self.keys.withLockedValue { $0 = keys }
        self.keyCount.store(keys.count, ordering: .releasing)
    }

    /// Reads every current config from the store. A stored config that no longer parses (written by a newer
    /// version, say) is left out and logged rather than stopping the others.
    func reload(from store: any Store, logger: Logger) async throws {
        let mark = try await store.changeMark()
        var parsed: [String: PortkeyConfig] = [:]
        for stored in try await store.listConfigs() where stored.status != "archived" {
            do {
                parsed[stored.slug] = try PortkeyConfig.parse(text: stored.config)
            } catch {
                logger.error(
                    "stored config is invalid; skipped",
                    metadata: ["slug": "\(stored.slug)", "errors": "\(error.errors.joined(separator: "; "))"]
                )
            }
        }
        var guardrails: [String: GuardrailHook] = [:]
        for stored in try await store.listGuardrails() where stored.status != "archived" {
            switch GuardrailHook.saved(JSONValue(parsing: Array(stored.config.utf8)) ?? .null, slug: stored.slug) {
            case .success(let hook): guardrails[stored.slug] = hook
            case .failure(let error):
                logger.error(
                    "saved guardrail is invalid; skipped",
                    metadata: ["slug": "\(stored.slug)", "errors": "\(error.errors.joined(separator: "; "))"]
                )
            }
        }
        let prompts = try await PromptCatalog(from: store)
        self.promptCatalog.withLockedValue { $0 = prompts }
        self.replace(
            with: parsed,
            guardrails: guardrails,
            credentials: try await self.openCredentials(from: store, logger: logger),
            presets: try await Self.presets(from: store, logger: logger),
            registry: try await self.registry(from: store, logger: logger)
        )
        var limits = try await store.listPolicies().compactMap(LimitPolicy.init)
        for credential in try await store.listCredentials(kinds: [.provider, .virtualKey])
        where credential.status == "active" {
            let details = CredentialDetails(text: credential.details)
            limits += LimitPolicy.limits(
                of: "virtual_key",
                owner: credential.slug,
                usage: details.usage_limits,
                rates: details.rate_limits
            )
        }
        var grants: [String: KeyGrant] = [:]
        for key in try await store.listAPIKeys() where key.status == "active" {
            let keyLimits = APIKeyLimits(text: key.limits)
            limits += LimitPolicy.limits(
                of: "api_key",
                owner: key.id,
                usage: keyLimits.usage_limits,
                rates: keyLimits.rate_limits
            )
            grants[key.keyHash] = KeyGrant(key)
            if let previous = key.previousKeyHash, let until = key.previousKeyExpiresAt {
                var grant = KeyGrant(key)
                grant.validUntil = until
                grants[previous] = grant
            }
        }
        self.replace(keys: grants)
        self.policies.replace(policies: limits)
        self.loadedMark.store(mark, ordering: .releasing)
    }
}

extension StoreSnapshot {
    /// Every stored credential by slug, secrets opened. Providers and virtual keys come first; an integration
    /// is usable by its own slug too unless a provider has it. One that cannot be used stays in the map with
    /// the reason, so a request naming it learns why.
    private func openCredentials(from store: any Store, logger: Logger) async throws -> [String: ProviderCredential] {
        let stored = try await store.listCredentials(kinds: CredentialKind.allCases)
        var integrations: [String: StoredCredential] = [:]
        for credential in stored where credential.kind == .integration { integrations[credential.slug] = credential }
        var opened: [String: ProviderCredential] = [:]
        for credential in stored.sorted(by: { ($0.kind == .integration ? 1 : 0) < ($1.kind == .integration ? 1 : 0) })
        where opened[credential.slug] == nil {
            var source = credential
            if credential.kind == .provider, let name = credential.integration {
                guard let integration = integrations[name] else {
                    opened[credential.slug] = ProviderCredential(
                        slug: credential.slug,
                        provider: credential.provider,
                        apiKey: nil,
                        unusable: (500, "its integration '\(name)' no longer exists.")
                    )
                    continue
                }
                source = integration
            }
            var usable = ProviderCredential(
                slug: credential.slug,
                provider: source.provider,
                apiKey: nil,
                baseURL: CredentialDetails(text: source.details).baseURL
            )
            if let expiry = CredentialDetails(text: credential.details).expires_at,
                let epochMs = Timestamps.epochMs(parsing: expiry)
            {
                usable.expiresAt = Double(epochMs) / 1000
            }
            if let sealed = source.sealedSecret {
                do {
                    usable.apiKey = try self.vault.unseal(sealed, for: source.id)
                } catch {
                    logger.error(
                        """
                        a stored provider secret does not open with this master key; set SWITCHBOARD_MASTER_KEY \
                        (or the key file) to the one it was stored with
                        """,
                        metadata: ["slug": "\(source.slug)", "kind": "\(source.kind.rawValue)"]
                    )
                    usable.unusable = (
                        500,
                        "its secret does not open with this gateway's master key (SWITCHBOARD_MASTER_KEY differs "
                            + "from the one it was stored with)."
                    )
                }
            }
            for state in [credential.status, source.status] where state != "active" {
                usable.unusable = (400, "it is \(state).")
            }
            opened[credential.slug] = usable
        }
        return opened
    }

    /// Every active preset's designated version, parsed.
    private static func presets(from store: any Store, logger: Logger) async throws -> [String: Preset] {
        var presets: [String: Preset] = [:]
        for (preset, version) in try await store.designatedPresetVersions() where preset.status == "active" {
            guard let config = JSONValue(parsing: Array(version.config.utf8))?.members else {
                logger.error(
                    "stored preset version is not a JSON object; skipped",
                    metadata: ["slug": "\(preset.slug)"]
                )
                continue
            }
            presets[preset.slug] = Preset(
                id: preset.id,
                slug: preset.slug,
                version: version.version,
                systemPrompt: version.systemPrompt,
                config: config
            )
        }
        return presets
    }

    /// The default project's registry models, keys opened (or read from the environment for `{{ .env.NAME }}`
    /// references).
    private func registry(from store: any Store, logger: Logger) async throws -> Registry {
        var registry = Registry()
        for stored in try await store.listRegistryModels(project: StoredRegistryModel.defaultProject) {
            guard let fields = RegistryModelFields(json: stored.body) else {
                logger.error("stored registry model is unreadable; skipped", metadata: ["id": "\(stored.id)"])
                continue
            }
            var model = fields.routable(id: stored.id)
            if let sealed = stored.sealedAPIKey {
                do {
                    model.apiKey = try self.vault.unseal(sealed, for: "model:\(stored.project)/\(stored.id)")
                } catch {
                    logger.error(
                        "a registry model's API key does not open with this master key; the model is left out",
                        metadata: ["id": "\(stored.id)"]
                    )
                    continue
                }
            }
            registry.models[stored.id] = model
            if stored.isDefault { registry.defaultID = stored.id }
            if let price = fields.pricing.flatMap(ModelPrice.init) {
                registry.pricing.set(price, provider: model.provider, model: model.model)
                registry.hasPricing = true
            }
        }
        return registry
    }
}

/// Keeps ``StoreSnapshot`` in step with a store that other replicas write too: polls the store's change mark
/// (one indexed `MAX` query) every `interval` and reloads when it moved. Changes made through this process's
/// API are applied at once; other replicas' within one interval.
struct StoreWatcher: Service {
    let store: any Store
    let snapshot: StoreSnapshot
    let interval: Duration
    let logger: Logger
    /// Another replica deleted the cache entries of a namespace (`nil`: all): this process drops its copies.
    let cacheCleared: @Sendable (String?) -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await self.watch() }
    }

    private func watch() async throws {
        while !Task.isCancelled {
            try? await Task.sleep(for: self.interval)
            if Task.isCancelled { return }
            do {
                let mark = try await self.store.changeMark()
                if !self.snapshot.storeReachable.exchange(true, ordering: .relaxed) {
                    self.logger.info("store reachable again")
                }
                let loaded = self.snapshot.loadedMark.load(ordering: .acquiring)
                guard mark != loaded else { continue }
                for namespace in try await self.store.cacheClears(after: loaded, upTo: mark) {
                    self.cacheCleared(namespace)
                }
                try await self.snapshot.reload(from: self.store, logger: self.logger)
                self.logger.info("configs reloaded from the store", metadata: ["change": "\(mark)"])
            } catch {
                if self.snapshot.storeReachable.exchange(false, ordering: .relaxed) {
                    self.logger.warning(
                        "store not reachable; keeping the last configs",
                        metadata: ["error": "\(error)"]
                    )
                }
            }
        }
    }
}
