import Testing

@testable import SwitchboardCore

/// A seeded generator, so weighted picks and jitter are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Circuits opened by a test.
struct OpenCircuits: CircuitBreakerView {
    var open: Set<String>
    func isOpen(_ leaf: PlanLeaf) -> Bool { self.open.contains(leaf.target.optionIndex) }
}

@Suite struct PortkeyConfigTests {
    @Test func parsesTheSpecExampleShape() throws {
        let config = try PortkeyConfig.parse(
            text: #"""
                {"strategy":{"mode":"fallback","on_status_codes":[429,500]},
                 "retry":{"attempts":9,"use_retry_after_headers":true},"request_timeout":2000,
                 "override_params":{"temperature":0.2},"cache":{"mode":"simple"},
                 "targets":[{"strategy":{"mode":"loadbalance"},"targets":[{"provider":"openai","weight":3},
                   {"provider":"openai","weight":1}]},{"provider":"ollama","custom_host":"http://localhost:11434"}]}
                """#
        )
        #expect(config.strategy?.mode == .fallback)
        #expect(config.strategy?.onStatusCodes == [429, 500])
        #expect(config.retry == RetryPolicy(attempts: 5, useRetryAfterHeader: true))
        #expect(config.targets.count == 2)
        #expect(config.targets[0].targets.map(\.weight) == [3, 1])
    }

    @Test func reportsEveryProblemWithItsPath() {
        do {
            _ = try PortkeyConfig.parse(
                text: #"""
                    {"strategy":{"mode":"sometimes"},"targets":[{"provider":1},{"weight":-1,"provider":"a"},{}],
                     "retry":{"attempts":"3"}}
                    """#
            )
            Issue.record("expected errors")
        } catch {
            let errors = error.errors.joined(separator: "\n")
            #expect(errors.contains("path: strategy.mode, message: 'sometimes' is not a strategy"), "\(errors)")
            #expect(errors.contains("path: targets[0].provider, message: must be a string"), "\(errors)")
            #expect(errors.contains("path: targets[1].weight"), "\(errors)")
            #expect(errors.contains("path: targets[2], message: Invalid configuration."), "\(errors)")
            #expect(errors.contains("path: retry.attempts"), "\(errors)")
            let body = String(decoding: error.gatewayError.jsonBody, as: UTF8.self)
            #expect(body.hasPrefix(#"{"status":"failure","message":"Invalid config passed: "#))
            #expect(body.contains(#""errors":["path: "#))
        }
    }

    @Test func conditionalTargetsMustExist() {
        #expect(throws: ConfigValidationError.self) {
            try PortkeyConfig.parse(
                text: #"""
                    {"strategy":{"mode":"conditional","conditions":[{"query":{"metadata.a":"b"},"then":"nope"}],
                     "default":"x"},"targets":[{"name":"x","provider":"openai"}]}
                    """#
            )
        }
    }

    @Test func forwardHeadersMayNotListThemselves() {
        #expect(throws: ConfigValidationError.self) {
            try PortkeyConfig.parse(text: #"{"provider":"openai","forward_headers":["X-Portkey-Forward-Headers"]}"#)
        }
    }
}

@Suite struct RouteExecutionTests {
    private static let resolver: RouteResolver = {
        let yaml = """
            providers:
              a: {kind: openai, base_url: "http://127.0.0.1:1/v1", models: [m, shared]}
              b: {kind: openai, base_url: "http://127.0.0.1:2/v1", models: [shared]}
              c: {kind: openai, base_url: "http://127.0.0.1:3/v1"}
            default_route: {provider: a}
            """
        return RouteResolver(config: try! ConfigLoader.load(yaml: yaml, file: "t", environment: [:]))
    }()

    private static func plan(_ config: String, model: String? = "m") throws -> RoutePlan {
        let request = RoutingRequest(endpoint: .chatCompletions, model: model, config: config)
        guard case .plan(let plan) = try Self.resolver.route(request) else {
            Issue.record("expected a plan")
            throw ConfigValidationError(problems: [])
        }
        return plan
    }

    private static func start(
        _ plan: RoutePlan,
        context: ConditionContext = ConditionContext(),
        open: Set<String> = []
    ) throws -> RouteExecution {
        var random = SplitMix64(state: 1)
        return try RouteExecution(plan: plan, context: context, breakers: OpenCircuits(open: open), random: &random)
    }

    private static let timing: RetryTiming = {
        var timing = RetryTiming()
        timing.initialBackoffMs = 100
        return timing
    }()

    private static func decide(_ execution: inout RouteExecution, _ outcome: AttemptOutcome) -> RouteExecution.Decision
    {
        var random = SplitMix64(state: 2)
        return execution.decide(outcome, timing: Self.timing, breakers: NoOpenCircuits(), random: &random)
    }

    private static func ok() -> AttemptOutcome { .response(status: 200, retryAfterMs: nil) }
    private static func status(_ code: Int, retryAfterMs: Int? = nil) -> AttemptOutcome {
        .response(status: code, retryAfterMs: retryAfterMs)
    }

    @Test func fallbackMovesOnUntilSuccess() throws {
        let plan = try Self.plan(
            #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"a"},{"provider":"b"},{"provider":"c"}]}"#
        )
        var execution = try Self.start(plan)
        #expect(execution.leaf.target.optionIndex == "config.targets[0]")
        #expect(Self.decide(&execution, Self.status(503)) == .next)
        #expect(execution.leaf.target.provider == "b")
        #expect(Self.decide(&execution, .connectFailure) == .next)
        #expect(execution.leaf.target.optionIndex == "config.targets[2]")
        #expect(Self.decide(&execution, Self.ok()) == .deliver)
        #expect(execution.fallbacks == 2)
    }

    @Test func fallbackStopsOnStatusesNotListed() throws {
        let plan = try Self.plan(
            #"{"strategy":{"mode":"fallback","on_status_codes":[429]},"targets":[{"provider":"a"},{"provider":"b"}]}"#
        )
        var execution = try Self.start(plan)
        #expect(Self.decide(&execution, Self.status(400)) == .deliver)
        #expect(execution.leaf.target.provider == "a")
        var second = try Self.start(plan)
        #expect(Self.decide(&second, Self.status(429)) == .next)
        // Timeouts and connection failures always move on.
        var third = try Self.start(plan)
        #expect(Self.decide(&third, .timeout) == .next)
    }

    @Test func theLastTargetsResponseIsDelivered() throws {
        let plan = try Self.plan(#"{"strategy":{"mode":"fallback"},"targets":[{"provider":"a"},{"provider":"b"}]}"#)
        var execution = try Self.start(plan)
        #expect(Self.decide(&execution, Self.status(500)) == .next)
        #expect(Self.decide(&execution, Self.status(502)) == .deliver)
    }

    @Test func retriesCountAndBackOff() throws {
        let plan = try Self.plan(#"{"provider":"a","retry":{"attempts":3}}"#)
        var execution = try Self.start(plan)
        guard case .retry(let first) = Self.decide(&execution, Self.status(503)) else {
            Issue.record("expected a retry")
            return
        }
        #expect((50...100).contains(first))
        guard case .retry(let second) = Self.decide(&execution, Self.status(500)) else {
            Issue.record("expected a retry")
            return
        }
        #expect((100...200).contains(second))
        #expect(Self.decide(&execution, Self.ok()) == .deliver)
        #expect(execution.retryAttemptCount == 2)
    }

    @Test func exhaustedRetriesReportMinusOne() throws {
        var execution = try Self.start(try Self.plan(#"{"provider":"a","retry":{"attempts":1}}"#))
        #expect(Self.decide(&execution, Self.status(429)) != .deliver)
        #expect(Self.decide(&execution, Self.status(429)) == .deliver)
        #expect(execution.retryAttemptCount == -1)
    }

    @Test func unlistedStatusesAreNotRetried() throws {
        var execution = try Self.start(
            try Self.plan(#"{"provider":"a","retry":{"attempts":3,"on_status_codes":[503]}}"#)
        )
        #expect(Self.decide(&execution, Self.status(500)) == .deliver)
        #expect(execution.retryAttemptCount == 0)
    }

    @Test func retryAfterIsHonouredWithinTheBudget() throws {
        let plan = try Self.plan(#"{"provider":"a","retry":{"attempts":3,"use_retry_after_header":true}}"#)
        var execution = try Self.start(plan)
        #expect(Self.decide(&execution, Self.status(429, retryAfterMs: 1234)) == .retry(delayMs: 1234))
        // A value over the 60 s budget stops retrying at once.
        #expect(Self.decide(&execution, Self.status(429, retryAfterMs: 60_000)) == .deliver)
        #expect(execution.retryAttemptCount == -1)
    }

    @Test func retriesThenFallback() throws {
        let plan = try Self.plan(
            #"{"strategy":{"mode":"fallback"},"retry":{"attempts":1},"targets":[{"provider":"a"},{"provider":"b"}]}"#
        )
        var execution = try Self.start(plan)
        #expect(Self.decide(&execution, Self.status(500)) != .deliver)
        #expect(Self.decide(&execution, Self.status(500)) == .next)
        #expect(execution.leaf.target.provider == "b")
        #expect(execution.retries == 0)
        #expect(Self.decide(&execution, Self.ok()) == .deliver)
        #expect(execution.retryAttemptCount == 0)
    }

    @Test func loadBalancingFollowsTheWeights() throws {
        let plan = try Self.plan(
            #"{"strategy":{"mode":"loadbalance"},"targets":[{"provider":"a","weight":3},{"provider":"b"},{"provider":"c","weight":0}]}"#
        )
        var random = SplitMix64(state: 42)
        var counts: [String: Int] = [:]
        for _ in 0..<4000 {
            let execution = try RouteExecution(plan: plan, breakers: NoOpenCircuits(), random: &random)
            counts[execution.leaf.target.provider, default: 0] += 1
        }
        #expect((2850...3150).contains(counts["a"] ?? 0), "\(counts)")
        #expect(counts["c"] == nil)
    }

    @Test func nestedStrategiesAndPaths() throws {
        let plan = try Self.plan(
            #"""
            {"strategy":{"mode":"fallback"},"targets":[
              {"strategy":{"mode":"loadbalance"},"targets":[{"provider":"a"}]},
              {"strategy":{"mode":"fallback"},"targets":[{"provider":"b"},{"provider":"c"}]}]}
            """#
        )
        var execution = try Self.start(plan)
        #expect(execution.leaf.target.optionIndex == "config.targets[0].targets[0]")
        #expect(Self.decide(&execution, Self.status(500)) == .next)
        #expect(execution.leaf.target.optionIndex == "config.targets[1].targets[0]")
        #expect(Self.decide(&execution, Self.status(500)) == .next)
        #expect(execution.leaf.target.optionIndex == "config.targets[1].targets[1]")
        #expect(Self.decide(&execution, Self.status(500)) == .deliver)
    }

    @Test func openCircuitsAreSkippedUnlessAllAreOpen() throws {
        let config =
            #"{"strategy":{"mode":"fallback"},"cb_config":{"failure_threshold":1,"cooldown_interval":1000},"targets":[{"provider":"a"},{"provider":"b"}]}"#
        let plan = try Self.plan(config)
        let skipping = try Self.start(plan, open: ["config.targets[0]"])
        #expect(skipping.leaf.target.provider == "b")
        #expect(skipping.skipped.map(\.target.provider) == ["a"])
        let all = try Self.start(plan, open: ["config.targets[0]", "config.targets[1]"])
        #expect(all.leaf.target.provider == "a")
        #expect(all.skipped.isEmpty)
    }

    @Test func loadBalancingSkipsOpenCircuits() throws {
        let plan = try Self.plan(
            #"{"strategy":{"mode":"loadbalance"},"cb_config":{"failure_threshold":1},"targets":[{"provider":"a","weight":5},{"provider":"b"}]}"#
        )
        for seed in 0..<20 {
            var random = SplitMix64(state: UInt64(seed))
            let execution = try RouteExecution(
                plan: plan,
                breakers: OpenCircuits(open: ["config.targets[0]"]),
                random: &random
            )
            #expect(execution.leaf.target.provider == "b")
        }
    }

    @Test func inheritanceMergesOverridesAndTakesTheNearestSettings() throws {
        let plan = try Self.plan(
            #"""
            {"strategy":{"mode":"fallback"},"request_timeout":500,"override_params":{"temperature":0.1,"top_p":1},
             "retry":{"attempts":2},"targets":[{"provider":"a","override_params":{"temperature":0.9}},
             {"provider":"b","request_timeout":50,"retry":{"attempts":0}}]}
            """#
        )
        let leaves = plan.leaves
        let first = Dictionary(uniqueKeysWithValues: leaves[0].target.overrides.map { ($0.key, $0.json) })
        #expect(first["temperature"] == Array("0.9".utf8))
        #expect(first["top_p"] == Array("1".utf8))
        #expect(leaves[0].target.requestTimeoutMs == 500)
        #expect(leaves[0].retry.attempts == 2)
        #expect(leaves[1].target.requestTimeoutMs == 50)
        #expect(leaves[1].retry.attempts == 0)
    }

    @Test func conditionalRoutingPicksTheFirstMatch() throws {
        let plan = try Self.plan(
            #"""
            {"strategy":{"mode":"conditional","conditions":[
               {"query":{"metadata.tier":{"$eq":"paid"},"params.max_tokens":{"$gt":100}},"then":"big"},
               {"query":{"$or":[{"metadata.team":{"$in":["x","y"]}},{"url.pathname":{"$regex":"^/v1/emb"}}]},"then":"team"}],
             "default":"small"},
             "targets":[{"name":"big","provider":"a"},{"name":"team","provider":"b"},{"name":"small","provider":"c"}]}
            """#
        )
        func pick(_ metadata: String, _ params: String, path: String = "/v1/chat/completions") throws -> String {
            let context = ConditionContext(
                metadata: JSONValue(parsing: Array(metadata.utf8))!,
                params: JSONValue(parsing: Array(params.utf8))!,
                path: path
            )
            return try Self.start(plan, context: context).leaf.target.provider
        }
        #expect(try pick(#"{"tier":"paid"}"#, #"{"max_tokens":"500"}"#) == "a")
        #expect(try pick(#"{"tier":"paid"}"#, #"{"max_tokens":50}"#) == "c")
        #expect(try pick(#"{"team":"y"}"#, "{}") == "b")
        #expect(try pick("{}", "{}", path: "/v1/embeddings") == "b")
        #expect(try pick("{}", "{}") == "c")
    }

    @Test func conditionalWithoutAMatchOrDefaultIs400() throws {
        let plan = try Self.plan(
            #"{"strategy":{"mode":"conditional","conditions":[{"query":{"metadata.a":"b"},"then":"x"}]},"targets":[{"name":"x","provider":"a"}]}"#
        )
        #expect(throws: GatewayError.self) { try Self.start(plan) }
    }
}

@Suite struct ConditionQueryTests {
    let context = ConditionContext(
        metadata: JSONValue(parsing: Array(#"{"user":"ann","n":"12"}"#.utf8))!,
        params: JSONValue(parsing: Array(#"{"temperature":0.5,"model":"gpt-4o","stream":true}"#.utf8))!,
        path: "/v1/chat/completions"
    )

    @Test(arguments: [
        (#"{"metadata.user":"ann"}"#, true), (#"{"metadata.user":{"$ne":"bob"}}"#, true),
        (#"{"metadata.n":{"$gte":12,"$lt":13}}"#, true), (#"{"metadata.n":{"$gt":12}}"#, false),
        (#"{"params.model":{"$regex":"^gpt-4"}}"#, true), (#"{"params.model":{"$regex":"["}}"#, false),
        (#"{"params.model":{"$nin":["a","b"]}}"#, true), (#"{"params.stream":true}"#, true),
        (#"{"params.missing":{"$ne":"x"}}"#, false), (#"{"params.temperature":{"$unknown":1}}"#, false),
        (#"{"$and":[{"metadata.user":"ann"},{"params.temperature":{"$lte":0.5}}]}"#, true),
        (#"{"$or":[{"metadata.user":"bob"}],"metadata.user":"ann"}"#, false),
        (#"{"metadata.user.deep":"ann"}"#, false),
    ])
    func evaluates(query: String, expected: Bool) {
        #expect(
            ConditionQuery.matches(JSONValue(parsing: Array(query.utf8))!, in: self.context) == expected,
            "\(query)"
        )
    }
}

@Suite struct CircuitBreakerTests {
    @Test func opensAfterTheThresholdAndProbesAfterTheCooldown() {
        var settings = CircuitBreakerSettings()
        settings.failureThreshold = 2
        settings.cooldownMs = 100
        var state = CircuitBreakerState()
        do {
            let result = state.record(failure: true, nowMs: 0, settings: settings)
            #expect(!result)
        }
        do {
            let result = state.record(failure: true, nowMs: 1, settings: settings)
            #expect(result)
        }
        do {
            let result = state.isOpen(nowMs: 50)
            #expect(result)
        }
        do {
            let result = state.isOpen(nowMs: 101)
            #expect(!result)
        }
        #expect(state.phase == .halfOpen)
        // A failed probe opens it again; a good one closes it.
        do {
            let result = state.record(failure: true, nowMs: 102, settings: settings)
            #expect(result)
        }
        do {
            let result = state.isOpen(nowMs: 150)
            #expect(result)
        }
        do {
            let result = state.isOpen(nowMs: 203)
            #expect(!result)
        }
        state.record(failure: false, nowMs: 204, settings: settings)
        #expect(state.phase == .closed)
    }

    @Test func failuresOutsideTheWindowDoNotCount() {
        var settings = CircuitBreakerSettings()
        settings.failureThreshold = 2
        settings.windowMs = 10
        var state = CircuitBreakerState()
        state.record(failure: true, nowMs: 0, settings: settings)
        do {
            let result = state.record(failure: true, nowMs: 20, settings: settings)
            #expect(!result)
        }
    }

    @Test func opensOnAFailureRate() {
        var settings = CircuitBreakerSettings()
        settings.failureThreshold = 100
        settings.failureRatePercent = 50
        settings.minimumRequests = 4
        var state = CircuitBreakerState()
        for now in 0..<3 { state.record(failure: now == 0, nowMs: Int64(now), settings: settings) }
        do {
            let result = state.record(failure: true, nowMs: 3, settings: settings)
            #expect(result)
        }
    }
}

@Suite struct OpenRouterRoutingTests {
    private static let resolver: RouteResolver = {
        let yaml = """
            providers:
              a: {kind: openai, base_url: "http://127.0.0.1:1/v1", models: [x, shared]}
              b: {kind: openai, base_url: "http://127.0.0.1:2/v1", models: [shared, y]}
              c: {kind: openai, base_url: "http://127.0.0.1:3/v1"}
            """
        return RouteResolver(config: try! ConfigLoader.load(yaml: yaml, file: "t", environment: [:]))
    }()

    private static func leaves(model: String?, models: [String]? = nil, provider: String? = nil) throws -> [String] {
        let request = RoutingRequest(
            endpoint: .chatCompletions,
            model: model,
            models: models,
            providerPreferences: provider.map { JSONValue(parsing: Array($0.utf8))! }
        )
        switch try Self.resolver.route(request) {
        case .target(let target): return ["\(target.provider):\(target.model ?? "-")"]
        case .plan(let plan): return plan.leaves.map { "\($0.target.provider):\($0.target.model ?? "-")" }
        }
    }

    @Test func modelsAreAnOrderedFallbackList() throws {
        #expect(try Self.leaves(model: "a/x", models: ["y", "a/x"]) == ["a:x", "b:y"])
    }

    @Test func everyProviderServingAModelIsACandidate() throws {
        #expect(try Self.leaves(model: "shared", provider: "{}") == ["a:shared", "b:shared"])
        #expect(try Self.leaves(model: "shared", provider: #"{"order":["b"]}"#) == ["b:shared", "a:shared"])
        #expect(
            try Self.leaves(model: "shared", provider: #"{"order":["c","b"],"allow_fallbacks":false}"#)
                == ["c:shared", "b:shared"]
        )
        #expect(try Self.leaves(model: "shared", provider: #"{"only":["b"]}"#) == ["b:shared"])
        #expect(try Self.leaves(model: "shared", provider: #"{"ignore":["a"]}"#) == ["b:shared"])
    }

    @Test func noCandidateIs400() {
        #expect(throws: GatewayError.self) {
            try Self.leaves(model: "shared", provider: #"{"only":["zzz"]}"#)
        }
        #expect(throws: GatewayError.self) { try Self.leaves(model: "x", provider: #"{"order":"a"}"#) }
    }
}

@Suite struct BodyPatchRemovalTests {
    private static func patch(_ body: String, removing keys: [String], model: String? = nil) throws -> String {
        let bytes = Array(body.utf8)
        let result = try bytes.withUnsafeBytes { raw in
            let inspection = try RequestInspection.inspect(raw)
            return BodyPatch.make(body: raw, inspection: inspection, model: model, removing: keys)
        }
        return String(decoding: result.apply(to: bytes), as: UTF8.self)
    }

    @Test(arguments: [
        (#"{"model":"m","models":["a"],"n":1}"#, #"{"model":"m","n":1}"#),
        (#"{"models":["a"],"model":"m"}"#, #"{"model":"m"}"#),
        (#"{"model":"m", "models":["a"], "provider":{"order":["x"]}}"#, #"{"model":"m"}"#),
        (#"{"models":["a"],"provider":{}}"#, "{}"),
        (#"{"a":1,"models":[],"b":2,"provider":{},"c":3}"#, #"{"a":1,"b":2,"c":3}"#),
    ])
    func removesMembersWithTheirSeparators(body: String, expected: String) throws {
        #expect(try Self.patch(body, removing: ["models", "provider"]) == expected)
    }

    @Test func removalCombinesWithAModelRewrite() throws {
        #expect(
            try Self.patch(#"{"model":"a/x","models":["y"]}"#, removing: ["models"], model: "x") == #"{"model":"x"}"#
        )
    }
}
