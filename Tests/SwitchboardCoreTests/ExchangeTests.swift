import Testing

@testable import SwitchboardCore

/// Records what the exchange tells the circuits, and opens the ones a test names.
final class RecordingCircuits: CircuitBreakerView, @unchecked Sendable {
    var recorded: [(provider: String, status: Int)] = []
    func isOpen(_ leaf: PlanLeaf) -> Bool { false }
    func record(_ leaf: PlanLeaf, outcome: AttemptOutcome) {
        self.recorded.append((leaf.target.provider, outcome.status))
    }
}

/// The exchange event by event, without sockets: attempts, stale events, commitment, timeouts, draining.
@Suite struct ExchangeTests {
    static let ms: UInt64 = 1_000_000
    static let timing = Exchange.Timing(responseTimeoutMs: 1_000, idleTimeoutNs: 5_000 * ms)

    static func target(_ provider: String, timeoutMs: Int? = nil) -> RouteTarget {
        RouteTarget(
            provider: provider,
            configuredIndex: nil,
            kind: .openai,
            upstream: UpstreamURL(isTLS: false, host: "127.0.0.1", port: 9, basePath: ""),
            apiKey: nil,
            requestTimeoutMs: timeoutMs,
            optionIndex: provider
        )
    }

    /// A fallback over `providers`, each retried `retries` times on the default status codes.
    static func plan(
        _ providers: [String],
        retries: Int = 0,
        on codes: [Int] = RetryPolicy.defaultStatusCodes,
        retryAfter: Bool = false
    ) throws -> RouteExecution {
        let leaves = providers.map {
            PlanNode.leaf(
                PlanLeaf(
                    target: Self.target($0),
                    retry: RetryPolicy(attempts: retries, onStatusCodes: codes, useRetryAfterHeader: retryAfter)
                )
            )
        }
        var random = SplitMix64(state: 7)
        return try RouteExecution(
            plan: RoutePlan(root: .fallback(onStatusCodes: nil, children: leaves)),
            breakers: NoOpenCircuits(),
            random: &random
        )
    }

    /// An exchange and what it needs to decide.
    struct Run {
        var exchange = Exchange(timing: ExchangeTests.timing)
        var circuits = RecordingCircuits()
        var random = SplitMix64(state: 3)

        mutating func head(_ status: Int, retryAfterMs: Int? = nil, at now: UInt64 = 0) -> Exchange.Action {
            self.exchange.responseHead(
                status: status,
                retryAfterMs: retryAfterMs,
                now: now,
                breakers: self.circuits,
                random: &self.random
            )
        }

        mutating func failed(resendable: Bool = false, at now: UInt64 = 0) -> Exchange.Action {
            self.exchange.upstreamFailed(
                reason: "reset",
                resendable: resendable,
                now: now,
                breakers: self.circuits,
                random: &self.random
            )
        }

        mutating func connectFailed(_ attempt: Int, at now: UInt64 = 0) -> Exchange.Action {
            self.exchange.connectFailed(
                attempt: attempt,
                reason: "refused",
                now: now,
                breakers: self.circuits,
                random: &self.random
            )
        }

        mutating func tick(_ now: UInt64) -> Exchange.Action {
            self.exchange.tick(now: now, breakers: self.circuits, random: &self.random)
        }
    }

    // MARK: - One target

    @Test func aTargetIsConnectedSentRelayedAndFinished() {
        var run = Run()
        guard case .connect(let attempt) = run.exchange.start(.target(Self.target("a")), now: 0) else {
            Issue.record("expected a connection")
            return
        }
        #expect(attempt.number == 1 && !attempt.fresh && run.exchange.target?.provider == "a")
        #expect(run.exchange.state == .connecting(attempt: 1))
        #expect(run.exchange.responseDeadline == 1_000 * Self.ms)
        #expect(run.exchange.connectionReady(attempt: 1).is(.send))
        #expect(!run.exchange.isCommitted)
        #expect(run.head(200, at: 5 * Self.ms).is(.relayHead))
        #expect(run.exchange.isCommitted && run.exchange.status == 200)
        #expect(run.exchange.responseDeadline == nil)
        #expect(run.exchange.responseEnded(clientWritable: true, now: 6 * Self.ms).is(.finish))
        #expect(run.exchange.state == .finished)
        #expect(run.circuits.recorded.isEmpty)
    }

    @Test func anErrorStatusWithoutAPlanIsRelayed() {
        var run = Run()
        _ = run.exchange.start(.target(Self.target("a")), now: 0)
        _ = run.exchange.connectionReady(attempt: 1)
        #expect(run.head(503).is(.relayHead))
        #expect(run.exchange.status == 503)
    }

    @Test func noResponseHeadInTimeIsA504OrTheTargetsRequestTimeout() {
        var run = Run()
        _ = run.exchange.start(.target(Self.target("a")), now: 0)
        _ = run.exchange.connectionReady(attempt: 1)
        #expect(run.tick(999 * Self.ms).is(.none))
        guard case .answer(let error) = run.tick(1_000 * Self.ms) else {
            Issue.record("expected an error answer")
            return
        }
        #expect(error.status == 504)
        #expect(run.exchange.state == .finished)
        #expect(run.tick(2_000 * Self.ms).is(.none))

        var own = Run()
        _ = own.exchange.start(.target(Self.target("a", timeoutMs: 50)), now: 0)
        guard case .answer(let timeout) = own.tick(50 * Self.ms) else {
            Issue.record("expected an error answer")
            return
        }
        #expect(timeout.status == 408)
    }

    @Test func aConnectionThatCannotBeMadeIsA502() {
        var run = Run()
        _ = run.exchange.start(.target(Self.target("a")), now: 0)
        guard case .answer(let error) = run.connectFailed(1) else {
            Issue.record("expected an error answer")
            return
        }
        #expect(error.status == 502)
        #expect(error.message.contains("'a'"))
    }

    // MARK: - A pooled connection closed by the upstream

    @Test func aClosedPooledConnectionIsResentOnceOnAFreshOne() {
        var run = Run()
        _ = run.exchange.start(.target(Self.target("a")), now: 0)
        _ = run.exchange.connectionReady(attempt: 1)
        guard case .connect(let again) = run.failed(resendable: true, at: 10 * Self.ms) else {
            Issue.record("expected a fresh connection")
            return
        }
        #expect(again.number == 1 && again.fresh)
        #expect(run.exchange.responseDeadline == 1_010 * Self.ms)
        #expect(run.exchange.connectionReady(attempt: 1).is(.send))
        guard case .answer(let error) = run.failed(resendable: true) else {
            Issue.record("a second failure is the answer")
            return
        }
        #expect(error.status == 502)
    }

    // MARK: - Plans

    @Test func aFallbackMovesOnBeforeAnythingIsRelayed() throws {
        var run = Run()
        _ = run.exchange.start(.plan(try Self.plan(["a", "b"])), now: 0)
        _ = run.exchange.connectionReady(attempt: 1)
        guard case .connect(let next) = run.head(500) else {
            Issue.record("expected the next target")
            return
        }
        #expect(next.number == 2 && run.exchange.target?.provider == "b")
        guard case .fallback(let status) = next.cause else {
            Issue.record("expected a fallback")
            return
        }
        #expect(run.exchange.fallbackFrom?.provider == "a" && status == 500)
        #expect(run.exchange.target?.provider == "b")
        #expect(run.circuits.recorded.map(\.status) == [500])
        #expect(run.exchange.connectionReady(attempt: 2).is(.send))
        #expect(run.head(200).is(.relayHead))
        #expect(run.exchange.status == 200)
    }

    /// An attempt the gateway refuses (a limit of its target) is a failed attempt the plan moves on from, without
    /// its circuit counting it; with no target left, the refusal is the answer.
    @Test func aRefusedAttemptFallsBackOrIsTheAnswer() throws {
        var run = Run()
        _ = run.exchange.start(.plan(try Self.plan(["a", "b"])), now: 0)
        let next = run.exchange.attemptRefused(
            attempt: 1,
            status: 412,
            now: 0,
            breakers: run.circuits,
            random: &run.random
        )
        guard case .connect(let attempt) = next else {
            Issue.record("expected the next target, got \(String(describing: next))")
            return
        }
        #expect(attempt.number == 2 && run.exchange.target?.provider == "b")
        #expect(run.circuits.recorded.isEmpty)
        // A late refusal of the first attempt changes nothing.
        let late = run.exchange.attemptRefused(
            attempt: 1,
            status: 412,
            now: 0,
            breakers: run.circuits,
            random: &run.random
        )
        #expect(late?.is(.none) == true)
        let last = run.exchange.attemptRefused(
            attempt: 2,
            status: 429,
            now: 0,
            breakers: run.circuits,
            random: &run.random
        )
        #expect(last == nil)
        #expect(run.exchange.state == .finished)
    }

    @Test func theLastTargetsFailureIsWhatTheClientGets() throws {
        var run = Run()
        _ = run.exchange.start(.plan(try Self.plan(["a", "b"])), now: 0)
        #expect(run.connectFailed(1).isConnect)
        _ = run.exchange.connectionReady(attempt: 2)
        #expect(run.head(503).is(.relayHead))
        #expect(run.exchange.status == 503)
    }

    @Test func aRetryWaitsAndLateEventsOfTheOldAttemptAreIgnored() throws {
        var run = Run()
        // A timeout counts as 408, which a retry policy may name.
        _ = run.exchange.start(.plan(try Self.plan(["a"], retries: 2, on: [408])), now: 0)
        // Attempt 1 times out before its connection arrives.
        guard case .retryAfter(let delay, let attempt, let provider) = run.tick(1_000 * Self.ms) else {
            Issue.record("expected a retry")
            return
        }
        #expect(attempt == 1 && provider == "a" && delay >= 500 && delay <= 1_000)
        #expect(run.exchange.state == .backingOff(attempt: 1))
        #expect(run.exchange.connectionReady(attempt: 1).is(.releaseConnection))
        #expect(run.connectFailed(1).is(.none))
        #expect(run.tick(10_000 * Self.ms).is(.none))
        guard case .connect(let second) = run.exchange.retryDelayElapsed(attempt: 1, now: 2_000 * Self.ms) else {
            Issue.record("expected the retry's connection")
            return
        }
        #expect(second.number == 2)
        guard case .retry = second.cause else {
            Issue.record("expected a retry")
            return
        }
        // A second timer of attempt 1 (it cannot fire twice, but a stale one must not restart anything).
        #expect(run.exchange.retryDelayElapsed(attempt: 1, now: 2_001 * Self.ms).is(.none))
        #expect(run.exchange.connectionReady(attempt: 1).is(.releaseConnection))
        #expect(run.exchange.connectionReady(attempt: 2).is(.send))
        #expect(run.head(200).is(.relayHead))
        #expect(run.exchange.plan?.retryAttemptCount == 1)
        #expect(run.circuits.recorded.map(\.status) == [408, 200])
    }

    @Test func aTimeoutIsNotRetriedOnTheDefaultCodesButFallsBack() throws {
        var run = Run()
        _ = run.exchange.start(.plan(try Self.plan(["a", "b"], retries: 2)), now: 0)
        guard case .connect(let next) = run.tick(1_000 * Self.ms) else {
            Issue.record("expected the next target")
            return
        }
        #expect(next.number == 2 && run.exchange.target?.provider == "b")
        #expect(run.exchange.responseDeadline == 2_000 * Self.ms)
    }

    @Test func aRetryAfterHeaderSetsTheDelay() throws {
        var run = Run()
        _ = run.exchange.start(.plan(try Self.plan(["a"], retries: 1, retryAfter: true)), now: 0)
        _ = run.exchange.connectionReady(attempt: 1)
        guard case .retryAfter(let delay, _, _) = run.head(429, retryAfterMs: 1_234) else {
            Issue.record("expected a retry")
            return
        }
        #expect(delay == 1_234)
    }

    @Test func retriesExhaustedRelayTheLastAnswer() throws {
        var run = Run()
        _ = run.exchange.start(.plan(try Self.plan(["a"], retries: 1)), now: 0)
        _ = run.exchange.connectionReady(attempt: 1)
        #expect(run.head(500).isRetry)
        _ = run.exchange.retryDelayElapsed(attempt: 1, now: 0)
        _ = run.exchange.connectionReady(attempt: 2)
        #expect(run.head(500).is(.relayHead))
        #expect(run.exchange.plan?.retryAttemptCount == -1)
        #expect(run.circuits.recorded.count == 2)
    }

    // MARK: - Committed

    @Test func afterTheFirstByteAFailureEndsTheStreamAndNothingIsRetried() throws {
        var run = Run()
        _ = run.exchange.start(.plan(try Self.plan(["a", "b"], retries: 3)), now: 0)
        _ = run.exchange.connectionReady(attempt: 1)
        #expect(run.head(200).is(.relayHead))
        guard case .endStream(let message) = run.failed(resendable: true) else {
            Issue.record("expected an error event")
            return
        }
        #expect(message.contains("after the response started"))
        #expect(run.exchange.state == .finished)
        #expect(run.head(500).is(.none))
        #expect(run.failed().is(.none))
        #expect(run.exchange.retryDelayElapsed(attempt: 1, now: 0).is(.none))
        #expect(run.exchange.status == 200)
    }

    @Test func failingBeforeTheHeadAnswersAfterItCuts() {
        var before = Run()
        _ = before.exchange.start(.target(Self.target("a")), now: 0)
        guard case .answer(let error) = before.exchange.fail(.bodyTooLarge(limit: 1)) else {
            Issue.record("expected an answer")
            return
        }
        #expect(error.status == 413)

        var after = Run()
        _ = after.exchange.start(.target(Self.target("a")), now: 0)
        _ = after.exchange.connectionReady(attempt: 1)
        _ = after.head(200)
        #expect(after.exchange.fail(.bodyTooLarge(limit: 1)).is(.cut))
    }

    // MARK: - Idle and draining

    @Test func aStartedAnswerWithoutProgressIsCutAfterTheIdleTimeout() {
        var run = Run()
        _ = run.exchange.start(.target(Self.target("a")), now: 0)
        _ = run.exchange.connectionReady(attempt: 1)
        _ = run.head(200, at: 0)
        run.exchange.progressed(now: 4_000 * Self.ms)
        #expect(run.tick(8_999 * Self.ms).is(.none))
        #expect(run.tick(9_000 * Self.ms).is(.cutIdle(draining: false)))
        #expect(run.exchange.state == .finished)
    }

    @Test func aResponseThatEndedWaitsForTheClientToTakeIt() {
        var run = Run()
        _ = run.exchange.start(.target(Self.target("a")), now: 0)
        _ = run.exchange.connectionReady(attempt: 1)
        _ = run.head(200)
        #expect(run.exchange.responseEnded(clientWritable: false, now: 100 * Self.ms).is(.none))
        #expect(run.exchange.state == .draining)
        #expect(run.exchange.clientWritable(now: 200 * Self.ms).is(.finish))

        var stalled = Run()
        _ = stalled.exchange.start(.target(Self.target("a")), now: 0)
        _ = stalled.exchange.connectionReady(attempt: 1)
        _ = stalled.head(200)
        _ = stalled.exchange.responseEnded(clientWritable: false, now: 100 * Self.ms)
        #expect(stalled.tick(5_100 * Self.ms).is(.cutIdle(draining: true)))
    }

    @Test func aClientThatLeavesEndsTheExchangeAs499() {
        var run = Run()
        _ = run.exchange.start(.target(Self.target("a")), now: 0)
        run.exchange.clientLeft()
        #expect(run.exchange.status == 499 && run.exchange.state == .finished)
        #expect(run.exchange.connectionReady(attempt: 1).is(.releaseConnection))
        #expect(run.tick(60_000 * Self.ms).is(.none))
    }
}

extension Exchange.Action {
    /// Compares the cases without payloads (and `cutIdle`'s flag).
    func `is`(_ other: Exchange.Action) -> Bool {
        switch (self, other) {
        case (.none, .none), (.send, .send), (.releaseConnection, .releaseConnection), (.relayHead, .relayHead),
            (.cut, .cut), (.finish, .finish):
            true
        case (.cutIdle(let a), .cutIdle(let b)): a == b
        default: false
        }
    }

    var isConnect: Bool {
        if case .connect = self { return true }
        return false
    }

    var isRetry: Bool {
        if case .retryAfter = self { return true }
        return false
    }
}
