import ArgumentParser
import Foundation
import Logging
import NIOPosix
import SwitchboardStore

/// `--store` / `SWITCHBOARD_STORE`, shared by `serve` and `migrate`.
enum StoreOption {
    static let defaultLocation = "sqlite:.switchboard/switchboard.sqlite"

    static let help = ArgumentHelp(
        "sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB (env SWITCHBOARD_STORE; default \(defaultLocation)).",
        valueName: "location"
    )

    static func location(_ flag: String?, _ environment: [String: String]) -> String {
        flag ?? environment["SWITCHBOARD_STORE"] ?? Self.defaultLocation
    }

    /// Opens the store for a one-shot command (`migrate`, `api-key`), logging warnings only.
    static func open(_ flag: String?) async throws -> (store: SQLStore, location: String) {
        let location = Self.location(flag, ProcessInfo.processInfo.environment)
        var logger = Logger(label: "switchboard")
        logger.logLevel = .warning
        let store = try await SQLStore.open(location, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        return (store, location)
    }

    /// The location without its password, for logs.
    static func redacted(_ location: String) -> String {
        guard var components = URLComponents(string: location), components.password != nil else { return location }
        components.password = "***"
        return components.string ?? location
    }
}

/// `switchboard migrate`: applies the store's schema migrations and exits (`serve` also does it at start-up).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the store's schema, then exit.",
        discussion: "`serve` migrates at start-up too; run this before rolling out replicas that share PostgreSQL."
    )

    @Option(name: .long, help: StoreOption.help)
    var store: String?

    func run() async throws {
        let (store, location) = try await StoreOption.open(self.store)
        let before = try await store.schemaVersion()
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        let after = try await store.schemaVersion()
        await store.close()
        print("\(StoreOption.redacted(location)): schema \(before) → \(after)\(before == after ? " (up to date)" : "")")
    }
}
