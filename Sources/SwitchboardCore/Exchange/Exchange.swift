/// The life of one client request that goes to an upstream, as a state machine: the channel handler reports
/// events (a connection is ready, the response head arrived, the upstream failed, a tick of the clock …) and
/// carries out the ``Action`` each one returns. No I/O, no clock of its own: times come in with the events.
///
/// It owns the rules that must hold in one place:
/// - retries and fallbacks happen only while nothing was sent to the client; once the response head is
///   relayed the exchange is *committed*, and a failure after that ends the answer with an error event or a cut;
/// - every attempt has a number, and an event of an attempt that is over (a late connection, a retry timer of
///   an abandoned attempt) is recognised and ignored, or its connection given back;
/// - a request waits for its response head until a deadline, and a started response that makes no progress
///   in either direction for the idle timeout is cut.
///
/// ```swift
/// var exchange = Exchange(timing: timing)
/// exchange.start(.target(target), now: now)      // .connect(attempt 1)
/// exchange.connectionReady(attempt: 1)           // .send
/// exchange.responseHead(status: 200, …)          // .relayHead: committed
/// exchange.responseEnded(clientWritable: true)   // .finish
/// ```
public struct Exchange: Sendable {
    /// Where the exchange is.
    public enum State: Sendable, Equatable {
        /// The request is read and routed; nothing went upstream yet.
        case routing
        /// Attempt `attempt` waits for a connection to its upstream.
        case connecting(attempt: Int)
        /// Attempt `attempt` was sent and waits for its response head, until ``Exchange/responseDeadline``.
        case awaitingHead(attempt: Int)
        /// Attempt `attempt` failed; the next one starts when the retry delay has elapsed.
        case backingOff(attempt: Int)
        /// The response head went to the client: committed, no retry or fallback from here on.
        case relaying
        /// The upstream's response ended; the client has yet to take the last of it.
        case draining
        /// Answered, cut, or the client left.
        case finished
    }

    /// Timeouts and retry timing, from the server's settings.
    public struct Timing: Sendable, Equatable {
        /// Wait for a response head when the target sets no `request_timeout`.
        public var responseTimeoutMs: Int
        /// A started response with no progress in either direction for this long is cut.
        public var idleTimeoutNs: UInt64
        public var retry: RetryTiming

        public init(responseTimeoutMs: Int, idleTimeoutNs: UInt64, retry: RetryTiming = RetryTiming()) {
            self.responseTimeoutMs = responseTimeoutMs
            self.idleTimeoutNs = idleTimeoutNs
            self.retry = retry
        }
    }

    /// How a request is routed: one target, or a plan with strategies.
    public enum Route: Sendable {
        case target(RouteTarget)
        case plan(RouteExecution)
    }

    public private(set) var state = State.routing
    /// The target of the current (or last) attempt.
    public private(set) var target: RouteTarget?
    /// The target the last fallback moved on from (for its metric and log).
    public private(set) var fallbackFrom: RouteTarget?
    /// The plan being run, when the route has strategies.
    public private(set) var plan: RouteExecution?
    /// The number of the current attempt (1 for the first); 0 before any.
    public private(set) var attempt = 0
    /// The status the client is answered with, once committed.
    public private(set) var status = 0
    /// When the wait for the current attempt's response head ends (uptime nanoseconds).
    public private(set) var responseDeadline: UInt64?
    /// The last time bytes moved in either direction of a started response.
    public private(set) var lastActivity: UInt64 = 0
    private var responseTimeoutMs = 0
    private var resentOnFreshConnection = false
    private let timing: Timing

    public init(timing: Timing) {
        self.timing = timing
    }

    /// Whether the client was sent the response head: from here on, no retry and no fallback.
    public var isCommitted: Bool {
        switch self.state {
        case .relaying, .draining: true
        case .finished: self.status != 0
        case .routing, .connecting, .awaitingHead, .backingOff: false
        }
    }

    /// Whether an upstream response is being waited for or relayed (the timeout sweep needs to look).
    public var isWatched: Bool {
        switch self.state {
        case .connecting, .awaitingHead, .relaying, .draining: true
        case .routing, .backingOff, .finished: false
        }
    }

    // MARK: - Events

    /// The request is routed: the first attempt starts.
    public mutating func start(_ route: Route, now: UInt64) -> Action {
        precondition(self.state == .routing, "an exchange starts once")
        switch route {
        case .target(let target):
            self.target = target
        case .plan(let execution):
            self.plan = execution
            self.target = execution.leaf.target
        }
        return self.connect(fresh: false, cause: .first, now: now)
    }

    /// A connection for attempt `attempt` is ready.
    /// - Returns: ``Action/send``, or ``Action/releaseConnection`` when that attempt is over.
    public mutating func connectionReady(attempt: Int) -> Action {
        guard self.state == .connecting(attempt: attempt) else { return .releaseConnection }
        self.state = .awaitingHead(attempt: attempt)
        return .send
    }

    /// No connection could be made for attempt `attempt`.
    public mutating func connectFailed(
        attempt: Int,
        reason: String,
        now: UInt64,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Action {
        guard self.state == .connecting(attempt: attempt) else { return .none }
        return self.attemptFailed(.connectFailure, reason: reason, now: now, breakers: breakers, random: &random)
    }

    /// The current attempt's response head arrived; `retryAfterMs` from a 429's `retry-after*` headers.
    /// - Returns: ``Action/relayHead`` (committed), or a retry or another target when the plan says so.
    public mutating func responseHead(
        status: Int,
        retryAfterMs: Int?,
        now: UInt64,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Action {
        guard case .awaitingHead = self.state else { return .none }
        if self.plan != nil {
            let next = self.decide(
                .response(status: status, retryAfterMs: retryAfterMs),
                now: now,
                breakers: breakers,
                random: &random
            )
            if let next { return next }
        }
        self.commit(status: status, now: now)
        return .relayHead
    }

    /// Bytes moved: the upstream sent some, or the client took some. Progress for the idle timeout.
    public mutating func progressed(now: UInt64) {
        self.lastActivity = now
    }

    /// The upstream's response ended.
    /// - Parameter clientWritable: whether the client takes bytes now; if not, the exchange drains: it finishes
    ///   when the client takes the rest (``clientWritable(now:)``), or is cut after the idle timeout.
    public mutating func responseEnded(clientWritable: Bool, now: UInt64) -> Action {
        guard self.state == .relaying else { return .none }
        guard clientWritable else {
            self.state = .draining
            self.lastActivity = now
            return .none
        }
        self.state = .finished
        return .finish
    }

    /// The client can take bytes again.
    public mutating func clientWritable(now: UInt64) -> Action {
        self.lastActivity = now
        guard self.state == .draining else { return .none }
        self.state = .finished
        return .finish
    }

    /// The upstream connection failed or closed before the response ended.
    /// - Parameter resendable: the request went on a pooled connection that had served others and got no byte
    ///   back, and its body can be sent again: the upstream closed an idle connection, so it is resent once on
    ///   a fresh one.
    public mutating func upstreamFailed(
        reason: String,
        resendable: Bool,
        now: UInt64,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Action {
        switch self.state {
        case .relaying:
            self.state = .finished
            return .endStream(message: self.failureMessage(reason))
        case .connecting, .awaitingHead:
            if resendable, !self.resentOnFreshConnection {
                self.resentOnFreshConnection = true
                return self.connect(fresh: true, cause: .freshConnection, now: now, sameAttempt: true)
            }
            return self.attemptFailed(.connectFailure, reason: reason, now: now, breakers: breakers, random: &random)
        case .routing, .backingOff, .draining, .finished:
            return .none
        }
    }

    /// The gateway refused attempt `attempt` before sending it, with `status` (a limit of its target: 412 or 429).
    /// - Returns: the plan's next attempt or retry; `nil` when the refusal is the answer (the exchange finished).
    public mutating func attemptRefused(
        attempt: Int,
        status: Int,
        now: UInt64,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Action? {
        guard self.state == .connecting(attempt: attempt) else { return Action.none }
        if let next = self.decide(.refused(status: status), now: now, breakers: breakers, random: &random) {
            return next
        }
        self.state = .finished
        return nil
    }

    /// The retry delay of attempt `attempt` elapsed.
    public mutating func retryDelayElapsed(attempt: Int, now: UInt64) -> Action {
        guard self.state == .backingOff(attempt: attempt), let plan = self.plan else { return .none }
        self.target = plan.leaf.target
        return self.connect(fresh: false, cause: .retry, now: now)
    }

    /// A tick of the timeout sweep: the response head is late, or a started response made no progress.
    public mutating func tick(
        now: UInt64,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Action {
        switch self.state {
        case .connecting, .awaitingHead:
            guard let deadline = self.responseDeadline, now >= deadline else { return .none }
            if let next = self.decide(.timeout, now: now, breakers: breakers, random: &random) { return next }
            self.state = .finished
            if let ms = self.target?.requestTimeoutMs { return .answer(.requestTimeout(milliseconds: ms)) }
            return .answer(.upstreamTimeout(provider: self.provider, milliseconds: self.responseTimeoutMs))
        case .relaying, .draining:
            guard now &- self.lastActivity >= self.timing.idleTimeoutNs else { return .none }
            let draining = self.state == .draining
            self.state = .finished
            return .cutIdle(draining: draining)
        case .routing, .backingOff, .finished:
            return .none
        }
    }

    /// The gateway cannot go on with the request (it could not be routed, the client's bytes are malformed …).
    /// - Returns: ``Action/answer(_:)`` while nothing was sent, else ``Action/cut``.
    public mutating func fail(_ error: GatewayError) -> Action {
        let committed = self.isCommitted
        self.state = .finished
        return committed ? .cut : .answer(error)
    }

    /// The gateway answered the request itself with `status` (an error, or a local response).
    public mutating func answered(status: Int) {
        self.status = status
        self.state = .finished
    }

    /// The client closed its connection.
    public mutating func clientLeft() {
        self.status = 499
        self.state = .finished
    }

    /// The exchange ended early on the gateway's side (a started answer cut).
    public mutating func cutShort() {
        self.state = .finished
    }

    // MARK: - Decisions

    private var provider: String { self.target?.provider ?? "gateway" }

    private mutating func commit(status: Int, now: UInt64) {
        self.status = status
        self.state = .relaying
        self.responseDeadline = nil
        self.lastActivity = now
    }

    private mutating func connect(fresh: Bool, cause: Attempt.Cause, now: UInt64, sameAttempt: Bool = false) -> Action {
        guard let timeoutMs = self.target.map({ $0.requestTimeoutMs ?? self.timing.responseTimeoutMs }) else {
            preconditionFailure("an attempt needs a target")
        }
        if !sameAttempt {
            self.attempt += 1
            self.resentOnFreshConnection = false
        }
        self.state = .connecting(attempt: self.attempt)
        self.responseTimeoutMs = timeoutMs
        self.responseDeadline = now &+ UInt64(self.responseTimeoutMs) &* 1_000_000
        return .connect(Attempt(number: self.attempt, fresh: fresh, cause: cause))
    }

    /// An attempt ended without a response to relay: the plan goes on, or the client gets the failure.
    private mutating func attemptFailed(
        _ outcome: AttemptOutcome,
        reason: String,
        now: UInt64,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Action {
        if let next = self.decide(outcome, now: now, breakers: breakers, random: &random) { return next }
        self.state = .finished
        return .answer(.upstreamUnavailable(provider: self.provider, reason: reason))
    }

    /// Asks the plan what follows `outcome`; `nil` when the outcome is what the client gets.
    private mutating func decide(
        _ outcome: AttemptOutcome,
        now: UInt64,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Action? {
        // Taken out while it decides, so its arrays are not shared and change in place.
        guard var plan = self.plan.take() else { return nil }
        let leaf = plan.leaf
        // A refused attempt never reached its target: its circuit does not count it.
        if case .refused = outcome {} else { breakers.record(leaf, outcome: outcome) }
        let decision = plan.decide(outcome, timing: self.timing.retry, breakers: breakers, random: &random)
        self.plan = plan
        switch decision {
        case .deliver:
            return nil
        case .retry(let delayMs):
            self.state = .backingOff(attempt: self.attempt)
            self.responseDeadline = nil
            return .retryAfter(milliseconds: delayMs, attempt: self.attempt, provider: leaf.target.provider)
        case .next:
            self.fallbackFrom = leaf.target
            self.target = plan.leaf.target
            return self.connect(fresh: false, cause: .fallback(status: outcome.status), now: now)
        }
    }

    private func failureMessage(_ reason: String) -> String {
        "Provider '\(self.provider)' failed after the response started: \(reason)"
    }

    /// Takes the targets the plan skipped for open circuits since the last call (for their metric).
    public mutating func takeSkippedTargets() -> [PlanLeaf] {
        guard self.plan?.skipped.isEmpty == false else { return [] }
        let skipped = self.plan!.skipped
        self.plan!.skipped = []
        return skipped
    }
}
