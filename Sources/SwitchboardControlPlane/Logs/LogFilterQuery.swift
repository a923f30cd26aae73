import Foundation
import SwitchboardCore
import SwitchboardStore

/// Portkey's filter vocabulary (spec/portkey.md C3) read from a query: the same for log listings and
/// analytics.
enum LogFilterQuery {
    static func filter(_ query: [String: String], requireTimes: Bool) throws -> RequestLogFilter {
        var filter = RequestLogFilter()
        func csv(_ name: String) -> [String] {
            (query[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        func number(
            _ name: String,
            in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude
        ) throws -> Double? {
            guard let text = query[name] else { return nil }
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw APIFailure(400, "'\(name)' must be a number of \(range.lowerBound) or more.")
            }
            return value
        }
        func integer(_ name: String) throws -> Int? {
            guard let text = query[name] else { return nil }
            guard let value = Int(text), value >= 0 else { throw APIFailure(400, "'\(name)' must be an integer ≥ 0.") }
            return value
        }
        // Feedback weights are not filtered on here (feedback is kept apart from the log), but checked as typed.
        for name in ["weighted_feedback_min", "weighted_feedback_max"] {
            if let text = query[name], Double(text).map({ (-10...10).contains($0) }) != true {
                throw APIFailure(400, "'\(name)' must be a number from -10 to 10.")
            }
        }
        filter.timeMin = try Self.time(query, "time_of_generation_min")
        filter.timeMax = try Self.time(query, "time_of_generation_max")
        if requireTimes, filter.timeMin == nil || filter.timeMax == nil {
            throw APIFailure(
                400,
                "'time_of_generation_min' and 'time_of_generation_max' are required (RFC 3339, e.g. 2026-11-22T00:00:00Z)."
            )
        }
        filter.statusCodes = try csv("status_code").map { code in
            guard let value = Int(code) else { throw APIFailure(400, "'status_code' must be a list of HTTP statuses.") }
            return value
        }
        filter.providerModels = try csv("ai_org_model").map { pair in
            let parts = pair.components(separatedBy: "__")
            guard parts.count == 2 else { throw APIFailure(400, "'ai_org_model' takes provider__model pairs.") }
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
                throw APIFailure(400, "'metadata' must be a JSON object of strings, e.g. {\"team\":\"blue\"}.")
            }
            filter.metadata = members.map { ($0.key, $0.value.string!) }
        }
        return filter
    }

    /// A time of the query in the store's form (`2026-11-22T03:15:00.000Z`, UTC), so that text order is time
    /// order. Any RFC 3339 date-time is read (fractions of any length, any offset), or a plain date.
    private static func time(_ query: [String: String], _ name: String) throws -> String? {
        guard let text = query[name] else { return nil }
        guard let epochMs = Timestamps.epochMs(parsing: text.trimmingCharacters(in: .whitespaces)) else {
            throw APIFailure(
                400,
                "'\(name)' must be an RFC 3339 date-time, e.g. 2026-11-22T03:15:00Z or 2026-11-22T08:45:00.5+05:30 (got '\(text)')."
            )
        }
        return Timestamps.format(epochMs: epochMs)
    }
}
