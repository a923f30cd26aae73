import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

#if canImport(Glibc)
import Glibc
#endif

/// The store, written once in SQL that SQLite and PostgreSQL both run: the two implementations differ only
/// in how they connect and how transactions are kept apart (``open(_:group:logger:)``).
public final class SQLStore: Store {
    let database: any SQLDatabase
    let backend: Migrations.Backend
    /// SQLite has a single connection: its transactions take turns.
    let turns: AsyncLock?
    private let closer: @Sendable () async -> Void
    /// The driver underneath, for bulk writes that skip SQLKit's per-value encoding (the request log).
    let driver: Driver

    enum Driver: @unchecked Sendable {
        /// The request log's own connection (same file, same thread as the store's).
        case sqlite(SQLiteLogInserter)
        /// The pool is safe to use from any thread (it hops to its event loops); AsyncKit predates `Sendable`.
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    private init(
        database: any SQLDatabase,
        backend: Migrations.Backend,
        turns: AsyncLock?,
        driver: Driver,
        closer: @escaping @Sendable () async -> Void
    ) {
        self.database = database
        self.backend = backend
        self.turns = turns
        self.driver = driver
        self.closer = closer
    }

    /// Opens `sqlite:PATH` (the file and its folder are created) or `postgres://…` (`postgresql://` too).
    public static func open(_ location: String, group: any EventLoopGroup, logger: Logger) async throws -> SQLStore {
        if location.hasPrefix("sqlite:") {
            let path = String(location.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError.badLocation(location) }
            return try await Self.openSQLite(path: path, group: group, logger: logger)
        }
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            return try await Self.openPostgres(url: location, logger: logger)
        }
        throw StoreError.badLocation(location)
    }

    private static func openSQLite(path: String, group: any EventLoopGroup, logger: Logger) async throws -> SQLStore {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        try await threadPool.runIfActive { Self.yieldToEventLoops() }
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path),
            threadPool: threadPool,
            logger: logger,
            on: group.any()
        )
        let database = connection.sql(queryLogLevel: .trace)
        // WAL: readers never wait for the writer, and a crash loses at most the transaction in progress.
        // A 16 MB page cache keeps the request log's indexes in memory as it grows.
        for pragma in [
            "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
            "PRAGMA cache_size=-16000",
        ] {
            try await database.raw("\(unsafeRaw: pragma)").run()
        }
        let log = SQLiteLogInserter(path: path, columns: Self.logColumns, threadPool: threadPool)
        return SQLStore(database: database, backend: .sqlite, turns: AsyncLock(), driver: .sqlite(log)) {
            await log.close()
            try? await connection.close()
            try? await threadPool.shutdownGracefully()
        }
    }

    /// The pool lives on the store's own event loop thread (at nice 5, like SQLite's): encoding a request log
    /// batch (hundreds of rows, 35 values each) and decoding control-plane results never run on the event
    /// loops that serve requests. On them, a 300-row batch held requests up for 2 ms (the light-load p99).
    private static func openPostgres(url: String, logger: Logger) async throws -> SQLStore {
        let configuration = try SQLPostgresConfiguration(url: url)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try await group.next().submit { Self.yieldToEventLoops() }.get()
        let pool = EventLoopGroupConnectionPool(
            source: PostgresConnectionSource(sqlConfiguration: configuration),
            maxConnectionsPerEventLoop: 4,
            logger: logger,
            on: group
        )
        let database = pool.database(logger: logger).sql(queryLogLevel: .trace)
        let owned = PoolBox(pool: pool)
        return SQLStore(database: database, backend: .postgres, turns: nil, driver: .postgres(pool)) {
            try? await owned.pool.shutdownAsync()
            try? await group.shutdownGracefully()
        }
    }

    /// Lowers the calling thread to nice 5 (on Linux the nice value is per thread): the store's thread (request
    /// log batches, control-plane queries) yields to the event loops when they share a CPU, so a batch of inserts
    /// does not hold up a request, and still gets a quarter of a busy CPU, well over what the log needs.
    private static func yieldToEventLoops() {
        #if canImport(Glibc)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 5)
        #endif
    }

    /// The pool is safe to use from any thread (it hops to its event loops); AsyncKit predates `Sendable`.
    private struct PoolBox: @unchecked Sendable {
        let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    }

    public func close() async { await self.closer() }

    /// Runs one statement outside the store's own tables (tests create databases with it).
    public func execute(_ statement: String) async throws {
        try await self.database.raw("\(unsafeRaw: statement)").run()
    }

    /// Runs `body` in one transaction on one connection.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let begin = self.backend == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        let run: @Sendable () async throws -> T = {
            try await self.database.withSession { session in
                try await session.raw("\(unsafeRaw: begin)").run()
                do {
                    let result = try await body(session)
                    try await session.raw("COMMIT").run()
                    return result
                } catch {
                    try? await session.raw("ROLLBACK").run()
                    throw error
                }
            }
        }
        if let turns = self.turns { return try await turns.withLock(run) }
        return try await run()
    }

    // MARK: - Migrations

    public func migrate(upTo version: Int?) async throws {
        let goal = min(version ?? Migrations.latest, Migrations.latest)
        let backend = self.backend
        try await self.transaction { db in
            // Replicas starting together migrate one after the other.
            if backend == .postgres { try await db.raw("SELECT pg_advisory_xact_lock(7262751)").run() }
            try await db.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            ).run()
            let current = try await Self.schemaVersion(db)
            guard current < goal else { return }
            for step in (current + 1)...goal {
                for statement in Migrations.statements(step, backend) {
                    try await db.raw("\(unsafeRaw: statement)").run()
                }
                try await db.raw(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: step), \(bind: Timestamps.now()))"
                ).run()
            }
        }
    }

    public func schemaVersion() async throws -> Int {
        try await self.database.raw(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        ).run()
        return try await Self.schemaVersion(self.database)
    }

    private static func schemaVersion(_ db: any SQLDatabase) async throws -> Int {
        let row = try await db.raw("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations").first()
        return try row?.decode(column: "version", as: Int.self) ?? 0
    }

    // MARK: - Configs

    private static let currentConfigs: SQLQueryString = """
        SELECT c.id, c.slug, c.name, c.is_default, c.status, c.created_at, c.last_updated_at,
          v.id AS version_id, v.config
        FROM configs c JOIN config_versions v ON v.config_id = c.id
        WHERE v.seq = (SELECT MAX(seq) FROM config_versions WHERE config_id = c.id)
        """

    private static func storedConfig(_ row: any SQLRow) throws -> StoredConfig {
        StoredConfig(
            id: try row.decode(column: "id", as: String.self),
            slug: try row.decode(column: "slug", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            isDefault: try row.decode(column: "is_default", as: Int.self) != 0,
            status: try row.decode(column: "status", as: String.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            lastUpdatedAt: try row.decode(column: "last_updated_at", as: String.self),
            versionID: try row.decode(column: "version_id", as: String.self),
            config: try row.decode(column: "config", as: String.self)
        )
    }

    public func listConfigs() async throws -> [StoredConfig] {
        try await self.database.raw(Self.currentConfigs + " ORDER BY c.created_at, c.slug").all().map(Self.storedConfig)
    }

    public func config(slug: String) async throws -> StoredConfig? {
        try await Self.config(slug: slug, in: self.database)
    }

    private static func config(slug: String, in db: any SQLDatabase) async throws -> StoredConfig? {
        try await db.raw(Self.currentConfigs + " AND c.slug = \(bind: slug)").first().map(Self.storedConfig)
    }

    public func createConfig(slug: String, name: String, config: String, isDefault: Bool) async throws -> StoredConfig {
        do {
            return try await self.transaction { db in
                if try await Self.config(slug: slug, in: db) != nil { throw StoreError.conflict("config '\(slug)'") }
                let now = Timestamps.now()
                let id = UUID().uuidString.lowercased()
                try await db.raw(
                    """
                    INSERT INTO configs (id, slug, name, is_default, status, created_at, last_updated_at)
                    VALUES (\(bind: id), \(bind: slug), \(bind: name), \(bind: isDefault ? 1 : 0), 'active', \(bind: now), \(bind: now))
                    """
                ).run()
                let version = try await Self.addVersion(db, configID: id, name: name, status: "active", config: config)
                try await Self.recordChange(db, entity: "config", key: slug)
                return StoredConfig(
                    id: id,
                    slug: slug,
                    name: name,
                    isDefault: isDefault,
                    status: "active",
                    createdAt: now,
                    lastUpdatedAt: now,
                    versionID: version,
                    config: config
                )
            }
        } catch let error as StoreError {
            throw error
        } catch {
            // Two creates of one slug at once: the loser hits the unique constraint.
            if try await self.config(slug: slug) != nil { throw StoreError.conflict("config '\(slug)'") }
            throw error
        }
    }

    public func updateConfig(
        slug: String,
        name: String?,
        config: String?,
        status: String?
    ) async throws -> StoredConfig? {
        try await self.transaction { db in
            guard var current = try await Self.config(slug: slug, in: db) else { return nil }
            current.name = name ?? current.name
            current.status = status ?? current.status
            current.config = config ?? current.config
            current.lastUpdatedAt = Timestamps.now()
            current.versionID = try await Self.addVersion(
                db,
                configID: current.id,
                name: current.name,
                status: current.status,
                config: current.config
            )
            try await db.raw(
                """
                UPDATE configs SET name = \(bind: current.name), status = \(bind: current.status),
                  last_updated_at = \(bind: current.lastUpdatedAt) WHERE id = \(bind: current.id)
                """
            ).run()
            try await Self.recordChange(db, entity: "config", key: slug)
            return current
        }
    }

    public func deleteConfig(slug: String) async throws -> Bool {
        try await self.transaction { db in
            guard let current = try await Self.config(slug: slug, in: db) else { return false }
            try await db.raw("DELETE FROM config_versions WHERE config_id = \(bind: current.id)").run()
            try await db.raw("DELETE FROM configs WHERE id = \(bind: current.id)").run()
            try await Self.recordChange(db, entity: "config", key: slug)
            return true
        }
    }

    public func configVersions(slug: String) async throws -> [StoredConfigVersion]? {
        guard let current = try await self.config(slug: slug) else { return nil }
        return try await self.database.raw(
            """
            SELECT id, name, status, config, created_at FROM config_versions
            WHERE config_id = \(bind: current.id) ORDER BY seq DESC
            """
        ).all().map { row in
            StoredConfigVersion(
                versionID: try row.decode(column: "id", as: String.self),
                name: try row.decode(column: "name", as: String.self),
                status: try row.decode(column: "status", as: String.self),
                config: try row.decode(column: "config", as: String.self),
                createdAt: try row.decode(column: "created_at", as: String.self)
            )
        }
    }

    private static func addVersion(
        _ db: any SQLDatabase,
        configID: String,
        name: String,
        status: String,
        config: String
    ) async throws -> String {
        let id = UUID().uuidString.lowercased()
        try await db.raw(
            """
            INSERT INTO config_versions (id, config_id, name, status, config, created_at)
            VALUES (\(bind: id), \(bind: configID), \(bind: name), \(bind: status), \(bind: config), \(bind: Timestamps.now()))
            """
        ).run()
        return id
    }

    // MARK: - API keys

    private static func storedKey(_ row: any SQLRow) throws -> StoredAPIKey {
        let scopes = try row.decode(column: "scopes", as: String.self)
        return StoredAPIKey(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            keyHash: try row.decode(column: "key_hash", as: String.self),
            keyHint: try row.decode(column: "key_hint", as: String.self),
            type: try row.decode(column: "type", as: String.self),
            scopes: (try? JSONDecoder().decode([String].self, from: Data(scopes.utf8))) ?? [],
            defaults: try row.decode(column: "defaults", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            lastUpdatedAt: try row.decode(column: "last_updated_at", as: String.self),
            previousKeyHash: try row.decode(column: "previous_key_hash", as: String?.self),
            previousKeyExpiresAt: try row.decode(column: "previous_key_expires_at", as: String?.self)
        )
    }

    private static func scopesText(_ scopes: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(scopes)) ?? Data("[]".utf8), as: UTF8.self)
    }

    public func listAPIKeys() async throws -> [StoredAPIKey] {
        try await self.database.raw("SELECT * FROM api_keys ORDER BY created_at, id").all().map(Self.storedKey)
    }

    public func apiKey(id: String) async throws -> StoredAPIKey? {
        try await self.database.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first().map(Self.storedKey)
    }

    public func createAPIKey(_ key: StoredAPIKey) async throws {
        try await self.transaction { db in
            try await db.raw(
                """
                INSERT INTO api_keys (id, name, description, key_hash, key_hint, type, scopes, defaults, status,
                  created_at, last_updated_at)
                VALUES (\(bind: key.id), \(bind: key.name), \(bind: key.description), \(bind: key.keyHash),
                  \(bind: key.keyHint), \(bind: key.type), \(bind: Self.scopesText(key.scopes)), \(bind: key.defaults),
                  \(bind: key.status), \(bind: key.createdAt), \(bind: key.lastUpdatedAt))
                """
            ).run()
            try await Self.recordChange(db, entity: "api_key", key: key.id)
        }
    }

    public func updateAPIKey(_ key: StoredAPIKey) async throws -> StoredAPIKey? {
        try await self.transaction { db in
            guard try await db.raw("SELECT id FROM api_keys WHERE id = \(bind: key.id)").first() != nil else {
                return nil
            }
            let now = Timestamps.now()
            try await db.raw(
                """
                UPDATE api_keys SET name = \(bind: key.name), description = \(bind: key.description),
                  scopes = \(bind: Self.scopesText(key.scopes)), defaults = \(bind: key.defaults),
                  status = \(bind: key.status), last_updated_at = \(bind: now)
                WHERE id = \(bind: key.id)
                """
            ).run()
            try await Self.recordChange(db, entity: "api_key", key: key.id)
            return try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: key.id)").first().map(Self.storedKey)
        }
    }

    public func deleteAPIKey(id: String) async throws -> Bool {
        try await self.transaction { db in
            guard try await db.raw("SELECT id FROM api_keys WHERE id = \(bind: id)").first() != nil else {
                return false
            }
            try await db.raw("DELETE FROM api_keys WHERE id = \(bind: id)").run()
            try await Self.recordChange(db, entity: "api_key", key: id)
            return true
        }
    }

    public func rotateAPIKey(
        id: String,
        keyHash: String,
        keyHint: String,
        previousExpiresAt: String?
    ) async throws -> StoredAPIKey? {
        try await self.transaction { db in
            guard
                let current = try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first()
                    .map(Self.storedKey)
            else { return nil }
            let previous = previousExpiresAt == nil ? nil : current.keyHash
            try await db.raw(
                """
                UPDATE api_keys SET key_hash = \(bind: keyHash), key_hint = \(bind: keyHint),
                  previous_key_hash = \(bind: previous), previous_key_expires_at = \(bind: previousExpiresAt),
                  last_updated_at = \(bind: Timestamps.now())
                WHERE id = \(bind: id)
                """
            ).run()
            try await Self.recordChange(db, entity: "api_key", key: id)
            return try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first().map(Self.storedKey)
        }
    }

    // MARK: - Credentials

    private static func storedCredential(_ row: any SQLRow) throws -> StoredCredential {
        let kind = try row.decode(column: "kind", as: String.self)
        return StoredCredential(
            id: try row.decode(column: "id", as: String.self),
            slug: try row.decode(column: "slug", as: String.self),
            kind: CredentialKind(rawValue: kind) ?? .provider,
            name: try row.decode(column: "name", as: String.self),
            provider: try row.decode(column: "provider", as: String.self),
            integration: try row.decode(column: "integration", as: String?.self),
            sealedSecret: try row.decode(column: "sealed_secret", as: String?.self),
            secretHint: try row.decode(column: "secret_hint", as: String?.self),
            details: try row.decode(column: "details", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            lastUpdatedAt: try row.decode(column: "last_updated_at", as: String.self)
        )
    }

    private static func kindList(_ kinds: [CredentialKind]) -> SQLQueryString {
        var list: SQLQueryString = "("
        for (index, kind) in kinds.enumerated() {
            list = list + (index == 0 ? "" : ", ") + "\(bind: kind.rawValue)"
        }
        return list + ")"
    }

    public func listCredentials(kinds: [CredentialKind]) async throws -> [StoredCredential] {
        try await self.database.raw(
            "SELECT * FROM credentials WHERE kind IN " + Self.kindList(kinds) + " ORDER BY created_at, slug"
        ).all().map(Self.storedCredential)
    }

    public func credential(slug: String, kinds: [CredentialKind]) async throws -> StoredCredential? {
        try await Self.credential(slug: slug, kinds: kinds, in: self.database)
    }

    private static func credential(
        slug: String,
        kinds: [CredentialKind],
        in db: any SQLDatabase
    ) async throws -> StoredCredential? {
        try await db.raw(
            "SELECT * FROM credentials WHERE slug = \(bind: slug) AND kind IN " + Self.kindList(kinds)
        ).first().map(Self.storedCredential)
    }

    public func createCredential(_ credential: StoredCredential) async throws {
        let taken = StoreError.conflict(
            "\(credential.kind == .integration ? "integration" : "provider") '\(credential.slug)'"
        )
        do {
            try await self.transaction { db in
                if try await Self.credential(slug: credential.slug, kinds: credential.kind.namespace, in: db) != nil {
                    throw taken
                }
                try await db.raw(
                    """
                    INSERT INTO credentials (id, slug, kind, name, provider, integration, sealed_secret, secret_hint,
                      details, status, created_at, last_updated_at)
                    VALUES (\(bind: credential.id), \(bind: credential.slug), \(bind: credential.kind.rawValue),
                      \(bind: credential.name), \(bind: credential.provider), \(bind: credential.integration),
                      \(bind: credential.sealedSecret), \(bind: credential.secretHint), \(bind: credential.details),
                      \(bind: credential.status), \(bind: credential.createdAt), \(bind: credential.lastUpdatedAt))
                    """
                ).run()
                try await Self.recordChange(db, entity: "credential", key: credential.slug)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            // Two creates of one slug at once: the loser hits the unique constraint.
            if try await self.credential(slug: credential.slug, kinds: credential.kind.namespace) != nil { throw taken }
            throw error
        }
    }

    public func updateCredential(_ credential: StoredCredential) async throws -> StoredCredential? {
        try await self.transaction { db in
            guard try await Self.credential(slug: credential.slug, kinds: [credential.kind], in: db) != nil else {
                return nil
            }
            try await db.raw(
                """
                UPDATE credentials SET name = \(bind: credential.name), provider = \(bind: credential.provider),
                  integration = \(bind: credential.integration), sealed_secret = \(bind: credential.sealedSecret),
                  secret_hint = \(bind: credential.secretHint), details = \(bind: credential.details),
                  status = \(bind: credential.status), last_updated_at = \(bind: Timestamps.now())
                WHERE slug = \(bind: credential.slug) AND kind = \(bind: credential.kind.rawValue)
                """
            ).run()
            try await Self.recordChange(db, entity: "credential", key: credential.slug)
            return try await Self.credential(slug: credential.slug, kinds: [credential.kind], in: db)
        }
    }

    public func deleteCredential(slug: String, kind: CredentialKind) async throws -> Bool {
        try await self.transaction { db in
            guard try await Self.credential(slug: slug, kinds: [kind], in: db) != nil else { return false }
            if kind == .integration {
                let users = try await db.raw(
                    "SELECT slug FROM credentials WHERE kind = 'provider' AND integration = \(bind: slug) ORDER BY slug"
                ).all().map { try $0.decode(column: "slug", as: String.self) }
                if !users.isEmpty {
                    throw StoreError.inUse(
                        "Integration '\(slug)' is used by provider \(users.map { "'\($0)'" }.joined(separator: ", ")); "
                            + "delete \(users.count == 1 ? "it" : "them") first."
                    )
                }
            }
            try await db.raw(
                "DELETE FROM credentials WHERE slug = \(bind: slug) AND kind = \(bind: kind.rawValue)"
            ).run()
            try await Self.recordChange(db, entity: "credential", key: slug)
            return true
        }
    }

    // MARK: - Presets

    /// `FOR UPDATE` on PostgreSQL (row locks keep concurrent writers of one row in line); SQLite's
    /// transactions already take turns.
    private var lockRows: SQLQueryString { self.backend == .postgres ? " FOR UPDATE" : "" }

    private static func storedPreset(_ row: any SQLRow) throws -> StoredPreset {
        StoredPreset(
            id: try row.decode(column: "id", as: String.self),
            slug: try row.decode(column: "slug", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            status: try row.decode(column: "status", as: String.self),
            designatedVersionID: try row.decode(column: "designated_version_id", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            updatedAt: try row.decode(column: "updated_at", as: String.self),
            statusUpdatedAt: try row.decode(column: "status_updated_at", as: String?.self)
        )
    }

    private static func storedPresetVersion(_ row: any SQLRow, prefix: String = "") throws -> StoredPresetVersion {
        StoredPresetVersion(
            id: try row.decode(column: prefix + "id", as: String.self),
            presetID: try row.decode(column: prefix + "preset_id", as: String.self),
            version: try row.decode(column: prefix + "version", as: Int.self),
            systemPrompt: try row.decode(column: prefix + "system_prompt", as: String?.self),
            config: try row.decode(column: prefix + "config", as: String.self),
            createdAt: try row.decode(column: prefix + "created_at", as: String.self),
            updatedAt: try row.decode(column: prefix + "updated_at", as: String.self)
        )
    }

    public func listPresets() async throws -> [StoredPreset] {
        try await self.database.raw("SELECT * FROM presets ORDER BY updated_at DESC, slug").all().map(Self.storedPreset)
    }

    public func preset(slug: String) async throws -> StoredPreset? {
        try await self.database.raw("SELECT * FROM presets WHERE slug = \(bind: slug)").first().map(Self.storedPreset)
    }

    public func addPresetVersion(
        slug: String,
        systemPrompt: String?,
        config: String
    ) async throws -> (preset: StoredPreset, version: StoredPresetVersion) {
        let lockRows = self.lockRows
        return try await self.transaction { db in
            let now = Timestamps.now()
            // Creating the preset cannot collide: of two creates racing, one inserts and both go on with it.
            try await db.raw(
                """
                INSERT INTO presets (id, slug, name, description, status, designated_version_id, created_at, updated_at)
                VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: slug), \(bind: slug), NULL, 'active', NULL,
                  \(bind: now), \(bind: now))
                ON CONFLICT (slug) DO NOTHING
                """
            ).run()
            guard
                var preset = try await db.raw("SELECT * FROM presets WHERE slug = \(bind: slug)" + lockRows).first()
                    .map(Self.storedPreset)
            else { throw StoreError.conflict("preset '\(slug)'") }
            let last = try await db.raw(
                "SELECT COALESCE(MAX(version), 0) AS last FROM preset_versions WHERE preset_id = \(bind: preset.id)"
            ).first()
            let version = StoredPresetVersion(
                id: UUID().uuidString.lowercased(),
                presetID: preset.id,
                version: (try last?.decode(column: "last", as: Int.self) ?? 0) + 1,
                systemPrompt: systemPrompt,
                config: config,
                createdAt: now,
                updatedAt: now
            )
            try await db.raw(
                """
                INSERT INTO preset_versions (id, preset_id, version, system_prompt, config, created_at, updated_at)
                VALUES (\(bind: version.id), \(bind: preset.id), \(bind: version.version), \(bind: systemPrompt),
                  \(bind: config), \(bind: now), \(bind: now))
                """
            ).run()
            try await db.raw(
                """
                UPDATE presets SET designated_version_id = \(bind: version.id), updated_at = \(bind: now)
                WHERE id = \(bind: preset.id)
                """
            ).run()
            preset.designatedVersionID = version.id
            preset.updatedAt = now
            try await Self.recordChange(db, entity: "preset", key: slug)
            return (preset, version)
        }
    }

    public func presetVersions(slug: String) async throws -> [StoredPresetVersion]? {
        guard let preset = try await self.preset(slug: slug) else { return nil }
        return try await self.database.raw(
            "SELECT * FROM preset_versions WHERE preset_id = \(bind: preset.id) ORDER BY version"
        ).all().map { try Self.storedPresetVersion($0) }
    }

    public func designatedPresetVersions() async throws -> [(preset: StoredPreset, version: StoredPresetVersion)] {
        try await self.database.raw(
            """
            SELECT p.*, v.id AS v_id, v.preset_id AS v_preset_id, v.version AS v_version,
              v.system_prompt AS v_system_prompt, v.config AS v_config, v.created_at AS v_created_at,
              v.updated_at AS v_updated_at
            FROM presets p JOIN preset_versions v ON v.id = p.designated_version_id
            """
        ).all().map { (try Self.storedPreset($0), try Self.storedPresetVersion($0, prefix: "v_")) }
    }

    // MARK: - Models registry

    private static func storedModel(_ row: any SQLRow) throws -> StoredRegistryModel {
        StoredRegistryModel(
            project: try row.decode(column: "project", as: String.self),
            id: try row.decode(column: "model_id", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            sealedAPIKey: try row.decode(column: "sealed_api_key", as: String?.self),
            etag: try row.decode(column: "etag", as: String.self),
            isDefault: try row.decode(column: "is_default", as: Int.self) != 0,
            createdAt: try row.decode(column: "created_at", as: String.self),
            updatedAt: try row.decode(column: "updated_at", as: String.self)
        )
    }

    public func listRegistryModels(project: String?) async throws -> [StoredRegistryModel] {
        let filter: SQLQueryString = project.map { " WHERE project = \(bind: $0)" } ?? ""
        return try await self.database.raw("SELECT * FROM registry_models" + filter + " ORDER BY project, model_id")
            .all().map(Self.storedModel)
    }

    public func registryModel(project: String, id: String) async throws -> StoredRegistryModel? {
        try await self.database.raw(
            "SELECT * FROM registry_models WHERE project = \(bind: project) AND model_id = \(bind: id)"
        ).first().map(Self.storedModel)
    }

    public func putRegistryModel(_ model: StoredRegistryModel, ifMatch: String?) async throws -> RegistryPutOutcome {
        let lockRows = self.lockRows
        let attempt: @Sendable () async throws -> RegistryPutOutcome = {
            try await self.transaction { db in
                let current = try await db.raw(
                    """
                    SELECT * FROM registry_models WHERE project = \(bind: model.project) AND model_id = \(bind: model.id)
                    """ + lockRows
                ).first().map(Self.storedModel)
                if let ifMatch {
                    guard let current else { return .staleIfMatch }
                    guard current.etag == ifMatch else { return .etagMismatch }
                }
                if model.isDefault,
                    let other = try await db.raw(
                        """
                        SELECT model_id FROM registry_models WHERE project = \(bind: model.project) AND is_default = 1
                          AND model_id <> \(bind: model.id)
                        """
                    ).first()
                {
                    return .defaultTaken(try other.decode(column: "model_id", as: String.self))
                }
                var stored = model
                if let current {
                    stored.createdAt = current.createdAt
                    try await db.raw(
                        """
                        UPDATE registry_models SET body = \(bind: stored.body), sealed_api_key = \(bind: stored.sealedAPIKey),
                          etag = \(bind: stored.etag), is_default = \(bind: stored.isDefault ? 1 : 0),
                          updated_at = \(bind: stored.updatedAt)
                        WHERE project = \(bind: stored.project) AND model_id = \(bind: stored.id)
                        """
                    ).run()
                } else {
                    try await db.raw(
                        """
                        INSERT INTO registry_models (project, model_id, body, sealed_api_key, etag, is_default,
                          created_at, updated_at)
                        VALUES (\(bind: stored.project), \(bind: stored.id), \(bind: stored.body),
                          \(bind: stored.sealedAPIKey), \(bind: stored.etag), \(bind: stored.isDefault ? 1 : 0),
                          \(bind: stored.createdAt), \(bind: stored.updatedAt))
                        """
                    ).run()
                }
                try await Self.recordChange(db, entity: "model", key: "\(model.project)/\(model.id)")
                return current == nil ? .created(stored) : .replaced(stored)
            }
        }
        do {
            return try await attempt()
        } catch {
            // Two creates of one new id at once: the loser hits the primary key, and then replaces (or not).
            guard try await self.registryModel(project: model.project, id: model.id) != nil else { throw error }
            return try await attempt()
        }
    }

    public func deleteRegistryModel(project: String, id: String) async throws -> Bool {
        try await self.transaction { db in
            guard
                try await db.raw(
                    "SELECT model_id FROM registry_models WHERE project = \(bind: project) AND model_id = \(bind: id)"
                ).first() != nil
            else { return false }
            try await db.raw(
                "DELETE FROM registry_models WHERE project = \(bind: project) AND model_id = \(bind: id)"
            ).run()
            try await Self.recordChange(db, entity: "model", key: "\(project)/\(id)")
            return true
        }
    }

    // MARK: - Changes

    private static func recordChange(_ db: any SQLDatabase, entity: String, key: String) async throws {
        try await db.raw(
            "INSERT INTO changes (entity, entity_key, at) VALUES (\(bind: entity), \(bind: key), \(bind: Timestamps.now()))"
        ).run()
    }

    public func changeMark() async throws -> Int64 {
        let row = try await self.database.raw("SELECT COALESCE(MAX(seq), 0) AS mark FROM changes").first()
        return try row?.decode(column: "mark", as: Int64.self) ?? 0
    }
}
