import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardStore

extension RequestLogRecord {
    /// The log record of a request that ended.
    init(
        _ request: GatewayRequest,
        usage: TokenUsage,
        cost: Double?,
        elapsed: TimeAmount,
        upstream: TimeAmount?,
        complete: Bool
    ) {
        self.init(
            id: request.id,
            createdAt: Timestamps.now(plusMilliseconds: -Int(elapsed.nanoseconds / 1_000_000)),
            traceID: request.traceID,
            method: request.head.method.rawValue,
            path: GatewayHandler.pathOnly(request.head.uri),
            endpoint: request.endpointLabel,
            provider: request.providerLabel,
            status: request.status,
            durationMs: Double(elapsed.nanoseconds) / 1e6
        )
        self.model = request.model
        self.firstByteMs = request.accounting.firstByteAt.map { Double(($0 - request.start).nanoseconds) / 1e6 }
        self.upstreamMs = upstream.map { Double($0.nanoseconds) / 1e6 }
        self.count(usage, cost: cost)
        self.stream = request.stream
        self.complete = complete
        self.responseBytes = request.accounting.responseBytes
        self.retryCount = request.exchange.plan?.retryAttemptCount ?? 0
        self.preset = request.preset
        self.refusedBy = request.refusedBy
        self.hookResults = request.guardrails.map(\.hookResults.jsonText)
        self.promptSlug = request.promptSlug
        if let cache = request.cache {
            self.cacheStatus = cache.status.rawValue
            self.cacheSavedCents = cache.answer?.costCents
        }
        self.apiKeyID = request.grant?.id
        self.optionIndex = request.exchange.target?.optionIndex
        let headers = request.portkey
        self.spanID = headers.spanID
        self.parentSpanID = headers.parentSpanID
        self.spanName = headers.spanName
        self.virtualKey = headers.virtualKey
        // A saved config's slug; inline configs are not names.
        if let config = headers.config, !config.hasPrefix("{") { self.config = config }
        if self.config == nil, let slug = request.grant?.defaultConfig { self.config = slug }
        let metadata = request.metadata
        if !metadata.isEmpty {
            // Compact, keys sorted: the store filters on members as text.
            self.metadata = JSONValue.object(metadata.sorted { $0.key < $1.key }).jsonText
        }
        if let requestBody = request.accounting.requestBody {
            self.requestBody = String(decoding: requestBody, as: UTF8.self)
            self.responseBody = request.accounting.stages.keptBody.map { String(decoding: $0, as: UTF8.self) }
            self.requestHeaders = Self.maskedHeaders(request.head, sensitive: headers.sensitiveHeaders)
        }
    }

    /// The request's headers as a JSON object, credentials and the headers named in
    /// `x-portkey-sensitive-headers` masked.
    static func maskedHeaders(_ head: ClientRequestHead, sensitive listed: String?) -> String {
        var sensitive: Set<String> = [
            "authorization", "x-api-key", "x-portkey-api-key", "cookie", "proxy-authorization",
        ]
        for name in listed?.split(separator: ",") ?? [] {
            sensitive.insert(name.trimmingCharacters(in: .whitespaces).lowercased())
        }
        var members: [(key: String, value: JSONValue)] = []
        head.bytes.withUnsafeReadableBytes { raw in
            for span in head.parsed.fields.headers {
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: raw[span.name]), as: UTF8.self)
                    .lowercased()
                let value = String(decoding: UnsafeRawBufferPointer(rebasing: raw[span.value]), as: UTF8.self)
                members.append((name, .string(sensitive.contains(name) ? "********" : value)))
            }
        }
        return JSONValue.object(members).jsonText
    }
}
