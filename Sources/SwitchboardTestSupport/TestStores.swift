import Foundation
import Logging
import NIOCore
import NIOPosix
import SwitchboardStore

/// Fresh, empty stores for tests: a SQLite file in a temporary folder, or a new database on the private
/// PostgreSQL that `scripts/test.sh` starts (its URL in `SWITCHBOARD_TEST_POSTGRES`).
public enum TestStores {
    public enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        case sqlite, postgres
        public var description: String { self.rawValue }
    }

    /// The server URL for PostgreSQL tests (database part ignored), if one is running.
    public static var postgresURL: String? { ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES"] }

    /// The kinds that can run here: SQLite always, PostgreSQL when `scripts/test.sh` started one.
    public static var available: [Kind] { self.postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A store location for a new, empty store of `kind`.
    public static func location(_ kind: Kind, group: any EventLoopGroup) async throws -> String {
        let name = "sb_\(UUID().uuidString.prefix(8).lowercased())"
        switch kind {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-tests")
            return "sqlite:" + folder.appendingPathComponent("\(name).sqlite").path
        case .postgres:
            guard let url = self.postgresURL, var components = URLComponents(string: url) else {
                throw StoreError.badLocation("SWITCHBOARD_TEST_POSTGRES is not set")
            }
            components.path = "/postgres"
            let admin = try await SQLStore.open(components.string!, group: group, logger: Self.logger)
            try await admin.execute("CREATE DATABASE \(name)")
            await admin.close()
            components.path = "/\(name)"
            return components.string!
        }
    }

    /// A new, empty store of `kind`, migrated.
    public static func open(_ kind: Kind, group: any EventLoopGroup) async throws -> SQLStore {
        let store = try await SQLStore.open(
            try await self.location(kind, group: group),
            group: group,
            logger: Self.logger
        )
        try await store.migrate()
        return store
    }

    public static let logger: Logger = {
        var logger = Logger(label: "test-store")
        logger.logLevel = .critical
        return logger
    }()
}
