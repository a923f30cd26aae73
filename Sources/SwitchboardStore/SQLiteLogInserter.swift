import NIOCore
import NIOPosix
// The C API of the SQLite that SQLiteNIO builds (its symbols carry a `sqlite_nio_` prefix). The request log is
// the one write that runs on every request; SQLiteNIO prepares a statement per query, which made parsing the
// log's INSERT cost about as much as inserting the rows.
import VaporCSQLite

#if canImport(Glibc)
import Glibc
#endif

/// The request log's own connection to the SQLite file, with its INSERT prepared once and run row by row: no
/// statement text to build and parse per batch, values bound as they are, a batch in one job on the store's
/// thread (under the store's transaction lock, so the two connections never wait on each other).
///
/// The job works in short spans and commits every 128 rows, pausing in between: the scheduler lets a
/// running thread finish its slice (milliseconds) before an event loop woken on the same CPU gets it, so a
/// large batch written in one go made every request that arrived meanwhile wait (the light-load p99). A batch
/// of ``largeBatch`` rows or more means the log is behind: it is written without pauses.
final class SQLiteLogInserter: @unchecked Sendable {
    // Used only inside jobs on `threadPool` (one thread), so never from two threads at once.
    private var connection: OpaquePointer?
    private var insert: OpaquePointer?
    private let threadPool: NIOThreadPool

    private let path: String
    private let columns: String

    /// Opens nothing yet: the table may not exist until the store is migrated.
    init(path: String, columns: String, threadPool: NIOThreadPool) {
        self.path = path
        self.columns = columns
        self.threadPool = threadPool
    }

    /// Opens the connection and prepares the INSERT, the first time.
    private func prepareIfNeeded() throws {
        guard self.insert == nil else { return }
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        do {
            guard sqlite_nio_sqlite3_open_v2(self.path, &self.connection, flags, nil) == SQLITE_OK else {
                throw StoreError.sqlite("opening \(self.path) for the request log: \(self.errorMessage)")
            }
            // The store's own connection may hold the write lock for a moment: wait for it rather than fail.
            try self.execute("PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16000")
            let placeholders = Array(repeating: "?", count: self.columns.split(separator: ",").count)
            let sql = "INSERT INTO request_logs (\(self.columns)) VALUES (\(placeholders.joined(separator: ", ")))"
            let persistent = UInt32(SQLITE_PREPARE_PERSISTENT)
            guard sqlite_nio_sqlite3_prepare_v3(self.connection, sql, -1, persistent, &self.insert, nil) == SQLITE_OK
            else { throw StoreError.sqlite("preparing the request log insert: \(self.errorMessage)") }
        } catch {
            self.closeNow()
            throw error
        }
    }

    /// Inserts `records` in order, in one job on the store's thread. Throws ``RequestLogPartialWrite`` if it
    /// fails after committing some.
    func insert(_ records: [RequestLogRecord]) async throws {
        try await self.threadPool.runIfActive {
            try self.prepareIfNeeded()
            var committed = 0
            var pausing = records.count < Self.largeBatch
            do {
                try self.execute("BEGIN IMMEDIATE")
                var spanStart = NIODeadline.now()
                for (index, record) in records.enumerated() {
                    if index - committed == Self.rowsPerCommit {
                        try self.execute("COMMIT")
                        committed = index
                        if pausing { pausing = Self.pause() }
                        try self.execute("BEGIN IMMEDIATE")
                        spanStart = NIODeadline.now()
                    } else if pausing, index & 3 == 3, NIODeadline.now() - spanStart > Self.span {
                        pausing = Self.pause()
                        spanStart = NIODeadline.now()
                    }
                    let bound = self.bind(record)
                    let stepped = sqlite_nio_sqlite3_step(self.insert)
                    sqlite_nio_sqlite3_reset(self.insert)
                    guard bound, stepped == SQLITE_DONE else {
                        throw StoreError.sqlite("writing the request log: \(self.errorMessage)")
                    }
                }
                try self.execute("COMMIT")
            } catch {
                try? self.execute("ROLLBACK")
                guard committed > 0 else { throw error }
                throw RequestLogPartialWrite(stored: committed, error: error)
            }
        }
    }

    /// Rows per transaction: a commit writes the transaction's pages to the WAL in one go, so it is kept short;
    /// more often would rewrite the same half-filled pages.
    static let rowsPerCommit = 128
    /// How long the writer works before it steps off the CPU.
    static let span = TimeAmount.microseconds(100)
    /// Paused, the writer does ~12 rows per 400 µs (~30,000 a second); a log further behind than this goes at
    /// full speed.
    static let largeBatch = 1_024

    /// Steps off the CPU for 300 µs: long enough for a woken event loop to answer a request and its client to
    /// send the next, so a request meets one span at most (with 20 µs pauses the spans came so close together
    /// that a request could meet two or three: one-CPU light-load p99 500 → 340 µs). False when the CPU was
    /// taken for over 2 ms: it is saturated, and more pauses would only make the log fall behind (pausing
    /// regardless cost ~5 µs of CPU per request at saturation).
    private static func pause() -> Bool {
        let start = NIODeadline.now()
        var pause = timespec(tv_sec: 0, tv_nsec: 300_000)
        nanosleep(&pause, nil)
        return NIODeadline.now() - start < .milliseconds(2)
    }

    /// SQLite copies bound text before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Binds a record's values to the prepared INSERT's parameters, in column order.
    private func bind(_ record: RequestLogRecord) -> Bool {
        var index: Int32 = 0
        var failed = false
        SQLStore.forEachValue(of: record) { value in
            index += 1
            guard !failed else { return }
            failed = self.bind(value, at: index) != SQLITE_OK
        }
        return !failed
    }

    private func bind(_ value: SQLStore.LogValue, at index: Int32) -> Int32 {
        switch value {
        case .text(var text?):
            return text.withUTF8 { bytes in
                let utf8 = UInt8(SQLITE_UTF8)
                guard let base = bytes.baseAddress else {
                    return sqlite_nio_sqlite3_bind_text64(self.insert, index, "", 0, Self.transient, utf8)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite_nio_sqlite3_bind_text64(self.insert, index, $0, UInt64(bytes.count), Self.transient, utf8)
                }
            }
        case .int(let number): return sqlite_nio_sqlite3_bind_int64(self.insert, index, Int64(number))
        case .real(let number?): return sqlite_nio_sqlite3_bind_double(self.insert, index, number)
        case .text(nil), .real(nil): return sqlite_nio_sqlite3_bind_null(self.insert, index)
        }
    }

    func close() async {
        try? await self.threadPool.runIfActive { self.closeNow() }
    }

    private func closeNow() {
        sqlite_nio_sqlite3_finalize(self.insert)
        self.insert = nil
        sqlite_nio_sqlite3_close(self.connection)
        self.connection = nil
    }

    private func execute(_ sql: String) throws {
        guard sqlite_nio_sqlite3_exec(self.connection, sql, nil, nil, nil) == SQLITE_OK else {
            throw StoreError.sqlite("\(sql): \(self.errorMessage)")
        }
    }

    private var errorMessage: String {
        sqlite_nio_sqlite3_errmsg(self.connection).map { String(cString: $0) } ?? "out of memory"
    }
}
