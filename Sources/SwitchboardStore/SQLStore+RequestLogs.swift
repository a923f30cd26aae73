import Foundation
import Logging
import NIOCore
import PostgresKit
import SQLKit
import SQLiteKit

/// The request log and feedback, in SQL both databases run.
extension SQLStore {
    static let logColumns = """
        id, created_at, trace_id, span_id, parent_span_id, span_name, method, path, endpoint, provider, model, status,
        duration_ms, first_byte_ms, upstream_ms, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
        reasoning_tokens, usage_source, cost_cents, stream, complete, retry_count, config, preset, virtual_key,
        api_key_id, option_index, metadata, request_headers, request_body, response_body, cache_status, response_bytes,
        refused_by, cache_saved_cents, hook_results, prompt_slug
        """

    public func insertRequestLogs(_ records: [RequestLogRecord]) async throws {
        guard !records.isEmpty else { return }
        // Values go to the drivers as they are: SQLKit's Encodable binding costs more than SQLite's insert.
        switch self.driver {
        case .sqlite(let log):
            try await self.turns!.withLock { try await log.insert(records) }
        case .postgres(let pool):
            try await pool.withConnection { connection in
                let promise = connection.eventLoop.makePromise(of: Void.self)
                promise.completeWithTask { try await Self.insert(records, on: connection) }
                return promise.futureResult
            }.get()
        }
    }

    /// Inserts `records` in one transaction, in multi-row statements. Each statement's values are encoded on the
    /// connection's event loop — the store's own thread, at nice 5 — just before it is sent: the thread works
    /// a few hundred microseconds, then waits for the database while the event loops get the CPU. Encoding a
    /// whole 300-row batch at once held a shared CPU for 2 ms (the light-load p99). A large batch means the log
    /// is behind: it goes in larger statements, fewer round trips.
    private static func insert(_ records: [RequestLogRecord], on connection: PostgresConnection) async throws {
        let logger = Logger(label: "switchboard.store")
        let largest = records.count < Self.largeBatch ? Self.rowsPerStatement : Self.rowsPerStatementWhenBehind
        _ = try await connection.query("BEGIN", logger: logger)
        do {
            var start = records.startIndex
            while start < records.endIndex {
                let size = Self.statementSize(records.endIndex - start, largest: largest)
                let rows = records[start..<start + size]
                let query = try await connection.eventLoop.submit { Self.insertQuery(rows) }.get()
                _ = try await connection.query(query, logger: logger)
                start += size
            }
            _ = try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Rows per PostgreSQL INSERT, at most: ~200 µs of encoding.
    private static let rowsPerStatement = 32
    /// Rows per INSERT when a batch has ``largeBatch`` rows or more (256 × 36 values, under the protocol's 65,535).
    private static let rowsPerStatementWhenBehind = 256
    /// A batch this large means the log is behind (a light load's 25 ms batches stay well below it).
    private static let largeBatch = 1_024
    /// The INSERTs for 1, 2, 4 … 256 rows, built once: a batch is sent in statements of these sizes.
    private static let statements = (0...rowsPerStatementWhenBehind.trailingZeroBitCount).map {
        SQLStore.insertStatement(rows: 1 << $0)
    }

    /// The largest power of two up to `largest` that is not above `remaining`.
    private static func statementSize(_ remaining: Int, largest: Int) -> Int {
        min(largest, 1 << (Int.bitWidth - 1 - remaining.leadingZeroBitCount))
    }

    /// One multi-row INSERT for `rows` (a count ``statementSize(_:largest:)`` gives), with their values bound as
    /// they are (SQLKit's Encodable binding costs more than the insert).
    private static func insertQuery(_ rows: ArraySlice<RequestLogRecord>) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: rows.count * Self.columnCount)
        for record in rows {
            Self.forEachValue(of: record) { value in
                switch value {
                case .text(let text?): bindings.append(text)
                case .int(let number): bindings.append(number)
                case .real(let number?): bindings.append(number)
                case .text(nil), .real(nil): bindings.appendNull()
                }
            }
        }
        return PostgresQuery(unsafeSQL: Self.statements[rows.count.trailingZeroBitCount], binds: bindings)
    }

    enum LogValue {
        case text(String?)
        case int(Int)
        case real(Double?)
    }

    private static let columnCount = SQLStore.logColumns.split(separator: ",").count

    /// `INSERT … VALUES ($1, …), (…)` for `rows` records.
    private static func insertStatement(rows: Int) -> String {
        let width = Self.columnCount
        var sql = "INSERT INTO request_logs (\(Self.logColumns)) VALUES "
        sql.reserveCapacity(sql.utf8.count + rows * width * 7)
        var parameter = 0
        for row in 0..<rows {
            sql += row == 0 ? "(" : "), ("
            for column in 0..<width {
                parameter += 1
                if column > 0 { sql += ", " }
                sql += "$"
                sql += String(parameter)
            }
        }
        return sql + ")"
    }

    /// Hands a record's values to `body` in the order of ``logColumns``, without building an array of them:
    /// the request log's writer binds them straight into its statement, row after row.
    static func forEachValue(of r: RequestLogRecord, _ body: (LogValue) -> Void) {
        body(.text(r.id))
        body(.text(r.createdAt))
        body(.text(r.traceID))
        body(.text(r.spanID))
        body(.text(r.parentSpanID))
        body(.text(r.spanName))
        body(.text(r.method))
        body(.text(r.path))
        body(.text(r.endpoint))
        body(.text(r.provider))
        body(.text(r.model))
        body(.int(r.status))
        body(.real(r.durationMs))
        body(.real(r.firstByteMs))
        body(.real(r.upstreamMs))
        body(.int(r.promptTokens))
        body(.int(r.completionTokens))
        body(.int(r.cachedTokens))
        body(.int(r.cacheWriteTokens))
        body(.int(r.reasoningTokens))
        body(.text(r.usageSource))
        body(.real(r.costCents))
        body(.int(r.stream ? 1 : 0))
        body(.int(r.complete ? 1 : 0))
        body(.int(r.retryCount))
        body(.text(r.config))
        body(.text(r.preset))
        body(.text(r.virtualKey))
        body(.text(r.apiKeyID))
        body(.text(r.optionIndex))
        body(.text(r.metadata))
        body(.text(r.requestHeaders))
        body(.text(r.requestBody))
        body(.text(r.responseBody))
        body(.text(r.cacheStatus))
        body(.int(r.responseBytes))
        body(.text(r.refusedBy))
        body(.real(r.cacheSavedCents))
        body(.text(r.hookResults))
        body(.text(r.promptSlug))
    }

    private static func logRecord(_ row: any SQLRow) throws -> RequestLogRecord {
        var record = RequestLogRecord(
            id: try row.decode(column: "id", as: String.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            traceID: try row.decode(column: "trace_id", as: String.self),
            method: try row.decode(column: "method", as: String.self),
            path: try row.decode(column: "path", as: String.self),
            endpoint: try row.decode(column: "endpoint", as: String.self),
            provider: try row.decode(column: "provider", as: String.self),
            status: try row.decode(column: "status", as: Int.self),
            durationMs: try row.decode(column: "duration_ms", as: Double.self)
        )
        record.spanID = try row.decode(column: "span_id", as: String?.self)
        record.parentSpanID = try row.decode(column: "parent_span_id", as: String?.self)
        record.spanName = try row.decode(column: "span_name", as: String?.self)
        record.model = try row.decode(column: "model", as: String?.self)
        record.firstByteMs = try row.decode(column: "first_byte_ms", as: Double?.self)
        record.upstreamMs = try row.decode(column: "upstream_ms", as: Double?.self)
        record.promptTokens = try row.decode(column: "prompt_tokens", as: Int.self)
        record.completionTokens = try row.decode(column: "completion_tokens", as: Int.self)
        record.cachedTokens = try row.decode(column: "cached_tokens", as: Int.self)
        record.cacheWriteTokens = try row.decode(column: "cache_write_tokens", as: Int.self)
        record.reasoningTokens = try row.decode(column: "reasoning_tokens", as: Int.self)
        record.usageSource = try row.decode(column: "usage_source", as: String.self)
        record.costCents = try row.decode(column: "cost_cents", as: Double?.self)
        record.stream = try row.decode(column: "stream", as: Int.self) != 0
        record.complete = try row.decode(column: "complete", as: Int.self) != 0
        record.retryCount = try row.decode(column: "retry_count", as: Int.self)
        record.config = try row.decode(column: "config", as: String?.self)
        record.preset = try row.decode(column: "preset", as: String?.self)
        record.virtualKey = try row.decode(column: "virtual_key", as: String?.self)
        record.apiKeyID = try row.decode(column: "api_key_id", as: String?.self)
        record.optionIndex = try row.decode(column: "option_index", as: String?.self)
        record.metadata = try row.decode(column: "metadata", as: String.self)
        record.requestHeaders = try row.decode(column: "request_headers", as: String?.self)
        record.requestBody = try row.decode(column: "request_body", as: String?.self)
        record.responseBody = try row.decode(column: "response_body", as: String?.self)
        record.cacheStatus = try row.decode(column: "cache_status", as: String.self)
        record.responseBytes = try row.decode(column: "response_bytes", as: Int.self)
        record.refusedBy = try row.decode(column: "refused_by", as: String?.self)
        record.cacheSavedCents = try row.decode(column: "cache_saved_cents", as: Double?.self)
        record.hookResults = try row.decode(column: "hook_results", as: String?.self)
        record.promptSlug = try row.decode(column: "prompt_slug", as: String?.self)
        return record
    }

    public func requestLog(id: String) async throws -> RequestLogRecord? {
        try await self.database.raw("SELECT * FROM request_logs WHERE id = \(bind: id)").first().map(Self.logRecord)
    }

    /// `WHERE …` for `filter` (always a clause, `1 = 1` when empty).
    static func whereClause(_ filter: RequestLogFilter) -> SQLQueryString {
        var clause: SQLQueryString = " WHERE 1 = 1"
        func list<T: Encodable & Sendable>(_ column: String, _ values: [T]) {
            guard !values.isEmpty else { return }
            clause = clause + " AND \(unsafeRaw: column) IN ("
            for (index, value) in values.enumerated() { clause = clause + (index == 0 ? "" : ", ") + "\(bind: value)" }
            clause = clause + ")"
        }
        if let value = filter.timeMin { clause = clause + " AND created_at >= \(bind: value)" }
        if let value = filter.timeMax { clause = clause + " AND created_at <= \(bind: value)" }
        list("status", filter.statusCodes)
        list("config", filter.configs)
        list("api_key_id", filter.apiKeyIDs)
        list("virtual_key", filter.virtualKeys)
        if let value = filter.traceID { clause = clause + " AND trace_id = \(bind: value)" }
        if let value = filter.spanID { clause = clause + " AND span_id = \(bind: value)" }
        if let value = filter.costMin { clause = clause + " AND cost_cents >= \(bind: value)" }
        if let value = filter.costMax { clause = clause + " AND cost_cents <= \(bind: value)" }
        if let value = filter.tokensMin { clause = clause + " AND prompt_tokens + completion_tokens >= \(bind: value)" }
        if let value = filter.tokensMax { clause = clause + " AND prompt_tokens + completion_tokens <= \(bind: value)" }
        if let value = filter.promptTokensMin { clause = clause + " AND prompt_tokens >= \(bind: value)" }
        if let value = filter.promptTokensMax { clause = clause + " AND prompt_tokens <= \(bind: value)" }
        if let value = filter.completionTokensMin { clause = clause + " AND completion_tokens >= \(bind: value)" }
        if let value = filter.completionTokensMax { clause = clause + " AND completion_tokens <= \(bind: value)" }
        if !filter.providerModels.isEmpty {
            clause = clause + " AND ("
            for (index, pair) in filter.providerModels.enumerated() {
                clause =
                    clause + (index == 0 ? "" : " OR ")
                    + "(provider = \(bind: pair.provider) AND model = \(bind: pair.model))"
            }
            clause = clause + ")"
        }
        // Metadata is kept as compact JSON with sorted keys: a member is a fixed piece of text.
        for (key, value) in filter.metadata {
            let member = Self.jsonString(key) + ":" + Self.jsonString(value)
            clause = clause + " AND metadata LIKE \(bind: "%" + Self.escapeLike(member) + "%") ESCAPE '!'"
        }
        return clause
    }

    static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])) ?? Data()
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    private static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "%", with: "!%")
            .replacingOccurrences(of: "_", with: "!_")
    }

    public func listRequestLogs(
        filter: RequestLogFilter,
        limit: Int,
        offset: Int
    ) async throws -> (records: [RequestLogRecord], total: Int) {
        let clause = Self.whereClause(filter)
        let total = try await self.database.raw("SELECT COUNT(*) AS total FROM request_logs" + clause).first()
        let records = try await self.database.raw(
            "SELECT * FROM request_logs" + clause
                + " ORDER BY created_at DESC, id LIMIT \(bind: limit) OFFSET \(bind: offset)"
        ).all().map(Self.logRecord)
        return (records, try total?.decode(column: "total", as: Int.self) ?? 0)
    }

    public func requestLogBuckets(filter: RequestLogFilter, width: Int) async throws -> [RequestLogBucket] {
        try await self.database.raw(
            """
            SELECT SUBSTR(created_at, 1, \(unsafeRaw: String(width))) AS bucket, COUNT(*) AS requests,
              SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
              COALESCE(SUM(cost_cents), 0) AS cost, SUM(prompt_tokens + completion_tokens) AS tokens,
              SUM(duration_ms) AS duration,
              SUM(CASE WHEN cache_status IN ('HIT', 'SEMANTIC HIT') THEN 1 ELSE 0 END) AS hits,
              SUM(CASE WHEN cache_status IN ('HIT', 'SEMANTIC HIT') THEN duration_ms ELSE 0 END) AS hit_duration,
              COALESCE(SUM(cache_saved_cents), 0) AS saved,
              SUM(CASE WHEN cache_status = 'SEMANTIC HIT' THEN 1 ELSE 0 END) AS semantic_hits,
              COALESCE(SUM(CASE WHEN cache_status = 'SEMANTIC HIT' THEN cache_saved_cents END), 0) AS semantic_saved
            FROM request_logs
            """ + Self.whereClause(filter) + " GROUP BY bucket ORDER BY bucket"
        ).all().map { row in
            RequestLogBucket(
                bucket: try row.decode(column: "bucket", as: String.self),
                requests: try row.decode(column: "requests", as: Int.self),
                errors: try row.decode(column: "errors", as: Int.self),
                costCents: try row.decode(column: "cost", as: Double.self),
                tokens: try row.decode(column: "tokens", as: Int.self),
                durationMsSum: try row.decode(column: "duration", as: Double.self),
                cacheHits: try row.decode(column: "hits", as: Int.self),
                cacheHitDurationMsSum: try row.decode(column: "hit_duration", as: Double.self),
                cacheSavedCents: try row.decode(column: "saved", as: Double.self),
                semanticHits: try row.decode(column: "semantic_hits", as: Int.self),
                semanticSavedCents: try row.decode(column: "semantic_saved", as: Double.self)
            )
        }
    }

    public func requestLogDurations(
        filter: RequestLogFilter,
        width: Int
    ) async throws
        -> [(bucket: String, ms: Double)]
    {
        try await self.database.raw(
            "SELECT SUBSTR(created_at, 1, \(unsafeRaw: String(width))) AS bucket, duration_ms FROM request_logs"
                + Self.whereClause(filter) + " ORDER BY duration_ms"
        ).all().map {
            (try $0.decode(column: "bucket", as: String.self), try $0.decode(column: "duration_ms", as: Double.self))
        }
    }

    public func requestLogErrorCounts(filter: RequestLogFilter) async throws -> [(status: Int, count: Int)] {
        try await self.database.raw(
            "SELECT status, COUNT(*) AS n FROM request_logs" + Self.whereClause(filter)
                + " AND status >= 400 GROUP BY status ORDER BY status"
        ).all().map { (try $0.decode(column: "status", as: Int.self), try $0.decode(column: "n", as: Int.self)) }
    }

    public func addFeedback(_ feedback: StoredFeedback) async throws {
        try await self.database.raw(
            """
            INSERT INTO feedback (id, trace_id, value, weight, metadata, created_at)
            VALUES (\(bind: feedback.id), \(bind: feedback.traceID), \(bind: feedback.value), \(bind: feedback.weight),
              \(bind: feedback.metadata), \(bind: feedback.createdAt))
            """
        ).run()
    }

    public func updateFeedback(
        id: String,
        value: Int,
        weight: Double,
        metadata: String
    ) async throws
        -> StoredFeedback?
    {
        try await self.transaction { db in
            try await db.raw(
                """
                UPDATE feedback SET value = \(bind: value), weight = \(bind: weight), metadata = \(bind: metadata)
                WHERE id = \(bind: id)
                """
            ).run()
            return try await db.raw("SELECT * FROM feedback WHERE id = \(bind: id)").first().map { row in
                StoredFeedback(
                    id: try row.decode(column: "id", as: String.self),
                    traceID: try row.decode(column: "trace_id", as: String.self),
                    value: try row.decode(column: "value", as: Int.self),
                    weight: try row.decode(column: "weight", as: Double.self),
                    metadata: try row.decode(column: "metadata", as: String.self),
                    createdAt: try row.decode(column: "created_at", as: String.self)
                )
            }
        }
    }
}
