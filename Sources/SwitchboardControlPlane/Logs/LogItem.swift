import SwitchboardCore
import SwitchboardStore

/// A request-log record as Portkey's logs API shows it; a get adds headers and the kept bodies.
struct LogItem: Encodable {
    struct Request: Encodable {
        var url: String
        var method: String
        var headers: JSONValue?
        /// Present (possibly `null`) on a get.
        var body: Nullable<JSONValue>?
    }

    struct Response: Encodable {
        var status: Int
        /// Milliseconds, whole (the schema's integer).
        var responseTime: Int
        @Nullable var lastUsedOptionJsonPath: String?
        var body: Nullable<JSONValue>?
    }

    struct Metrics: Encodable {
        var ai_org: String
        @Nullable var ai_model: String? = nil
        var req_units: Int
        var res_units: Int
        var total_units: Int
        var cached_units: Int
        var cache_write_units: Int
        var reasoning_units: Int
        var usage_source: String
        @Nullable var cost: Double? = nil
        var cost_currency = "USD cents"
        var response_status_code: Int
        var response_time: Int
        var is_success: Bool
        var cache_status: String
        /// 1 for a streamed answer, 0 for one body (the schema's integer).
        var stream_mode: Int
        var complete: Bool
        var response_bytes: Int
        var retry_success_count: Int
        var trace_id: String
        @Nullable var span_id: String? = nil
        @Nullable var parent_span_id: String? = nil
        @Nullable var span_name: String? = nil
        var mode: String
        @Nullable var virtual_key: String? = nil
        @Nullable var config: String? = nil
        @Nullable var preset: String? = nil
        @Nullable var prompt_slug: String? = nil
        /// The index of the target that answered, within its strategy (the path is `lastUsedOptionJsonPath`).
        @Nullable var last_used_option_index: Int? = nil
        @Nullable var api_key_id: String? = nil
        /// The limit that refused the request before any upstream call (docs/policies.md).
        @Nullable var refused_by: String? = nil
        /// What a cache hit's answer cost when it was made, in cents (docs/cache.md).
        @Nullable var cache_saved_cents: Double? = nil
        var metadataKeys: [String]
        var metadataValues: [JSONValue]
        @Nullable var time_to_first_byte: Double? = nil
        @Nullable var upstream_response_time: Double? = nil
        @Nullable var gateway_processing_time: Double? = nil

        private enum CodingKeys: String, CodingKey {
            case ai_org, ai_model, req_units, res_units, total_units, cached_units, cache_write_units
            case reasoning_units, usage_source, cost, cost_currency, response_status_code, response_time
            case is_success, cache_status, stream_mode, complete, response_bytes, retry_success_count, trace_id
            case span_id, parent_span_id, span_name, mode, virtual_key, config, preset, prompt_slug
            case last_used_option_index, api_key_id, refused_by, cache_saved_cents, time_to_first_byte
            case upstream_response_time
            case gateway_processing_time
            case metadataKeys = "metadata.key"
            case metadataValues = "metadata.value"
        }
    }

    var _id: String
    var id: String
    var created_at: String
    var organisation_id = LocalTenant.id
    var request: Request
    var response: Response
    var metrics: Metrics
    /// The guardrails' results, `{before_request_hooks, after_request_hooks}`, when the request had hooks.
    @Nullable var hook_results: JSONValue? = nil
    var object = "log"

    init(_ r: RequestLogRecord, detailed: Bool) {
        let metadata = JSONValue(parsing: Array(r.metadata.utf8))?.members ?? []
        func document(_ text: String?) -> Nullable<JSONValue> {
            Nullable(wrappedValue: text.map { JSONValue(parsing: Array($0.utf8)) ?? .string($0) })
        }
        self._id = r.id
        self.id = r.id
        self.created_at = r.createdAt
        self.request = Request(url: r.path, method: r.method)
        self.hook_results = r.hookResults.flatMap { JSONValue(parsing: Array($0.utf8)) }
        self.response = Response(
            status: r.status,
            responseTime: Int(r.durationMs.rounded()),
            lastUsedOptionJsonPath: r.optionIndex
        )
        if detailed {
            self.request.headers = r.requestHeaders.flatMap { JSONValue(parsing: Array($0.utf8)) } ?? .object([])
            self.request.body = document(r.requestBody)
            self.response.body = document(r.responseBody)
        }
        self.metrics = Metrics(
            ai_org: r.provider,
            ai_model: r.model,
            req_units: r.promptTokens,
            res_units: r.completionTokens,
            total_units: r.promptTokens + r.completionTokens,
            cached_units: r.cachedTokens,
            cache_write_units: r.cacheWriteTokens,
            reasoning_units: r.reasoningTokens,
            usage_source: r.usageSource,
            // Cents to 10 decimals: sums of binary fractions are shown without their noise.
            cost: r.costCents.map { ($0 * 1e10).rounded() / 1e10 },
            response_status_code: r.status,
            response_time: Int(r.durationMs.rounded()),
            is_success: (200..<300).contains(r.status),
            cache_status: r.cacheStatus,
            stream_mode: r.stream ? 1 : 0,
            complete: r.complete,
            response_bytes: r.responseBytes,
            retry_success_count: r.retryCount,
            trace_id: r.traceID,
            span_id: r.spanID,
            parent_span_id: r.parentSpanID,
            span_name: r.spanName,
            mode: r.endpoint,
            virtual_key: r.virtualKey,
            config: r.config,
            preset: r.preset,
            prompt_slug: r.promptSlug,
            last_used_option_index: r.optionIndex.map(Self.lastIndex),
            api_key_id: r.apiKeyID,
            refused_by: r.refusedBy,
            cache_saved_cents: r.cacheSavedCents,
            metadataKeys: metadata.map(\.key),
            metadataValues: metadata.map(\.value),
            time_to_first_byte: r.firstByteMs,
            upstream_response_time: r.upstreamMs,
            gateway_processing_time: r.upstreamMs.map { max(0, r.durationMs - $0) }
        )
    }

    /// The last `[n]` of an option path (`config.targets[1]` → 1); 0 for a config with one target.
    static func lastIndex(_ path: String) -> Int {
        guard let open = path.lastIndex(of: "["), let close = path.lastIndex(of: "]"), open < close else { return 0 }
        return Int(path[path.index(after: open)..<close]) ?? 0
    }
}
