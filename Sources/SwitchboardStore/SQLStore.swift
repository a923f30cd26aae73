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
            // Writes to one row queue behind its lock while holding their connections, and the store's thread
            // yields to the event loops: under a saturated CPU, 20 writes to one config took over 10 s (the
            // default wait for a connection) in the test suite.
            requestTimeout: .seconds(30),
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

    /// Locks the rows a transaction's `SELECT` reads, where the backend can (PostgreSQL; SQLite's transactions
    /// take turns anyway).
    var lockRows: SQLQueryString { self.backend == .postgres ? " FOR UPDATE" : "" }

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
}
