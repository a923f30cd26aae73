import Foundation
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardStore
import SwitchboardTestSupport
import Synchronization
import Testing

@testable import SwitchboardServer

/// Portkey's policies through real HTTP: the API, refusals before the upstream, exact accounting under
/// concurrency, streams, resets, and the limits of API keys and virtual keys (docs/policies.md).
@Suite(.serialized) struct PolicyTests {
    static func withGateway<T: Sendable>(
        _ kind: TestStores.Kind = .sqlite,
        _ body: (GatewayFixture) async throws -> T
    ) async throws -> T {
        try await GatewayFixture.with(storeKind: kind, body)
    }

    /// A chat request of user `user` asking for at most `maxTokens` (the mock answers 8 tokens and reports
    /// ceil(body bytes / 4) prompt tokens — the gateway's own estimate — so a request uses 8 fewer than it reserves
    /// when `maxTokens` is 16).
    static func chat(
        _ fixture: GatewayFixture,
        user: String,
        maxTokens: Int = 16,
        stream: Bool = false,
        path: String = "/v1/chat/completions",
        headers: [(String, String)] = []
    ) async throws -> TestResponse {
        let body =
            path == "/v1/messages"
            ? #"{"model":"mock/mock-1","max_tokens":\#(maxTokens),"messages":[{"role":"user","content":"hi"}]}"#
            : stream
                ? #"{"model":"mock/mock-1","max_tokens":\#(maxTokens),"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"#
                : #"{"model":"mock/mock-1","max_tokens":\#(maxTokens),"stream":false,"messages":[{"role":"user","content":"hi"}]}"#
        return try await fixture.client.request(
            path,
            headers: [("x-portkey-metadata", #"{"user_id":"\#(user)"}"#)] + headers,
            body: body
        )
    }

    static func create(_ fixture: GatewayFixture, _ path: String, _ body: String) async throws -> String {
        let response = try await fixture.client.request(path, body: body)
        #expect(response.status == 200, "\(response.text)")
        return response.json["id"] as? String ?? ""
    }

    static func entities(_ fixture: GatewayFixture, _ id: String) async throws -> [[String: Any]] {
        let response = try await fixture.client.request("/v1/policies/usage-limits/\(id)/entities", method: .GET)
        #expect(response.status == 200, "\(response.text)")
        return response.json["data"] as? [[String: Any]] ?? []
    }

    static let perUserTokens = #"""
        {"name":"per-user tokens","conditions":[{"key":"metadata.user_id","value":"*"}],
         "group_by":[{"key":"metadata.user_id"}],"type":"tokens","credit_limit":LIMIT}
        """#

    // MARK: The API

    @Test func usageLimitsPoliciesAreCreatedReadUpdatedAndArchived() async throws {
        try await Self.withGateway { fixture in
            let id = try await Self.create(
                fixture,
                "/v1/policies/usage-limits",
                #"{"name":"Monthly","conditions":[{"key":"workspace_id","value":"*"}],"group_by":[{"key":"api_key"}],"type":"cost","credit_limit":500,"alert_threshold":400,"periodic_reset":"monthly"}"#
            )
            let got = try await fixture.client.request("/v1/policies/usage-limits/\(id)", method: .GET)
            #expect(got.status == 200)
            #expect(got.json["object"] as? String == "policy_usage_limits")
            #expect(got.json["credit_limit"] as? Double == 500)
            #expect(got.json["periodic_reset"] as? String == "monthly")
            #expect(got.json["next_usage_reset_at"] as? String != nil)
            #expect(got.json["status"] as? String == "active")
            let updated = try await fixture.client.request(
                "/v1/policies/usage-limits/\(id)",
                method: .PUT,
                body: #"{"credit_limit":900,"periodic_reset":null}"#
            )
            #expect(updated.status == 200, "\(updated.text)")
            let after = try await fixture.client.request("/v1/policies/usage-limits/\(id)", method: .GET)
            #expect(after.json["credit_limit"] as? Double == 900)
            #expect(after.json["periodic_reset"] is NSNull)
            let list = try await fixture.client.request("/v1/policies/usage-limits?type=cost", method: .GET)
            #expect(list.json["total"] as? Int == 1)
            #expect(try await fixture.client.request("/v1/policies/usage-limits/\(id)", method: .DELETE).status == 200)
            #expect(try await fixture.client.request("/v1/policies/usage-limits/\(id)", method: .GET).status == 404)
            let archived = try await fixture.client.request(
                "/v1/policies/usage-limits/\(id)?status=archived",
                method: .GET
            )
            #expect(archived.status == 200)
            #expect(try await fixture.client.request("/v1/policies/usage-limits/nope", method: .GET).status == 404)
        }
    }

    @Test func badPolicyBodiesAre400sNamingTheField() async throws {
        try await Self.withGateway { fixture in
            let cases: [(String, String)] = [
                (#"{"group_by":[{"key":"api_key"}],"type":"cost","credit_limit":1}"#, "'conditions'"),
                (#"{"conditions":[],"group_by":[{"key":"api_key"}],"type":"cost","credit_limit":1}"#, "'conditions'"),
                (
                    #"{"conditions":[{"key":"colour","value":"x"}],"group_by":[{"key":"api_key"}],"type":"cost","credit_limit":1}"#,
                    "'conditions[0].key'"
                ),
                (
                    #"{"conditions":[{"key":"api_key","value":"*"}],"group_by":[{"key":"api_key"}],"type":"dollars","credit_limit":1}"#,
                    "'type'"
                ),
                (
                    #"{"conditions":[{"key":"api_key","value":"*"}],"group_by":[{"key":"api_key"}],"type":"cost","credit_limit":-1}"#,
                    "'credit_limit'"
                ),
                (
                    #"{"conditions":[{"key":"api_key","value":"*"}],"group_by":[{"key":"api_key"}],"type":"cost","credit_limit":10,"alert_threshold":10}"#,
                    "'alert_threshold'"
                ),
                (
                    #"{"conditions":[{"key":"api_key","value":"*"}],"group_by":[{"key":"api_key"}],"type":"cost","credit_limit":10,"periodic_reset":"daily"}"#,
                    "'periodic_reset'"
                ),
                (
                    #"{"conditions":[{"key":"api_key","value":"*"}],"group_by":[{"key":"api_key"}],"type":"cost","credit_limit":10,"unit":"rpm"}"#,
                    "'unit'"
                ),
            ]
            for (body, field) in cases {
                let response = try await fixture.client.request("/v1/policies/usage-limits", body: body)
                #expect(response.status == 400, "\(body)")
                #expect(response.text.contains(field), "\(response.text)")
            }
            let rate = try await fixture.client.request(
                "/v1/policies/rate-limits",
                body:
                    #"{"conditions":[{"key":"api_key","value":"*"}],"group_by":[{"key":"api_key"}],"type":"requests","unit":"rps","value":5}"#
            )
            #expect(rate.status == 400)
            #expect(rate.text.contains("'unit'"))
            let missing = try await fixture.client.request(
                "/v1/policies/rate-limits",
                body:
                    #"{"conditions":[{"key":"api_key","value":"*"}],"group_by":[{"key":"api_key"}],"type":"requests","unit":"rpm"}"#
            )
            #expect(missing.status == 400)
            #expect(missing.text.contains("'value'"))
        }
    }

    // MARK: Enforcement

    @Test(arguments: TestStores.available)
    func aTokenBudgetRefusesWith412BeforeTheUpstreamAndCountsExactly(_ kind: TestStores.Kind) async throws {
        try await Self.withGateway(kind) { fixture in
            let id = try await Self.create(
                fixture,
                "/v1/policies/usage-limits",
                Self.perUserTokens.replacingOccurrences(of: "LIMIT", with: "200")
            )
            var answered = 0
            var usedByAlice = 0
            var refusal: TestResponse?
            for _ in 0..<12 {
                let response = try await Self.chat(fixture, user: "alice")
                if response.status == 200 {
                    answered += 1
                    usedByAlice += (response.json["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0
                } else {
                    refusal = response
                    break
                }
            }
            // Each request reserves its prompt + 16 and uses prompt + 8: the one that no longer fits is refused.
            #expect(usedByAlice <= 200)
            #expect(answered >= 5)
            let refused = try #require(refusal)
            #expect(refused.status == 412)
            let error = refused.json["error"] as? [String: Any]
            #expect(error?["code"] as? String == "usage_limit_exceeded")
            #expect((error?["message"] as? String)?.contains("per-user tokens") == true)
            #expect((error?["message"] as? String)?.contains("metadata.user_id:alice") == true)
            #expect(fixture.mock.recorder.requestCount == answered)
            // Another user has their own budget.
            #expect(try await Self.chat(fixture, user: "bob").status == 200)
            let entities = try await Self.entities(fixture, id)
            let alice = entities.first { $0["value_key"] as? String == "metadata.user_id:alice" }
            #expect(alice?["current_usage"] as? Double == Double(usedByAlice))
            let exhausted = try await fixture.client.request(
                "/v1/policies/usage-limits/\(id)/entities?status=exhausted",
                method: .GET
            )
            #expect(exhausted.json["total"] as? Int == 0)
            // The log says which policy refused, in the store and through the logs API.
            let logged = answered + 2
            let queued = await fulfilled { await fixture.runtime.requestLogQueued(atLeast: logged) }
            #expect(queued)
            await fixture.runtime.flushRequestLog()
            let log = try await fixture.client.request(
                "/v1/logs/\(refused.header("x-request-id") ?? "")",
                method: .GET
            )
            #expect(log.status == 200, "\(log.text)")
            let metrics = log.json["metrics"] as? [String: Any]
            #expect(metrics?["refused_by"] as? String == "usage_limits:\(id)")
            let logs = try await fixture.store!.listRequestLogs(filter: RequestLogFilter(), limit: 50, offset: 0)
            #expect(logs.records.contains { $0.status == 412 && $0.refusedBy == "usage_limits:\(id)" })
        }
    }

    @Test func concurrentRequestsNeverPassTheBudgetByMoreThanOneWorstCase() async throws {
        try await Self.withGateway { fixture in
            let id = try await Self.create(
                fixture,
                "/v1/policies/usage-limits",
                Self.perUserTokens.replacingOccurrences(of: "LIMIT", with: "600")
            )
            let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for index in 0..<60 {
                    group.addTask {
                        let response = try await Self.chat(fixture, user: "carol", stream: index % 2 == 0)
                        guard response.status == 200 else { return (response.status, 0) }
                        if index % 2 == 0 {
                            // The stream's final usage chunk.
                            let usage = response.sseData.compactMap { line -> Int? in
                                guard let data = line.data(using: .utf8),
                                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                                    let usage = object["usage"] as? [String: Any]
                                else { return nil }
                                return usage["total_tokens"] as? Int
                            }
                            return (200, usage.last ?? 0)
                        }
                        return (200, (response.json["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0)
                    }
                }
                var all: [(Int, Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            let answeredTokens = results.reduce(0) { $0 + $1.1 }
            let refused = results.filter { $0.0 == 412 }.count
            #expect(results.allSatisfy { $0.0 == 200 || $0.0 == 412 })
            #expect(refused > 0)
            // Every request keeps to its reservation here, so the budget holds exactly.
            #expect(answeredTokens <= 600)
            #expect(fixture.mock.recorder.requestCount == results.count - refused)
            let carol = try await Self.entities(fixture, id).first
            #expect(carol?["current_usage"] as? Double == Double(answeredTokens))
        }
    }

    @Test func aRateLimitRefusesWith429AndTheRateLimitHeadersInTheClientsShape() async throws {
        try await Self.withGateway { fixture in
            _ = try await Self.create(
                fixture,
                "/v1/policies/rate-limits",
                #"{"name":"three a minute","conditions":[{"key":"metadata.user_id","value":"dave"}],"group_by":[{"key":"metadata.user_id"}],"type":"requests","unit":"rpm","value":3}"#
            )
            for _ in 0..<3 { #expect(try await Self.chat(fixture, user: "dave").status == 200) }
            let refused = try await Self.chat(fixture, user: "dave")
            #expect(refused.status == 429)
            let retry = Int(refused.header("retry-after") ?? "") ?? 0
            #expect((1...60).contains(retry))
            #expect(refused.header("ratelimit-policy")?.contains("q=3;w=60") == true)
            #expect(refused.header("ratelimit")?.contains("r=0;t=\(retry)") == true)
            #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "rate_limit_exceeded")
            // An Anthropic client gets Anthropic's error shape.
            let messages = try await Self.chat(fixture, user: "dave", path: "/v1/messages")
            #expect(messages.status == 429)
            #expect(messages.json["type"] as? String == "error")
            #expect((messages.json["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
            // Others are not limited.
            #expect(try await Self.chat(fixture, user: "erin").status == 200)
            #expect(fixture.mock.recorder.requestCount == 4)
            let metrics = try await fixture.client.request("/metrics", method: .GET)
            #expect(metrics.text.contains("switchboard_policy_refusals_total{policy=\"rate_limits:"))
            #expect(metrics.text.contains("switchboard_policy_usage{"))
        }
    }

    /// Uploads whose bodies stream through count as requests under rate limits too.
    @Test func uploadsThatStreamThroughAreRateLimited() async throws {
        try await Self.withGateway { fixture in
            _ = try await Self.create(
                fixture,
                "/v1/policies/rate-limits",
                #"{"name":"two uploads","conditions":[{"key":"metadata.user_id","value":"uma"}],"group_by":[{"key":"metadata.user_id"}],"type":"requests","unit":"rpm","value":2}"#
            )
            func upload(bytes: Int) async throws -> TestResponse {
                try await fixture.client.request(
                    "/v1/files",
                    headers: [
                        ("content-type", "application/octet-stream"), ("x-portkey-metadata", #"{"user_id":"uma"}"#),
                    ],
                    body: String(repeating: "x", count: bytes)
                )
            }
            for _ in 0..<2 {
                let response = try await upload(bytes: 300_000)
                #expect(response.status == 200, "\(response.text)")
                #expect(response.json["body_bytes"] as? Int == 300_000)
            }
            let refused = try await upload(bytes: 1_000)
            #expect(refused.status == 429, "\(refused.text)")
            #expect(refused.header("ratelimit-policy")?.contains("q=2;w=60") == true)
            #expect(fixture.mock.recorder.requestCount == 2)
        }
    }

    @Test func resettingAnEntityLetsItSpendAgain() async throws {
        try await Self.withGateway { fixture in
            let id = try await Self.create(
                fixture,
                "/v1/policies/usage-limits",
                Self.perUserTokens.replacingOccurrences(of: "LIMIT", with: "60")
            )
            while try await Self.chat(fixture, user: "frank").status == 200 {}
            let entity = try #require(try await Self.entities(fixture, id).first)
            #expect((entity["current_usage"] as? Double ?? 0) > 0)
            let entityID = entity["id"] as? String ?? ""
            let reset = try await fixture.client.request(
                "/v1/policies/usage-limits/\(id)/entities/\(entityID)/reset",
                method: .PUT
            )
            #expect(reset.status == 200, "\(reset.text)")
            #expect(try await Self.entities(fixture, id).first?["current_usage"] as? Double == 0)
            // Refusals are remembered for a second without asking the store.
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await Self.chat(fixture, user: "frank").status == 200)
            // reset_usage_for_value does the same through the policy.
            let byValue = try await fixture.client.request(
                "/v1/policies/usage-limits/\(id)",
                method: .PUT,
                body: #"{"reset_usage_for_value":"metadata.user_id:frank"}"#
            )
            #expect(byValue.status == 200, "\(byValue.text)")
            #expect(try await Self.entities(fixture, id).first?["current_usage"] as? Double == 0)
            let unknown = try await fixture.client.request(
                "/v1/policies/usage-limits/\(id)/entities/nope/reset",
                method: .PUT
            )
            #expect(unknown.status == 404)
        }
    }

    // MARK: Limits of keys and virtual keys

    @Test func anAPIKeysOwnLimitsAndExpiryAreEnforced() async throws {
        try await Self.withGateway { fixture in
            let admin = try await AuthTests.makeKey(fixture, scopes: #"["admin"]"#)
            let limited = try await AuthTests.makeKey(
                fixture,
                scopes: #"["inference"]"#,
                extra: #","rate_limits":[{"type":"requests","unit":"rpm","value":2}]"#,
                auth: admin.key
            )
            let auth = [("authorization", "Bearer \(limited.key)")]
            #expect(try await AuthTests.chat(fixture, auth).status == 200)
            #expect(try await AuthTests.chat(fixture, auth).status == 200)
            let refused = try await AuthTests.chat(fixture, auth)
            #expect(refused.status == 429)
            #expect(refused.header("retry-after") != nil)
            let shown = try await fixture.client.request(
                "/v1/api-keys/\(limited.id)",
                method: .GET,
                headers: [("x-portkey-api-key", admin.key)]
            )
            #expect(shown.text.contains(#""rate_limits":[{"#))
            let expired = try await fixture.client.request(
                "/v1/api-keys/\(limited.id)",
                method: .PUT,
                headers: [("x-portkey-api-key", admin.key)],
                body: #"{"expires_at":"2020-01-01T00:00:00Z"}"#
            )
            #expect(expired.status == 200, "\(expired.text)")
            let afterExpiry = try await AuthTests.chat(fixture, auth)
            #expect(afterExpiry.status == 401)
            #expect((afterExpiry.json["error"] as? [String: Any])?["code"] as? String == "expired_api_key")
        }
    }

    @Test func aVirtualKeysUsageLimitIsEnforced() async throws {
        try await Self.withGateway { fixture in
            let created = try await fixture.client.request(
                "/v1/virtual-keys",
                body:
                    #"{"name":"capped","provider":"mock","key":"sk-x","usage_limits":{"credit_limit":100,"type":"tokens"}}"#
            )
            #expect(created.status == 200, "\(created.text)")
            let slug = (created.json["data"] as? [String: Any])?["slug"] as? String ?? ""
            var statuses: [Int] = []
            for _ in 0..<6 {
                statuses.append(
                    try await Self.chat(fixture, user: "gina", headers: [("x-portkey-virtual-key", slug)]).status
                )
            }
            #expect(statuses.prefix(2) == [200, 200])
            #expect(statuses.contains(412))
            let expired = try await fixture.client.request(
                "/v1/virtual-keys/\(slug)",
                method: .PUT,
                body: #"{"expires_at":"2020-01-01T00:00:00Z"}"#
            )
            #expect(expired.status == 200, "\(expired.text)")
            let afterExpiry = try await Self.chat(fixture, user: "gina", headers: [("x-portkey-virtual-key", slug)])
            #expect(afterExpiry.status == 401)
        }
    }

    /// A fallback over two virtual keys: once the first key's budget has no room, its attempt is refused before
    /// the upstream and the plan moves on to the second; each key is charged what was answered under it. With no
    /// target left, the client gets the first key's refusal.
    @Test func aFallbackMovesOnFromAVirtualKeyWhoseBudgetIsSpent() async throws {
        try await Self.withGateway { fixture in
            func virtualKey(_ name: String, limit: Int) async throws -> String {
                let created = try await fixture.client.request(
                    "/v1/virtual-keys",
                    body:
                        #"{"name":"\#(name)","provider":"mock","key":"sk-\#(name)","usage_limits":{"credit_limit":\#(limit),"type":"tokens"}}"#
                )
                #expect(created.status == 200, "\(created.text)")
                return (created.json["data"] as? [String: Any])?["slug"] as? String ?? ""
            }
            let first = try await virtualKey("first", limit: 100)
            let second = try await virtualKey("second", limit: 100_000)
            let fallback =
                #"{"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"\#(first)"},{"virtual_key":"\#(second)"}]}"#
            var tokensByKey: [String: Int] = [:]
            for _ in 0..<6 {
                let response = try await Self.chat(fixture, user: "ivan", headers: [("x-portkey-config", fallback)])
                #expect(response.status == 200, "\(response.text)")
                let key = fixture.mock.recorder.requests.last?.header("authorization") ?? ""
                tokensByKey[key, default: 0] += (response.json["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0
            }
            // Six requests, no upstream call refused: the first key answered until its budget had no room.
            #expect(fixture.mock.recorder.requestCount == 6)
            let firstTokens = tokensByKey["Bearer sk-first"] ?? 0
            let secondTokens = tokensByKey["Bearer sk-second"] ?? 0
            #expect(firstTokens > 0 && firstTokens <= 100)
            #expect(secondTokens > 0)
            // Requests are settled as they are logged.
            let queued = await fulfilled { await fixture.runtime.requestLogQueued(atLeast: 6) }
            #expect(queued)
            let used = Dictionary(
                fixture.runtime.snapshot.policies.usageByEntity().map { ($0.value, $0.used) },
                uniquingKeysWith: +
            )
            #expect(used.values.sorted() == [Double(firstTokens), Double(secondTokens)].sorted(), "\(used)")
            let refusals = try await fixture.client.request("/metrics", method: .GET)
            #expect(refusals.text.contains(#"switchboard_policy_refusals_total{policy="virtual_key:\#(first):usage""#))

            // Only the spent key: its refusal is the answer, and nothing goes upstream.
            let alone = #"{"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"\#(first)"}]}"#
            let refused = try await Self.chat(fixture, user: "ivan", headers: [("x-portkey-config", alone)])
            #expect(refused.status == 412, "\(refused.text)")
            #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "usage_limit_exceeded")
            #expect(fixture.mock.recorder.requestCount == 6)
        }
    }

    // MARK: Replicas

    /// Two gateways on one PostgreSQL: one budget, spent from both at once, never passed; the store's count is
    /// what both answered.
    @Test(.enabled(if: TestStores.postgresURL != nil))
    func twoReplicasOnOnePostgreSQLShareOneBudget() async throws {
        let location = try await TestStores.location(.postgres, group: MultiThreadedEventLoopGroup.singleton)
        try await GatewayFixture.with(store: location) { first in
            try await GatewayFixture.with(store: location) { second in
                let id = try await Self.create(
                    first,
                    "/v1/policies/usage-limits",
                    Self.perUserTokens.replacingOccurrences(of: "LIMIT", with: "900")
                )
                // The second replica sees the policy within its watch interval.
                var seen = false
                for _ in 0..<100 where !seen {
                    try await Task.sleep(for: .milliseconds(50))
                    seen = second.runtime.snapshot.policies.isActive.load(ordering: .relaxed)
                }
                #expect(seen)
                let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                    for index in 0..<80 {
                        group.addTask {
                            let fixture = index % 2 == 0 ? first : second
                            let response = try await Self.chat(fixture, user: "hana")
                            let tokens = (response.json["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0
                            return (response.status, response.status == 200 ? tokens : 0)
                        }
                    }
                    var all: [(Int, Int)] = []
                    for try await result in group { all.append(result) }
                    return all
                }
                let answered = results.reduce(0) { $0 + $1.1 }
                #expect(results.allSatisfy { $0.0 == 200 || $0.0 == 412 })
                #expect(results.contains { $0.0 == 412 })
                #expect(answered <= 900)
                #expect(
                    first.mock.recorder.requestCount + second.mock.recorder.requestCount
                        == results.filter { $0.0 == 200 }.count
                )
                await second.runtime.reportPolicyUsage()
                let usage = try await Self.entities(first, id).first?["current_usage"] as? Double
                #expect(usage == Double(answered))
            }
        }
    }

    /// A stream cut by its provider keeps what it used: the budget is charged what the request log counted.
    @Test func aCutStreamIsChargedWhatItUsed() async throws {
        try await Self.withGateway { fixture in
            let id = try await Self.create(
                fixture,
                "/v1/policies/usage-limits",
                Self.perUserTokens.replacingOccurrences(of: "LIMIT", with: "5000")
            )
            let cut = try await Self.chat(fixture, user: "ivan", stream: true, headers: [("x-mock-reset-after", "3")])
            #expect(cut.status == 200)
            #expect(!cut.complete)
            let queued = await fulfilled { await fixture.runtime.requestLogQueued(atLeast: 1) }
            #expect(queued)
            await fixture.runtime.flushRequestLog()
            let logs = try await fixture.store!.listRequestLogs(filter: RequestLogFilter(), limit: 10, offset: 0)
            let record = try #require(logs.records.first)
            #expect(!record.complete)
            let used = record.promptTokens + record.completionTokens
            #expect(used > 0)
            #expect(try await Self.entities(fixture, id).first?["current_usage"] as? Double == Double(used))
        }
    }
}
