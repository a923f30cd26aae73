import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStore
import Synchronization

/// What the data plane reads from the store, in memory and replaced whole when the store changes: parsed
/// configs (read when `x-portkey-config` names a slug) and API keys by hash (read when auth is on).
final class StoreSnapshot: Sendable {
    private let configs = NIOLockedValueBox([String: PortkeyConfig]())
    private let keys = NIOLockedValueBox([String: KeyGrant]())
    /// How many active API keys exist: any at all turns authentication on.
    let keyCount = Atomic<Int>(0)
    /// Grows with every replacement, so event loops know when to drop plans built from older configs.
    let generation = Atomic<Int>(0)
    /// The store's change mark this snapshot was read at: the watcher reloads only when the store moved past
    /// it, so a change this process made (and reloaded at once) is not loaded a second time.
    let loadedMark = Atomic<Int64>(-1)
    /// Whether the last look at the store succeeded (`/readyz`).
    let storeReachable = Atomic<Bool>(true)

    func lookup(_ slug: String) -> PortkeyConfig? {
        self.configs.withLockedValue { $0[slug] }
    }

    /// The grant of a presented key, if it is an active key.
    func grant(forKey key: String) -> KeyGrant? {
        let hash = APIKeys.hash(key)
        return self.keys.withLockedValue { $0[hash] }
    }

    func replace(with configs: [String: PortkeyConfig]) {
        self.configs.withLockedValue { $0 = configs }
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
        self.replace(with: parsed)
        var grants: [String: KeyGrant] = [:]
        for key in try await store.listAPIKeys() where key.status == "active" {
            grants[key.keyHash] = KeyGrant(key)
        }
        self.replace(keys: grants)
        self.loadedMark.store(mark, ordering: .releasing)
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
                guard mark != self.snapshot.loadedMark.load(ordering: .acquiring) else { continue }
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
