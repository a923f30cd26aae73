import Foundation
import SwitchboardCore
import SwitchboardStore

/// Portkey's request logs (`/v1/logs`): listed with the filter vocabulary, read one by one, and written
/// from outside the gateway (counted like its own).
struct LogsAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    func get(_ request: APIRequest) async throws -> ControlPlane.Response {
        let id = request.parameter("id")
        guard let record = try await self.context.store.requestLog(id: id) else {
            throw APIFailure(404, "Log '\(id)' not found.")
        }
        return .json(LogItem(record, detailed: true))
    }

    func list(_ request: APIRequest) async throws -> ControlPlane.Response {
        let filter = try LogFilterQuery.filter(request.query, requireTimes: false)
        let size = try Paging.number(request.query, "page_size", 50, 1...1000)
        let page = try Paging.number(request.query, "current_page", 0, 0...1_000_000)
        let (records, total) = try await self.context.store.listRequestLogs(
            filter: filter,
            limit: size,
            offset: page * size
        )
        return .json(LogList(total: total, data: records.map { LogItem($0, detailed: false) }))
    }

    /// `POST /v1/logs`: 1 to 1,000 logs, priced like the gateway's own when their answer reports usage.
    func ingest(_ request: APIRequest) async throws -> ControlPlane.Response {
        let logs = try request.decode(IngestBody.self).logs
        guard (1...1000).contains(logs.count) else { throw APIFailure(400, "Send 1 to 1000 log objects at once.") }
        let records = logs.map(self.record)
        try await self.context.store.insertRequestLogs(records)
        return .json(LogsIngested(log_ids: records.map(\.id)))
    }

    private func record(_ log: IngestedLog) -> RequestLogRecord {
        let metadata = (log.metadata ?? [:]).sorted { $0.key < $1.key }
        let status = log.response?.status ?? 200
        let provider = Self.provider(ofHost: log.request.host)
        var record = RequestLogRecord(
            id: UUID().uuidString.lowercased(),
            traceID: log.metadata?["trace_id"] ?? UUID().uuidString.lowercased(),
            method: log.request.method ?? "POST",
            path: log.request.url,
            endpoint: "custom",
            provider: provider,
            status: status,
            durationMs: log.response?.response_time ?? 0
        )
        record.spanID = log.metadata?["span_id"]
        record.spanName = log.metadata?["span_name"]
        record.model = log.request.body?["model"]?.string ?? log.response?.body?["model"]?.string
        record.metadata = SortedJSON.text(
            JSONValue.object(
                metadata.filter { !["trace_id", "span_id", "span_name"].contains($0.key) }
                    .map { ($0.key, JSONValue.string($0.value)) }
            )
        )
        if let responseBody = log.response?.body, (200..<300).contains(status) {
            var scanner = UsageScanner(format: .json)
            Array(responseBody.jsonText.utf8).withUnsafeBytes { scanner.consume($0) }
            let usage = scanner.result(requestBytes: log.request.body?.jsonText.utf8.count ?? 0)
            let price = record.model.flatMap { self.context.host.price(provider: provider, model: $0) }
            record.count(usage, cost: price?.cost(of: usage))
        }
        record.requestBody = log.request.body?.jsonText
        record.responseBody = log.response?.body?.jsonText
        return record
    }

    /// A provider id for a well-known API host, else the host itself.
    private static func provider(ofHost host: String) -> String {
        for (id, known) in KnownProviders.all where known.baseURL.contains("://\(host)") { return id }
        return host
    }
}

struct LogList: Encodable {
    var object = "list"
    var total: Int
    var data: [LogItem]
}

struct LogsIngested: Encodable {
    var status = "success"
    var success = true
    var log_ids: [String]
}
