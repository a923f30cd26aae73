import Foundation
import Logging
import SwitchboardCore
import SwitchboardStore

/// Portkey's request logs (`/v1/logs`), feedback (`/v1/feedback`) and analytics (`/v1/analytics/…`), read
/// from the store's request log. Analytics are summed in SQL per time bucket; percentiles are taken from
/// the durations the store selects.
extension ControlPlane {
    func routeLogs(method: String, path: Substring, query: [String: String], body: [UInt8]) async throws -> Response {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).dropFirst(1).map(String.init)
        switch (method, parts.first, parts.count) {
        case ("GET", "logs", 1): return try await self.listLogs(query)
        case ("POST", "logs", 1): return try await self.ingestLogs(body)
        case ("GET", "logs", 2): return try await self.getLog(parts[1])
        case ("POST", "feedback", 1): return try await self.addFeedback(body)
        case ("PUT", "feedback", 2): return try await self.updateFeedback(parts[1], body)
        case ("GET", "analytics", _): return try await self.analytics(parts.dropFirst().joined(separator: "/"), query)
        case (_, "logs", 1...2), (_, "feedback", 1...2), (_, "analytics", _):
            throw APIError(405, "\(method) is not allowed on \(path); see docs/observability.md.")
        default:
            throw APIError(404, "No route \(method) \(path).")
        }
    }

    // MARK: - Logs

    private func getLog(_ id: String) async throws -> Response {
        guard let record = try await self.store.requestLog(id: id) else {
            throw APIError(404, "Log '\(id)' not found.")
        }
        return .json(Self.logJSON(record, detailed: true))
    }

    private func listLogs(_ query: [String: String]) async throws -> Response {
        let filter = try Self.filter(query, requireTimes: false)
        var size = 50
        if let text = query["page_size"] {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw APIError(400, "'page_size' must be an integer from 1 to 1000.")
            }
            size = value
        }
        var page = 0
        if let text = query["current_page"] {
            guard let value = Int(text), value >= 0 else { throw APIError(400, "'current_page' must be 0 or more.") }
            page = value
        }
        let (records, total) = try await self.store.listRequestLogs(filter: filter, limit: size, offset: page * size)
        return .json(
            .object([
                ("object", .string("list")), ("total", .number(Double(total))),
                ("data", .array(records.map { Self.logJSON($0, detailed: false) })),
            ])
        )
    }

    /// `POST /v1/logs`: one or a list of `{request:{url, method, headers, body}, response:{status, headers,
    /// body, response_time}, metadata}` from outside the gateway, counted like its own.
    private func ingestLogs(_ body: [UInt8]) async throws -> Response {
        guard !body.isEmpty, let parsed = JSONValue(parsing: body) else {
            throw APIError(400, "The request body is not valid JSON: send a log object or a list of them.")
        }
        let items = parsed.array ?? [parsed]
        guard !items.isEmpty, items.count <= 1000 else {
            throw APIError(400, "Send 1 to 1000 log objects at once.")
        }
        var records: [RequestLogRecord] = []
        for (index, item) in items.enumerated() {
            records.append(try self.ingestedRecord(item, at: items.count == 1 ? "" : "[\(index)]"))
        }
        try await self.store.insertRequestLogs(records)
        return .json(
            .object([
                ("status", .string("success")), ("success", .bool(true)),
                ("log_ids", .array(records.map { .string($0.id) })),
            ])
        )
    }

    private func ingestedRecord(_ item: JSONValue, at place: String) throws -> RequestLogRecord {
        guard let request = item["request"], request.members != nil else {
            throw APIError(400, "\(place)'request' is required: {url, method?, headers?, body}.")
        }
        guard let url = request["url"]?.string, let components = URLComponents(string: url), components.host != nil
        else {
            throw APIError(400, "\(place)'request.url' must be an absolute URL.")
        }
        let response = item["response"]
        if let response, response.members == nil { throw APIError(400, "\(place)'response' must be an object.") }
        let status = response?["status"]?.int ?? 200
        let metadata = item["metadata"]?.members ?? []
        if let bad = metadata.first(where: { $0.value.string == nil }) {
            throw APIError(400, "\(place)'metadata.\(bad.key)' must be a string.")
        }
        let provider = Self.provider(ofHost: components.host ?? "")
        var record = RequestLogRecord(
            id: UUID().uuidString.lowercased(),
            traceID: metadata.first { $0.key == "trace_id" }?.value.string ?? UUID().uuidString.lowercased(),
            method: request["method"]?.string ?? "POST",
            path: components.path,
            endpoint: "custom",
            provider: provider,
            status: status,
            durationMs: response?["response_time"]?.number ?? 0
        )
        record.spanID = metadata.first { $0.key == "span_id" }?.value.string
        record.spanName = metadata.first { $0.key == "span_name" }?.value.string
        record.model = request["body"]?["model"]?.string ?? response?["body"]?["model"]?.string
        record.metadata =
            JSONValue.object(
                metadata.filter { !["trace_id", "span_id", "span_name"].contains($0.key) }.sorted { $0.key < $1.key }
            ).jsonText
        if let responseBody = response?["body"], (200..<300).contains(status) {
            var scanner = UsageScanner(format: .json)
            Array(responseBody.jsonText.utf8).withUnsafeBytes { scanner.consume($0) }
            let usage = scanner.result(requestBytes: request["body"]?.jsonText.utf8.count ?? 0)
            let price = record.model.flatMap { self.host.price(provider: provider, model: $0) }
            record.count(usage, cost: price?.cost(of: usage))
        }
        record.requestBody = request["body"]?.jsonText
        record.responseBody = response?["body"]?.jsonText
        return record
    }

    /// A provider id for a well-known API host, else the host itself.
    private static func provider(ofHost host: String) -> String {
        for (id, known) in KnownProviders.all where known.baseURL.contains("://\(host)") { return id }
        return host
    }

    static func logJSON(_ r: RequestLogRecord, detailed: Bool) -> JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        let metadata = JSONValue(parsing: Array(r.metadata.utf8))?.members ?? []
        let metrics: [(key: String, value: JSONValue)] = [
            ("ai_org", .string(r.provider)), ("ai_model", optional(r.model)),
            ("req_units", .number(Double(r.promptTokens))), ("res_units", .number(Double(r.completionTokens))),
            ("total_units", .number(Double(r.promptTokens + r.completionTokens))),
            ("cached_units", .number(Double(r.cachedTokens))),
            ("cache_write_units", .number(Double(r.cacheWriteTokens))),
            ("reasoning_units", .number(Double(r.reasoningTokens))), ("usage_source", .string(r.usageSource)),
            // Cents to 10 decimals: sums of binary fractions are shown without their noise.
            ("cost", number(r.costCents.map { ($0 * 1e10).rounded() / 1e10 })), ("cost_currency", .string("USD cents")),
            ("response_status_code", .number(Double(r.status))), ("response_time", .number(r.durationMs)),
            ("is_success", .bool((200..<300).contains(r.status))), ("cache_status", .string(r.cacheStatus)),
            ("stream_mode", .bool(r.stream)), ("complete", .bool(r.complete)),
            ("response_bytes", .number(Double(r.responseBytes))),
            ("retry_success_count", .number(Double(r.retryCount))), ("trace_id", .string(r.traceID)),
            ("span_id", optional(r.spanID)), ("parent_span_id", optional(r.parentSpanID)),
            ("span_name", optional(r.spanName)), ("mode", .string(r.endpoint)), ("virtual_key", optional(r.virtualKey)),
            ("config", optional(r.config)), ("preset", optional(r.preset)), ("prompt_slug", .null),
            ("last_used_option_index", optional(r.optionIndex)), ("api_key_id", optional(r.apiKeyID)),
            ("metadata.key", .array(metadata.map { .string($0.key) })),
            ("metadata.value", .array(metadata.map { $0.value })),
            ("time_to_first_byte", number(r.firstByteMs)), ("upstream_response_time", number(r.upstreamMs)),
            ("gateway_processing_time", number(r.upstreamMs.map { max(0, r.durationMs - $0) })),
        ]
        var request: [(key: String, value: JSONValue)] = [("url", .string(r.path)), ("method", .string(r.method))]
        var response: [(key: String, value: JSONValue)] = [
            ("status", .number(Double(r.status))), ("responseTime", .number(r.durationMs)),
            ("lastUsedOptionJsonPath", optional(r.optionIndex)),
        ]
        if detailed {
            request.append(("headers", r.requestHeaders.flatMap { JSONValue(parsing: Array($0.utf8)) } ?? .object([])))
            request.append(("body", r.requestBody.map { JSONValue(parsing: Array($0.utf8)) ?? .string($0) } ?? .null))
            response.append(("body", r.responseBody.map { JSONValue(parsing: Array($0.utf8)) ?? .string($0) } ?? .null))
        }
        return .object([
            ("_id", .string(r.id)), ("id", .string(r.id)), ("created_at", .string(r.createdAt)),
            ("organisation_id", .string("local")), ("request", .object(request)), ("response", .object(response)),
            ("metrics", .object(metrics)), ("object", .string("log")),
        ])
    }

    // MARK: - Feedback

    private func addFeedback(_ body: [UInt8]) async throws -> Response {
        let object = try Self.jsonObject(body)
        guard let trace = object["trace_id"]?.string, !trace.isEmpty else {
            throw APIError(400, "'trace_id' is required: the x-portkey-trace-id of the request the feedback is about.")
        }
        let (value, weight, metadata) = try Self.feedbackFields(object)
        let feedback = StoredFeedback(
            id: UUID().uuidString.lowercased(),
            traceID: trace,
            value: value,
            weight: weight,
            metadata: metadata,
            createdAt: Timestamps.now()
        )
        try await self.store.addFeedback(feedback)
        return .json(
            .object([
                ("status", .string("success")), ("message", .string("feedback recorded")),
                ("feedback_ids", .array([.string(feedback.id)])),
            ])
        )
    }

    private func updateFeedback(_ id: String, _ body: [UInt8]) async throws -> Response {
        let (value, weight, metadata) = try Self.feedbackFields(try Self.jsonObject(body))
        guard try await self.store.updateFeedback(id: id, value: value, weight: weight, metadata: metadata) != nil
        else {
            throw APIError(404, "Feedback '\(id)' not found.")
        }
        return .json(
            .object([
                ("status", .string("success")), ("message", .string("feedback updated")),
                ("feedback_ids", .array([.string(id)])),
            ])
        )
    }

    private static func feedbackFields(_ object: JSONValue) throws -> (Int, Double, String) {
        guard let value = object["value"]?.int, (-10...10).contains(value) else {
            throw APIError(400, "'value' is required: an integer from -10 to 10.")
        }
        var weight = 1.0
        if let given = object["weight"], given != .null {
            guard let number = given.number, (0...1).contains(number) else {
                throw APIError(400, "'weight' must be a number from 0 to 1.")
            }
            weight = number
        }
        var metadata = "{}"
        if let given = object["metadata"], given != .null {
            guard let members = given.members else { throw APIError(400, "'metadata' must be an object.") }
            metadata = JSONValue.object(members.sorted { $0.key < $1.key }).jsonText
        }
        return (value, weight, metadata)
    }

    private static func jsonObject(_ body: [UInt8]) throws -> JSONValue {
        guard !body.isEmpty, let parsed = JSONValue(parsing: body) else {
            throw APIError(400, "The request body is not valid JSON.")
        }
        guard parsed.members != nil else { throw APIError(400, "The request body must be a JSON object.") }
        return parsed
    }

    // MARK: - Analytics

    private func analytics(_ name: String, _ query: [String: String]) async throws -> Response {
        let filter = try Self.filter(query, requireTimes: true)
        let width = Self.bucketWidth(from: filter.timeMin!, to: filter.timeMax!)
        func stamp(_ bucket: String) -> JSONValue {
            let suffix = ["2026-11-22".count: "T00:00:00.000Z", "2026-11-22T03".count: ":00:00.000Z"][bucket.count]
            return .string(bucket + (suffix ?? ":00.000Z"))
        }
        func graph(_ summary: [(key: String, value: JSONValue)], _ points: [JSONValue]) -> Response {
            .json(
                .object([
                    ("summary", .object(summary)), ("data_points", .array(points)),
                    ("object", .string("analytics-graph")),
                ])
            )
        }
        func n(_ value: Double) -> JSONValue { .number((value * 1e6).rounded() / 1e6) }
        if name == "graphs/errors/status-codes" {
            let counts = try await self.store.requestLogErrorCounts(filter: filter)
            return graph(
                [
                    ("total_errors", .number(Double(counts.reduce(0) { $0 + $1.count }))),
                    ("unique_error_codes", .number(Double(counts.count))),
                ],
                counts.map {
                    .object([("status_code", .number(Double($0.status))), ("count", .number(Double($0.count)))])
                }
            )
        }
        if name == "graphs/latency" {
            let durations = try await self.store.requestLogDurations(filter: filter, width: width)
            func summary(_ values: [Double]) -> [(key: String, value: JSONValue)] {
                guard !values.isEmpty else {
                    return [("avg", .number(0)), ("p50", .number(0)), ("p90", .number(0)), ("p99", .number(0))]
                }
                func percentile(_ p: Double) -> Double {
                    values[min(values.count - 1, Int((Double(values.count) * p).rounded(.up)) - 1)]
                }
                return [
                    ("avg", n(values.reduce(0, +) / Double(values.count))), ("p50", n(percentile(0.5))),
                    ("p90", n(percentile(0.9))), ("p99", n(percentile(0.99))),
                ]
            }
            var byBucket: [String: [Double]] = [:]
            for (bucket, ms) in durations { byBucket[bucket, default: []].append(ms) }
            return graph(
                summary(durations.map(\.ms)),
                byBucket.keys.sorted().map { .object([("timestamp", stamp($0))] + summary(byBucket[$0]!)) }
            )
        }
        let buckets = try await self.store.requestLogBuckets(filter: filter, width: width)
        let requests = Double(buckets.reduce(0) { $0 + $1.requests })
        let errors = Double(buckets.reduce(0) { $0 + $1.errors })
        let cost = buckets.reduce(0) { $0 + $1.costCents }
        let tokens = Double(buckets.reduce(0) { $0 + $1.tokens })
        let hits = Double(buckets.reduce(0) { $0 + $1.cacheHits })
        func avg(_ total: Double, _ count: Int) -> JSONValue { n(count == 0 ? 0 : total / Double(count)) }
        switch name {
        case "graphs/requests":
            return graph(
                [("total", .number(requests))],
                buckets.map { .object([("timestamp", stamp($0.bucket)), ("total", .number(Double($0.requests)))]) }
            )
        case "graphs/cost":
            return graph(
                [("total", n(cost)), ("avg", avg(cost, Int(requests)))],
                buckets.map {
                    .object([
                        ("timestamp", stamp($0.bucket)), ("total", n($0.costCents)),
                        ("avg", avg($0.costCents, $0.requests)),
                    ])
                }
            )
        case "graphs/tokens":
            return graph(
                [("total", .number(tokens)), ("avg", avg(tokens, Int(requests)))],
                buckets.map {
                    .object([
                        ("timestamp", stamp($0.bucket)), ("total", .number(Double($0.tokens))),
                        ("avg", avg(Double($0.tokens), $0.requests)),
                    ])
                }
            )
        case "graphs/errors":
            return graph(
                [("total", .number(errors))],
                buckets.map { .object([("timestamp", stamp($0.bucket)), ("total", .number(Double($0.errors)))]) }
            )
        case "graphs/errors/rate":
            return graph(
                [("rate", avg(100 * errors, Int(requests)))],
                buckets.map {
                    .object([("timestamp", stamp($0.bucket)), ("rate", avg(100 * Double($0.errors), $0.requests))])
                }
            )
        case "graphs/cache/hit-rate":
            return graph(
                [("total", .number(hits)), ("rate", avg(100 * hits, Int(requests)))],
                buckets.map {
                    .object([
                        ("timestamp", stamp($0.bucket)), ("simple_hits", .number(Double($0.cacheHits))),
                        ("semantic_hits", .number(0)), ("rate", avg(100 * Double($0.cacheHits), $0.requests)),
                        ("cumulative_simple_cache_savings", .number(0)),
                        ("cumulative_semantic_cache_savings", .number(0)),
                    ])
                }
            )
        case "summary/cache":
            let duration = buckets.reduce(0) { $0 + $1.durationMsSum }
            return .json(
                .object([
                    (
                        "summary",
                        .object([
                            ("hits", .number(hits)), ("avg_latency", avg(duration, Int(requests))),
                            ("total_requests", .number(requests)), ("cache_speedup", .number(0)),
                        ])
                    ),
                    ("object", .string("analytics-summary")),
                ])
            )
        default:
            throw APIError(
                404,
                "No analytics '\(name)'. Served: graphs/requests, graphs/cost, graphs/latency, graphs/tokens, "
                    + "graphs/errors, graphs/errors/rate, graphs/errors/status-codes, graphs/cache/hit-rate, summary/cache."
            )
        }
    }

    /// Characters of the timestamp that make a bucket: minutes up to 2 hours, hours up to 3 days, else days.
    private static func bucketWidth(from start: String, to end: String) -> Int {
        func epoch(_ text: String) -> Double? {
            let digits = text.split { !$0.isNumber }.compactMap { Int($0) }
            guard digits.count >= 6 else { return nil }
            var parts = tm()
            parts.tm_year = Int32(digits[0] - 1900)
            parts.tm_mon = Int32(digits[1] - 1)
            parts.tm_mday = Int32(digits[2])
            parts.tm_hour = Int32(digits[3])
            parts.tm_min = Int32(digits[4])
            parts.tm_sec = Int32(digits[5])
            return Double(timegm(&parts))
        }
        guard let from = epoch(start), let to = epoch(end) else { return 13 }
        let span = to - from
        return span <= 2 * 3600 ? 16 : span <= 3 * 86400 ? 13 : 10
    }

    /// Portkey's filter vocabulary (C3) from the query.
    static func filter(_ query: [String: String], requireTimes: Bool) throws -> RequestLogFilter {
        var filter = RequestLogFilter()
        func csv(_ name: String) -> [String] {
            (query[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
        }
        func number(_ name: String) throws -> Double? {
            guard let text = query[name], !text.isEmpty else { return nil }
            guard let value = Double(text) else { throw APIError(400, "'\(name)' must be a number.") }
            return value
        }
        func integer(_ name: String) throws -> Int? {
            guard let text = query[name], !text.isEmpty else { return nil }
            guard let value = Int(text) else { throw APIError(400, "'\(name)' must be an integer.") }
            return value
        }
        filter.timeMin = try query["time_of_generation_min"].map { try Self.timestamp($0, "time_of_generation_min") }
        filter.timeMax = try query["time_of_generation_max"].map { try Self.timestamp($0, "time_of_generation_max") }
        if requireTimes, filter.timeMin == nil || filter.timeMax == nil {
            throw APIError(
                400,
                "'time_of_generation_min' and 'time_of_generation_max' are required (ISO-8601, e.g. 2026-11-22T00:00:00Z)."
            )
        }
        filter.statusCodes = try csv("status_code").map { code in
            guard let value = Int(code) else { throw APIError(400, "'status_code' must be a list of HTTP statuses.") }
            return value
        }
        filter.providerModels = try csv("ai_org_model").map { pair in
            let parts = pair.components(separatedBy: "__")
            guard parts.count == 2 else { throw APIError(400, "'ai_org_model' takes provider__model pairs.") }
            return (parts[0], parts[1])
        }
        filter.traceID = query["trace_id"]
        filter.spanID = query["span_id"]
        filter.configs = csv("configs")
        filter.apiKeyIDs = csv("api_key_ids")
        filter.virtualKeys = csv("virtual_keys")
        filter.costMin = try number("cost_min")
        filter.costMax = try number("cost_max")
        filter.tokensMin = try integer("total_units_min")
        filter.tokensMax = try integer("total_units_max")
        filter.promptTokensMin = try integer("prompt_token_min")
        filter.promptTokensMax = try integer("prompt_token_max")
        filter.completionTokensMin = try integer("completion_token_min")
        filter.completionTokensMax = try integer("completion_token_max")
        if let text = query["metadata"], !text.isEmpty {
            guard let members = JSONValue(parsing: Array(text.utf8))?.members,
                members.allSatisfy({ $0.value.string != nil })
            else {
                throw APIError(400, "'metadata' must be a JSON object of strings, e.g. {\"team\":\"blue\"}.")
            }
            filter.metadata = members.map { ($0.key, $0.value.string!) }
        }
        return filter
    }

    /// An ISO-8601 UTC time in the store's form (`2026-11-22T03:15:00.000Z`), so that text order is time order.
    static func timestamp(_ text: String, _ name: String) throws -> String {
        var value = text.trimmingCharacters(in: .whitespaces)
        if value.hasSuffix("+00:00") { value = String(value.dropLast(6)) + "Z" }
        let shape = value.map { $0.isNumber ? "9" : String($0) }.joined()
        switch shape {
        case "9999-99-99": return value + "T00:00:00.000Z"
        case "9999-99-99T99:99:99Z": return String(value.dropLast()) + ".000Z"
        case "9999-99-99T99:99:99": return value + ".000Z"
        case "9999-99-99T99:99:99.999Z": return value
        default:
            throw APIError(400, "'\(name)' must be an ISO-8601 time in UTC, e.g. 2026-11-22T03:15:00Z (got '\(text)').")
        }
    }
}
