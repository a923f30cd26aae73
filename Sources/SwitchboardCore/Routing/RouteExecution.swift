/// The circuits of targets: which are open, and the outcomes that open and close them.
public protocol CircuitBreakerView {
    func isOpen(_ leaf: PlanLeaf) -> Bool
    /// Counts an attempt's outcome towards the target's circuit.
    func record(_ leaf: PlanLeaf, outcome: AttemptOutcome)
}

extension CircuitBreakerView {
    public func record(_ leaf: PlanLeaf, outcome: AttemptOutcome) {}
}

/// No circuit is ever open.
public struct NoOpenCircuits: CircuitBreakerView {
    public init() {}
    public func isOpen(_ leaf: PlanLeaf) -> Bool { false }
}

/// How one attempt ended, as far as strategies care.
public enum AttemptOutcome: Sendable, Equatable {
    /// The upstream answered; `retryAfterMs` from its `retry-after*` headers.
    case response(status: Int, retryAfterMs: Int?)
    /// No connection, or it broke before a response head.
    case connectFailure
    /// No response head within the attempt's timeout.
    case timeout
    /// The gateway refused the attempt before sending it (a usage or rate limit of its target: 412 or 429).
    case refused(status: Int)

    /// The status strategies compare with: the response's or the refusal's, 502 for a connection failure, 408 for
    /// a timeout.
    public var status: Int {
        switch self {
        case .response(let status, _), .refused(let status): status
        case .connectFailure: 502
        case .timeout: 408
        }
    }
}

/// Runs a ``RoutePlan`` one attempt at a time (spec/portkey.md B2, B5): Portkey's recursive target walk as a
/// state machine, so the server can wait for each attempt on its event loop without blocking.
///
/// The server calls ``decide(_:timing:breakers:random:)`` when an attempt's response head arrives (or it
/// fails), before relaying anything: the answer is to deliver that response, retry the same target after a
/// delay, or move on to ``leaf``, which has changed. Retries and fallbacks therefore only ever happen before
/// the first byte reaches the client.
public struct RouteExecution: Sendable {
    /// The target of the current attempt.
    public private(set) var leaf: PlanLeaf
    /// Retries made on the current target.
    public private(set) var retries = 0
    /// `x-portkey-retry-attempt-count`: 0 (none needed), n (succeeded on retry n), -1 (retries exhausted, or
    /// stopped by a `Retry-After` beyond the budget).
    public private(set) var retryAttemptCount = 0
    /// Targets moved to after a failure.
    public private(set) var fallbacks = 0
    /// Targets skipped because their circuit is open, since the server last took them.
    public var skipped: [PlanLeaf] = []

    private struct Frame: Sendable {
        var children: [PlanNode]
        var next: Int
        var onStatusCodes: [Int]?
    }

    private var frames: [Frame] = []
    private var retryAfterSpentMs = 0
    private let context: ConditionContext

    /// Descends from the plan's root to the first target.
    /// - Throws: 400 when conditional routing resolves to no target.
    public init(
        plan: RoutePlan,
        context: ConditionContext = ConditionContext(),
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) throws(GatewayError) {
        self.context = context
        self.leaf = PlanLeaf(target: RouteTarget.placeholder)
        guard self.descend(plan.root, breakers: breakers, random: &random) else {
            throw GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "no_route",
                param: "x-portkey-config",
                message: "Query router did not resolve to any valid target: no condition matched and the "
                    + "conditional strategy has no 'default'.",
                format: .portkey
            )
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Relay this response (or report this failure) to the client.
        case deliver
        /// Call the same target again after the delay.
        case retry(delayMs: Int)
        /// Call ``RouteExecution/leaf``, a different target, now.
        case next
    }

    /// Decides what follows an attempt's outcome.
    public mutating func decide(
        _ outcome: AttemptOutcome,
        timing: RetryTiming,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Decision {
        let status = outcome.status
        let policy = self.leaf.retry
        if (200..<300).contains(status) {
            self.retryAttemptCount = self.retries
        } else if policy.attempts > 0, policy.onStatusCodes.contains(status) {
            if self.retries < policy.attempts {
                if status == 429, policy.useRetryAfterHeader, case .response(_, let wait?) = outcome {
                    if wait >= timing.retryAfterBudgetMs || self.retryAfterSpentMs + wait > timing.retryAfterBudgetMs {
                        self.retryAttemptCount = -1
                        return self.climb(outcome, breakers: breakers, random: &random)
                    }
                    self.retryAfterSpentMs += wait
                    self.retries += 1
                    return .retry(delayMs: wait)
                }
                let delay = timing.backoffMs(retry: self.retries, random: Double.random(in: 0..<1, using: &random))
                self.retries += 1
                return .retry(delayMs: delay)
            }
            self.retryAttemptCount = -1
        } else {
            self.retryAttemptCount = self.retries
        }
        return self.climb(outcome, breakers: breakers, random: &random)
    }

    /// The current target is done with `outcome`: the innermost fallback that wants another target gets it.
    private mutating func climb(
        _ outcome: AttemptOutcome,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Decision {
        while let frame = self.frames.last {
            let moveOn: Bool
            switch outcome {
            case .connectFailure, .timeout: moveOn = true
            case .response(let status, _), .refused(let status):
                moveOn = frame.onStatusCodes.map { $0.contains(status) } ?? !(200..<300).contains(status)
            }
            guard moveOn else { return .deliver }
            var index = frame.next
            while index < frame.children.count {
                self.frames[self.frames.count - 1].next = index + 1
                if self.descend(frame.children[index], breakers: breakers, random: &random) {
                    self.fallbacks += 1
                    self.retries = 0
                    self.retryAttemptCount = 0
                    return .next
                }
                index += 1
            }
            self.frames.removeLast()
        }
        return .deliver
    }

    /// Walks down to a target; false when a conditional node resolves to nothing.
    private mutating func descend(
        _ node: PlanNode,
        breakers: some CircuitBreakerView,
        random: inout some RandomNumberGenerator
    ) -> Bool {
        switch node {
        case .leaf(let leaf):
            self.leaf = leaf
            return true
        case .fallback(let codes, let children):
            let available = self.closedChildren(children, breakers: breakers).map { $0.map { children[$0] } }
            let depth = self.frames.count
            self.frames.append(Frame(children: available ?? children, next: 1, onStatusCodes: codes))
            for (position, child) in self.frames[depth].children.enumerated() {
                self.frames[depth].next = position + 1
                if self.descend(child, breakers: breakers, random: &random) { return true }
            }
            self.frames.removeLast()
            return false
        case .loadbalance(let weights, let children):
            var effective = weights
            if let available = self.closedChildren(children, breakers: breakers) {
                for index in children.indices where !available.contains(index) { effective[index] = 0 }
                if effective.allSatisfy({ $0 == 0 }) { effective = weights }
            }
            var pick = Double.random(in: 0..<1, using: &random) * effective.reduce(0, +)
            var chosen = effective.lastIndex { $0 > 0 } ?? 0
            for (index, weight) in effective.enumerated() where weight > 0 {
                if pick < weight {
                    chosen = index
                    break
                }
                pick -= weight
            }
            return self.descend(children[chosen], breakers: breakers, random: &random)
        case .conditional(let conditions, let defaultChild, let children):
            let match = conditions.first { ConditionQuery.matches($0.query, in: self.context) }?.child ?? defaultChild
            guard let match else { return false }
            return self.descend(children[match], breakers: breakers, random: &random)
        }
    }

    /// Indices of the children whose circuit is not open (leaves only), or `nil` when none is skipped: every
    /// child is available, or every one is open (then all are tried anyway).
    private mutating func closedChildren(_ children: [PlanNode], breakers: some CircuitBreakerView) -> [Int]? {
        guard children.contains(where: { if case .leaf(let leaf) = $0 { leaf.breaker != nil } else { false } })
        else { return nil }
        var available: [Int] = []
        var skipped: [PlanLeaf] = []
        for (index, child) in children.enumerated() {
            if case .leaf(let leaf) = child, leaf.breaker != nil, breakers.isOpen(leaf) {
                skipped.append(leaf)
            } else {
                available.append(index)
            }
        }
        guard !available.isEmpty, !skipped.isEmpty else { return nil }
        self.skipped += skipped
        return available
    }
}

extension RouteTarget {
    static let placeholder = RouteTarget(
        provider: "",
        configuredIndex: nil,
        kind: .openai,
        upstream: UpstreamURL(isTLS: false, host: "", port: 0, basePath: ""),
        apiKey: nil
    )
}
