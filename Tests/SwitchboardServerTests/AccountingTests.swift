import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// Tokens, cost and the request log through real HTTP: exact totals after a known mix of requests, checked in
/// `/metrics`, the log API and analytics, on every store kind.
@Suite struct AccountingTests {
    /// Cents per token for the mock, so costs are exact sums.
    static let yaml = """
        providers:
          mock:
            kind: mock
            models: [mock-1]
        default_route: {provider: mock}
        log: {bodies: true}
        pricing:
          mock:
            mock-1: {request_token: 0.001, response_token: 0.002, cache_read_input_token: 0.0005}
        """

    static func withGateway<T: Sendable>(
        _ kind: TestStores.Kind,
        yaml: String = Self.yaml,
        _ body: (GatewayFixture) async throws -> T
    ) async throws -> T {
        try await GatewayFixture.with(yaml: yaml, storeKind: kind, body)
    }

    /// The prompt tokens the mock reports for the body it received last.
    static func mockPromptTokens(_ fixture: GatewayFixture) -> Int {
        MockResponses.promptTokens(bodyBytes: fixture.mock.recorder.requests.last?.body.count ?? 0)
    }

    static func metric(_ text: String, _ line: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap {
            Double($0.split(separator: " ").last!)
        }
    }

    /// The sum of every series of `name` whose labels contain `label` (all models, say).
    static func sum(_ text: String, _ name: String, _ label: String = "") -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix(name + "{") && (label.isEmpty || $0.contains(label)) }
            .compactMap { Double($0.split(separator: " ").last!) }.reduce(0, +)
    }

    /// An upstream that writes JSON the way a pretty printer does (`"choices": []`, a space after every comma) and
    /// ends event lines with CRLF: tokens are still read exactly, and the usage chunk the gateway asked for still
    /// never reaches a client that did not ask for it (issue 20).
    @Test func aSpacedUpstreamIsCountedAndItsUsageChunkFiltered() async throws {
        try await Self.withGateway(.sqlite) { fixture in
            let messages = #""messages":[{"role":"user","content":"count me"}]"#
            let streamBody = #"{"model":"mock/mock-1","stream":true,\#(messages)}"#
            let spaced = [("x-mock-spaced", "true"), ("x-mock-tokens", "6")]
            let streamed = try await fixture.client.request("/v1/chat/completions", headers: spaced, body: streamBody)
            let prompt = Self.mockPromptTokens(fixture)
            #expect(fixture.mock.recorder.requests.last?.bodyString.contains(#""include_usage":true"#) == true)
            let direct = try await fixture.mockClient.request(
                "/v1/chat/completions",
                headers: spaced,
                body: streamBody.replacingOccurrences(of: "mock/mock-1", with: "mock-1")
            )
            #expect(streamed.text.contains(#""choices": [{"#) && streamed.text.contains("\r\n\r\n"))
            #expect(streamed.text == direct.text, "the client gets what the provider sends without usage")
            #expect(!streamed.text.contains(#""usage": {"#))

            let plain = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-spaced", "true"), ("x-mock-tokens", "5"), ("x-mock-cached", "3")],
                body: #"{"model":"mock/mock-1",\#(messages)}"#
            )
            #expect(plain.text.contains(#""prompt_tokens": "#))
            let anthropic = try await fixture.client.request(
                "/v1/messages",
                headers: [("x-mock-spaced", "true"), ("x-mock-tokens", "4"), ("x-mock-cached", "10")],
                body: #"{"model":"mock/mock-1","max_tokens":9,"stream":true,\#(messages)}"#
            )
            #expect(anthropic.text.contains("event: message_delta\r\n"))
            let anthropicPrompt = Self.mockPromptTokens(fixture)

            await fixture.runtime.flushRequestLog()
            let (records, _) = try await fixture.store!.listRequestLogs(
                filter: RequestLogFilter(),
                limit: 10,
                offset: 0
            )
            let counts = Set(
                records.map { "\($0.promptTokens)/\($0.completionTokens)/\($0.cachedTokens)/\($0.usageSource)" }
            )
            #expect(counts.contains("\(prompt)/6/0/reported"), "\(counts)")
            #expect(counts.contains { $0.hasSuffix("/5/3/reported") }, "\(counts)")
            #expect(counts.contains("\(anthropicPrompt + 10)/4/10/reported"), "\(counts)")
        }
    }

    @Test(arguments: TestStores.available)
    func exactTotalsAfterAMixOfRequests(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            var expected: [(prompt: Int, completion: Int, cached: Int, source: String, complete: Bool)] = []
            let messages = #""messages":[{"role":"user","content":"count me"}]"#

            // 1. Not streamed, with cached prompt tokens.
            let plain = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-tokens", "5"), ("x-mock-cached", "4"), ("x-portkey-metadata", #"{"team":"blue"}"#)],
                body: #"{"model":"mock/mock-1",\#(messages)}"#
            )
            #expect(plain.status == 200)
            expected.append((Self.mockPromptTokens(fixture), 5, 4, "reported", true))

            // 2. Streamed, usage not asked for: the gateway asks, counts, and takes the chunk out.
            let streamBody = #"{"model":"mock/mock-1","stream":true,\#(messages)}"#
            let streamed = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-tokens", "6")],
                body: streamBody
            )
            #expect(fixture.mock.recorder.requests.last?.bodyString.contains(#""include_usage":true"#) == true)
            expected.append((Self.mockPromptTokens(fixture), 6, 0, "reported", true))
            let direct = try await fixture.mockClient.request(
                "/v1/chat/completions",
                headers: [("x-mock-tokens", "6")],
                body: streamBody.replacingOccurrences(of: "mock/mock-1", with: "mock-1")
            )
            #expect(streamed.text == direct.text, "the client gets exactly what the provider sends without usage")
            #expect(!streamed.text.contains(#""usage":{"#))
            #expect(streamed.sseData.last == "[DONE]")

            // 3. Streamed, usage asked for: it reaches the client.
            let asked = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-tokens", "3")],
                body: #"{"model":"mock/mock-1","stream":true,"stream_options":{"include_usage":true},\#(messages)}"#
            )
            #expect(asked.text.contains(#""usage":{"#))
            expected.append((Self.mockPromptTokens(fixture), 3, 0, "reported", true))

            // 4. Failed: no usage, marked unavailable.
            let failed = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"mock/mock-1;status=500",\#(messages)}"#
            )
            #expect(failed.status == 500)
            expected.append((0, 0, 0, "unavailable", true))

            // 5. Retried: counted once, from the answer delivered.
            let retried = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    ("x-portkey-config", #"{"provider":"mock","retry":{"attempts":2,"on_status_codes":[503]}}"#),
                    ("x-mock-tokens", "2"),
                ],
                body: #"{"model":"mock-1;status=503;fail_first=1",\#(messages)}"#
            )
            #expect(retried.status == 200)
            #expect(retried.header("x-portkey-retry-attempt-count") == "1")
            expected.append((Self.mockPromptTokens(fixture), 2, 0, "reported", true))

            // 6. Anthropic messages stream with cache reads: prompt = input + cache reads.
            _ = try await fixture.client.request(
                "/v1/messages",
                headers: [("x-mock-tokens", "4"), ("x-mock-cached", "10")],
                body: #"{"model":"mock/mock-1","max_tokens":9,"stream":true,\#(messages)}"#
            )
            expected.append((Self.mockPromptTokens(fixture) + 10, 4, 10, "reported", true))

            // 7. Abandoned by the client mid-stream: what was relayed is kept, marked incomplete.
            _ = try? await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-mock-tokens", "40"), ("x-mock-interval-ms", "20")],
                body: streamBody,
                closeAfterChunks: 3
            )
            // The gateway records the abandoned stream when it sees the client go.
            #expect(await fulfilled { await fixture.runtime.requestLogQueued(atLeast: 7) })

            await fixture.runtime.flushRequestLog()
            let (records, total) = try await fixture.store!.listRequestLogs(
                filter: RequestLogFilter(),
                limit: 100,
                offset: 0
            )
            #expect(total == 7)
            let ordered = records.sorted {
                $0.createdAt < $1.createdAt || ($0.createdAt == $1.createdAt && $0.id < $1.id)
            }
            for (index, want) in expected.enumerated() {
                let got = ordered.first { record in
                    record.promptTokens == want.prompt && record.completionTokens == want.completion
                        && record.usageSource == want.source
                }
                #expect(
                    got != nil,
                    "request \(index + 1): \(want) not in \(records.map { ($0.promptTokens, $0.completionTokens, $0.usageSource) })"
                )
                #expect(got?.cachedTokens == want.cached)
            }
            let abandoned = try #require(records.first { !$0.complete })
            #expect(abandoned.stream && abandoned.usageSource == "estimated")
            #expect(abandoned.completionTokens >= 1 && abandoned.completionTokens < 40)
            #expect(abandoned.promptTokens > 0)

            // Cost: prompt − cached at 0.001, cached at 0.0005, completion at 0.002 (cents).
            func cost(_ p: Int, _ c: Int, _ cached: Int) -> Double {
                Double(p - cached) * 0.001 + Double(cached) * 0.0005 + Double(c) * 0.002
            }
            let expectedCost =
                expected.filter { $0.source == "reported" }.reduce(0) { $0 + cost($1.prompt, $1.completion, $1.cached) }
                + cost(abandoned.promptTokens, abandoned.completionTokens, 0)
            let loggedCost = records.compactMap(\.costCents).reduce(0, +)
            #expect(abs(loggedCost - expectedCost) < 1e-9, "\(loggedCost) vs \(expectedCost)")
            #expect(records.first { $0.status == 500 }?.costCents == nil)
            let promptTotal = records.reduce(0) { $0 + $1.promptTokens }
            let completionTotal = records.reduce(0) { $0 + $1.completionTokens }

            // The same totals in /metrics …
            let metrics = try await fixture.client.request("/metrics", method: .GET).text
            // (The retried request's model carries the mock's options, so it is a series of its own.)
            #expect(Int(Self.sum(metrics, "switchboard_tokens_total", #"type="prompt""#)) == promptTotal)
            #expect(Int(Self.sum(metrics, "switchboard_tokens_total", #"type="completion""#)) == completionTotal)
            #expect(Self.sum(metrics, "switchboard_tokens_total", #"type="cached""#) == 14)
            let metricCost = Self.sum(metrics, "switchboard_cost_cents_total")
            #expect(abs(metricCost - expectedCost) < 1e-6)
            #expect(metrics.contains("switchboard_gateway_overhead_seconds_bucket"))
            #expect(metrics.contains("switchboard_time_to_first_byte_seconds_bucket"))

            // … and in analytics.
            let range = "time_of_generation_min=2000-01-01T00:00:00Z&time_of_generation_max=2100-01-01T00:00:00Z"
            let tokens = try await fixture.client.request("/v1/analytics/graphs/tokens?\(range)", method: .GET)
            #expect((tokens.json["summary"] as? [String: Any])?["total"] as? Int == promptTotal + completionTotal)
            let costGraph = try await fixture.client.request("/v1/analytics/graphs/cost?\(range)", method: .GET)
            let costTotal = (costGraph.json["summary"] as? [String: Any])?["total"] as? Double ?? 0
            #expect(abs(costTotal - expectedCost) < 1e-5)
            let requests = try await fixture.client.request("/v1/analytics/graphs/requests?\(range)", method: .GET)
            #expect((requests.json["summary"] as? [String: Any])?["total"] as? Int == 7)
            #expect((requests.json["data_points"] as? [[String: Any]])?.isEmpty == false)
            let errors = try await fixture.client.request(
                "/v1/analytics/graphs/errors/status-codes?\(range)",
                method: .GET
            )
            // The failed request, and the abandoned one (499: the client went away).
            let codes = (errors.json["data_points"] as? [[String: Any]])?.compactMap { $0["status_code"] as? Int }
            #expect(codes == [499, 500])
            let rate = try await fixture.client.request("/v1/analytics/graphs/errors/rate?\(range)", method: .GET)
            // A whole percentage, as Portkey's schema types it: 2 of 7 is 28.6 %.
            #expect((rate.json["summary"] as? [String: Any])?["rate"] as? Int == 29)
            // Found by schemathesis: a time before 1970 with an odd offset crashed the timestamp formatter.
            let early = try await fixture.client.request(
                "/v1/analytics/graphs/cache/hit-rate?time_of_generation_min=1900-10-31T18%3A49%3A46.510174%2B18%3A50"
                    + "&time_of_generation_max=0000-01-01T00%3A00%3A00-01%3A00",
                method: .GET
            )
            #expect(early.status == 200, "\(early.text)")
            let latency = try await fixture.client.request("/v1/analytics/graphs/latency?\(range)", method: .GET)
            #expect(((latency.json["summary"] as? [String: Any])?["p99"] as? Double ?? 0) > 0)
            let blue = try await fixture.client.request(
                "/v1/analytics/graphs/requests?\(range)&metadata=%7B%22team%22%3A%22blue%22%7D",
                method: .GET
            )
            #expect((blue.json["summary"] as? [String: Any])?["total"] as? Int == 1)
            let cache = try await fixture.client.request("/v1/analytics/summary/cache?\(range)", method: .GET)
            #expect((cache.json["summary"] as? [String: Any])?["total_requests"] as? Int == 7)
        }
    }

    @Test(arguments: TestStores.available)
    func logsAPIWithBodiesMaskingAndFeedback(kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let response = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [
                    ("authorization", "Bearer sk-secret-provider-key"), ("x-portkey-trace-id", "trace-1"),
                    ("x-portkey-span-id", "span-1"), ("x-secret-thing", "hide-me"),
                    ("x-portkey-sensitive-headers", "x-secret-thing"),
                ],
                body: #"{"model":"mock/mock-1","messages":[{"role":"user","content":"keep this body"}]}"#
            )
            let id = try #require(response.header("x-request-id"))
            _ = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("x-portkey-debug", "false"), ("x-portkey-trace-id", "trace-2")],
                body: #"{"model":"mock/mock-1","messages":[{"role":"user","content":"do not keep"}]}"#
            )
            await fixture.runtime.flushRequestLog()

            let log = try await fixture.client.request("/v1/logs/\(id)", method: .GET)
            #expect(log.status == 200, "\(log.text)")
            let request = log.json["request"] as? [String: Any]
            #expect(
                ((request?["body"] as? [String: Any])?["messages"] as? [[String: Any]])?.first?["content"] as? String
                    == "keep this body"
            )
            let headers = request?["headers"] as? [String: Any]
            #expect(headers?["authorization"] as? String == "********")
            #expect(headers?["x-secret-thing"] as? String == "********")
            #expect(!log.text.contains("sk-secret-provider-key") && !log.text.contains("hide-me"))
            let metrics = log.json["metrics"] as? [String: Any]
            #expect(metrics?["trace_id"] as? String == "trace-1" && metrics?["span_id"] as? String == "span-1")
            #expect(metrics?["ai_model"] as? String == "mock-1" && metrics?["usage_source"] as? String == "reported")
            #expect((log.json["response"] as? [String: Any])?["body"] is [String: Any])

            let list = try await fixture.client.request("/v1/logs?trace_id=trace-2", method: .GET)
            #expect(list.json["total"] as? Int == 1)
            let other = try #require((list.json["data"] as? [[String: Any]])?.first?["id"] as? String)
            let undebugged = try await fixture.client.request("/v1/logs/\(other)", method: .GET)
            #expect((undebugged.json["request"] as? [String: Any])?["body"] is NSNull)
            #expect(!undebugged.text.contains("do not keep"))

            let feedback = try await fixture.client.request(
                "/v1/feedback",
                body: #"{"trace_id":"trace-1","value":5,"weight":0.5,"metadata":{"by":"tester"}}"#
            )
            #expect(feedback.status == 200)
            let feedbackID = try #require((feedback.json["feedback_ids"] as? [String])?.first)
            let updated = try await fixture.client.request(
                "/v1/feedback/\(feedbackID)",
                method: .PUT,
                body: #"{"value":-2}"#
            )
            #expect(updated.status == 200)

            let ingested = try await fixture.client.request(
                "/v1/logs",
                body: #"""
                    {"request":{"url":"https://api.openai.com/v1/chat/completions","method":"POST","body":{"model":"gpt-4o"}},
                     "response":{"status":200,"body":{"usage":{"prompt_tokens":1000,"completion_tokens":100}},"response_time":120},
                     "metadata":{"trace_id":"outside","team":"red"}}
                    """#
            )
            #expect(ingested.status == 200, "\(ingested.text)")
            let ingestedID = try #require((ingested.json["log_ids"] as? [String])?.first)
            let outside = try await fixture.client.request("/v1/logs/\(ingestedID)", method: .GET)
            let outsideMetrics = outside.json["metrics"] as? [String: Any]
            #expect(outsideMetrics?["ai_org"] as? String == "openai" && outsideMetrics?["req_units"] as? Int == 1000)
            #expect(abs((outsideMetrics?["cost"] as? Double ?? 0) - 0.35) < 1e-9)
        }
    }

    @Test(arguments: [
        ("/v1/feedback", #"{"value":1}"#, "'trace_id' is required"),
        ("/v1/feedback", #"{"trace_id":"t","value":11}"#, "from -10 to 10"),
        ("/v1/feedback", #"{"trace_id":"t","value":1,"weight":2}"#, "'weight' must be"),
        ("/v1/logs", #"{"response":{}}"#, "'request' is required"),
        ("/v1/logs", #"{"request":{"url":"relative"}}"#, "absolute URL"),
        ("/v1/logs", "{", "not valid JSON"),
    ])
    func badLogAndFeedbackInput(path: String, body: String, message: String) async throws {
        try await Self.withGateway(.sqlite) { fixture in
            let response = try await fixture.client.request(path, body: body)
            #expect(response.status == 400, "\(response.text)")
            #expect((response.json["message"] as? String)?.contains(message) == true, "\(response.text)")
        }
    }

    @Test func analyticsNeedATimeRangeAndKnownNames() async throws {
        try await Self.withGateway(.sqlite) { fixture in
            for (path, status) in [
                ("/v1/analytics/graphs/requests", 400),
                (
                    "/v1/analytics/graphs/requests?time_of_generation_min=yesterday&time_of_generation_max=2100-01-01",
                    400
                ),
                ("/v1/analytics/graphs/nope?time_of_generation_min=2000-01-01&time_of_generation_max=2100-01-01", 404),
                (
                    "/v1/analytics/graphs/requests?time_of_generation_min=2000-01-01&time_of_generation_max=2100-01-01",
                    200
                ),
                ("/v1/logs/none", 404), ("/v1/logs?page_size=0", 400), ("/v1/logs?status_code=abc", 400),
            ] {
                let response = try await fixture.client.request(path, method: .GET)
                #expect(response.status == status, "\(path): \(response.text)")
            }
        }
    }

    @Test func pricingEndpoint() async throws {
        try await Self.withGateway(.sqlite) { fixture in
            let gpt4o = try await fixture.client.request(
                "/model-configs/pricing/openai/gpt-4o-2024-08-06",
                method: .GET
            )
            #expect(gpt4o.status == 200)
            let rates = gpt4o.json["pay_as_you_go"] as? [String: Any]
            #expect((rates?["request_token"] as? [String: Any])?["price"] as? Double == 0.00025)
            #expect(gpt4o.json["currency"] as? String == "USD")
            let mock = try await fixture.client.request("/model-configs/pricing/mock/mock-1", method: .GET)
            #expect(
                ((mock.json["pay_as_you_go"] as? [String: Any])?["response_token"] as? [String: Any])?["price"]
                    as? Double == 0.002
            )
            let unknown = try await fixture.client.request("/model-configs/pricing/openai/nope", method: .GET)
            #expect(unknown.status == 404 && unknown.text == #"{"error":"Model not found"}"#)
            // Under Portkey's API base too (issue 19: it fell through to the default provider).
            let underV1 = try await fixture.client.request("/v1/model-configs/pricing/mock/mock-1", method: .GET)
            #expect(underV1.status == 200 && underV1.text == mock.text)
        }
    }

    @Test func aBurstOfTenThousandRequestsLosesNoLogRecord() async throws {
        try await Self.withGateway(.sqlite, yaml: Self.yaml.replacingOccurrences(of: "log: {bodies: true}", with: "")) {
            fixture in
            let total = 10_000
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<32 {
                    group.addTask {
                        for index in stride(from: worker, to: total, by: 32) {
                            let response = try await fixture.client.request(
                                "/v1/chat/completions",
                                headers: [("x-portkey-trace-id", "burst-\(index)")],
                                body: #"{"model":"mock/mock-1","messages":[]}"#
                            )
                            #expect(response.status == 200)
                        }
                    }
                }
                try await group.waitForAll()
            }
            // The last responses may reach this client a moment before the gateway queues their records.
            #expect(await fulfilled { await fixture.runtime.requestLogQueued(atLeast: total) })
            await fixture.runtime.flushRequestLog()
            let stored = try await fixture.store!.listRequestLogs(filter: RequestLogFilter(), limit: 1, offset: 0).total
            #expect(stored == total)
            let metrics = try await fixture.client.request("/metrics", method: .GET).text
            #expect(Self.metric(metrics, "switchboard_request_log_lost_total") ?? 0 == 0)
        }
    }
}
