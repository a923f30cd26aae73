import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStore
import Synchronization

/// The configs of the store as the data plane sees them: parsed, in memory, replaced whole when the store
/// changes. A request reads it only when its `x-portkey-config` names a slug.
final class StoredConfigs: Sendable {
    private let configs = NIOLockedValueBox([String: PortkeyConfig]())
    /// Grows with every replacement, so event loops know when to drop plans built from older configs.
    let generation = Atomic<Int>(0)
    /// Whether the last look at the store succeeded (`/readyz`).
    let storeReachable = Atomic<Bool>(true)

    func lookup(_ slug: String) -> PortkeyConfig? {
        self.configs.withLockedValue { $0[slug] }
    }

    func replace(with configs: [String: PortkeyConfig]) {
        self.configs.withLockedValue { $0 = configs }
        self.generation.add(1, ordering: .releasing)
    }

    /// Reads every current config from the store. A stored config that no longer parses (written by a newer
    /// version, say) is left out and logged rather than stopping the others.
    func reload(from store: any Store, logger: Logger) async throws {
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
    }
}

/// Keeps ``StoredConfigs`` in step with a store that other replicas write too: polls the store's change mark
/// (one indexed `MAX` query) every `interval` and reloads when it moved. Changes made through this process's
/// API are applied at once; other replicas' within one interval.
struct StoreWatcher: Service {
    let store: any Store
    let configs: StoredConfigs
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await self.watch() }
    }

    private func watch() async throws {
        var seen = (try? await self.store.changeMark()) ?? -1
        while !Task.isCancelled {
            try? await Task.sleep(for: self.interval)
            if Task.isCancelled { return }
            do {
                let mark = try await self.store.changeMark()
                if !self.configs.storeReachable.exchange(true, ordering: .relaxed) {
                    self.logger.info("store reachable again")
                }
                guard mark != seen else { continue }
                try await self.configs.reload(from: self.store, logger: self.logger)
                seen = mark
                self.logger.info("configs reloaded from the store", metadata: ["change": "\(mark)"])
            } catch {
                if self.configs.storeReachable.exchange(false, ordering: .relaxed) {
                    self.logger.warning("store not reachable; keeping the last configs", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
