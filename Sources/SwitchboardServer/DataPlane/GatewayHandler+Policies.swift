import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardControlPlane
import SwitchboardCore
import SwitchboardStore
import Synchronization

/// The policy stage (docs/policies.md): once a request is routed, its worst case is reserved under every limit
/// that applies to it, or it is refused — before anything goes upstream. Limits on a virtual key or a provider are
/// checked for each attempt instead, against the attempt's target, so that a fallback moves on from a target
/// whose limit is reached. Only when this replica's slice of a limit is too small does the request wait for the
/// store.
extension GatewayHandler {
    /// Where a request is checked: once routed (the limits on the request), or before an attempt (the limits on
    /// its target).
    enum PolicyCheckpoint {
        case request(Route)
        case attempt(Exchange.Attempt, RouteTarget)

        var isAttempt: Bool {
            if case .attempt = self { true } else { false }
        }
    }

    /// Admits a routed request under the limits in force, then starts it; or answers the refusal.
    func admitUnderPolicies(_ route: Route) {
        self.admit(at: .request(route))
    }

    /// Before an attempt of an admitted request: whether it may go to `target` now. When not, the attempt waits
    /// for the store and is made again, or is refused (the plan may move on to another target).
    func attemptMayProceed(_ attempt: Exchange.Attempt, to target: RouteTarget) -> Bool {
        guard let ticket = self.request!.policyTicket,
            self.runtime.snapshot.policies.checksTargets.load(ordering: .relaxed)
        else { return true }
        let key = PolicyBook.Target(credential: target.credential, provider: target.provider)
        if ticket.target == key { return true }
        // Another target than the last attempt's: what was held under the old one's limits is given back.
        self.runtime.snapshot.policies.release(ticket.targetHolds)
        self.request!.policyTicket!.target = nil
        self.request!.policyTicket!.targetHolds = []
        self.admit(at: .attempt(attempt, target))
        return false
    }

    private func admit(at checkpoint: PolicyCheckpoint, leasesTaken: Int = 0) {
        let book = self.runtime.snapshot.policies
        let subject = self.policySubject(checkpoint)
        let (tokens, cost) = self.worstCase(checkpoint)
        let now = Int(Date().timeIntervalSince1970)
        switch book.admit(subject, onTarget: checkpoint.isAttempt, tokens: tokens, costCents: cost, now: now) {
        case .admitted(let ticket):
            self.admitted(ticket, at: checkpoint)
        case .refused(let refusal):
            self.refused(refusal, at: checkpoint)
        case .needsLease(let leases):
            guard let store = self.runtime.store, let context = self.context else {
                // Without a store every slice is granted in memory (unreachable: a book with limits has a store).
                self.admitted(PolicyBook.Ticket(), at: checkpoint)
                return
            }
            let serial = self.request!.serial
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let leasing = PolicyLeases(book: book, store: store)
            Task {
                let outcome: Result<Bool, any Error>
                do { outcome = .success(try await leasing.lease(leases)) } catch { outcome = .failure(error) }
                handler.eventLoop.execute {
                    let handler = handler.value
                    guard handler.request?.serial == serial, handler.isWaiting(at: checkpoint) else { return }
                    handler.admitAfterLease(
                        checkpoint,
                        subject: subject,
                        leases: leases,
                        worstCase: (tokens, cost),
                        leasesTaken: leasesTaken + 1,
                        outcome
                    )
                }
            }
        }
    }

    /// Whether a target of the route caches its answers.
    private func mayAnswerFromCache(_ route: Route) -> Bool {
        if self.request!.openRouterCache != nil { return true }
        switch route {
        case .target(let target): return target.cache != nil
        case .plan(let plan): return plan.leaves.contains { $0.target.cache != nil }
        }
    }

    /// Whether the request still waits at `checkpoint` (an attempt may have timed out while its lease was asked).
    private func isWaiting(at checkpoint: PolicyCheckpoint) -> Bool {
        guard case .attempt(let attempt, _) = checkpoint else { return true }
        return self.request!.exchange.state == .connecting(attempt: attempt.number)
    }

    private func admitted(_ ticket: PolicyBook.Ticket, at checkpoint: PolicyCheckpoint) {
        switch checkpoint {
        case .request(let route):
            self.request!.policyTicket = ticket
            self.startRoute(route)
        case .attempt(let attempt, let target):
            self.request!.policyTicket!.target = PolicyBook.Target(
                credential: target.credential,
                provider: target.provider
            )
            self.request!.policyTicket!.targetHolds = ticket.holds
            self.connect(attempt)
        }
    }

    /// An attempt of a request a usage limit refused could not be answered from the cache: it is refused like an
    /// attempt whose target has no room (a fallback may still find a cached answer at its next target).
    func cacheCouldNotAnswer(_ attempt: Exchange.Attempt, to target: RouteTarget) {
        self.refused(self.request!.cacheOnly!, at: .attempt(attempt, target))
    }

    private func refused(_ refusal: PolicyBook.Refusal, at checkpoint: PolicyCheckpoint) {
        guard case .attempt(let attempt, _) = checkpoint else {
            // A spent budget does not stop a cached answer, which costs nothing (Portkey looks in its cache before
            // its budgets too); rate limits still refuse.
            if case .request(let route) = checkpoint, !refusal.policy.isRate, self.mayAnswerFromCache(route) {
                self.request!.cacheOnly = refusal
                return self.startRoute(route)
            }
            return self.refuse(refusal)
        }
        let next = self.request!.exchange.attemptRefused(
            attempt: attempt.number,
            status: refusal.policy.isRate ? 429 : 412,
            now: Self.uptime(),
            breakers: self.runtime.breakers,
            random: &self.loop.ids
        )
        guard let next else { return self.refuse(refusal) }
        self.countRefusal(refusal)
        self.run(next)
    }

    private func admitAfterLease(
        _ checkpoint: PolicyCheckpoint,
        subject: PolicySubject,
        leases: [PolicyBook.LeaseRequest],
        worstCase: (tokens: Double, cost: Double?),
        leasesTaken: Int,
        _ outcome: Result<Bool, any Error>
    ) {
        if case .failure(let failure) = outcome {
            self.runtime.logger.error(
                "could not lease a policy allowance from the store",
                metadata: ["error": "\(failure)"]
            )
            self.sendError(
                GatewayError(
                    status: 503,
                    type: "api_error",
                    code: "policy_store_unavailable",
                    message: "A usage or rate limit applies to this request and the store that keeps it could not be "
                        + "reached; try again shortly.",
                    format: .openai
                )
            )
            return
        }
        let book = self.runtime.snapshot.policies
        let now = Int(Date().timeIntervalSince1970)
        let onTarget = checkpoint.isAttempt
        switch book.admit(subject, onTarget: onTarget, tokens: worstCase.tokens, costCents: worstCase.cost, now: now) {
        case .admitted(let ticket):
            self.admitted(ticket, at: checkpoint)
        case .refused(let refusal):
            self.refused(refusal, at: checkpoint)
        case .needsLease:
            // The store granted all that was asked, and requests admitted meanwhile took it: lease again (a few
            // times). Otherwise the limit has no room left for this request.
            if case .success(true) = outcome, leasesTaken < Self.maxLeaseRounds {
                self.admit(at: checkpoint, leasesTaken: leasesTaken)
            } else if let refusal = book.refusal(
                after: leases,
                tokens: worstCase.tokens,
                costCents: worstCase.cost,
                now: now
            ) {
                self.refused(refusal, at: checkpoint)
            } else {
                self.admit(at: checkpoint, leasesTaken: leasesTaken)
            }
        }
    }

    /// What the limits see of the request: its key, tenant, provider or virtual key (at an attempt: its target's),
    /// model and metadata.
    private func policySubject(_ checkpoint: PolicyCheckpoint) -> PolicySubject {
        var metadata: [String: String] = [:]
        for (key, value) in self.request!.metadata {
            metadata[key] = value.string ?? value.jsonText
        }
        var subject = PolicySubject(
            apiKey: self.request!.grant?.id,
            workspace: Self.localTenant,
            organisation: Self.localTenant,
            model: self.request!.model,
            metadata: metadata
        )
        if case .attempt(_, let target) = checkpoint {
            subject.virtualKey = target.credential ?? self.request!.portkey.virtualKey
            subject.provider = target.provider
        }
        return subject
    }

    /// The request's worst case in tokens, and in cents when prices are known: at the request, priced at the
    /// dearest of its targets (a fallback may end on any); at an attempt, at its target's price.
    private func worstCase(_ checkpoint: PolicyCheckpoint) -> (tokens: Double, cost: Double?) {
        // An upload streamed through has no body to estimate and no output limit: it counts as a request, and is
        // charged what its answer reports.
        let body = self.request!.source?.body ?? ByteBuffer()
        let answers = self.request!.source != nil && self.request!.endpoint != .embeddings
        let worst = body.withUnsafeReadableBytes {
            WorstCase(body: $0, defaultOutput: Self.defaultOutputTokens, answers: answers)
        }
        var usage = TokenUsage()
        usage.promptTokens = worst.promptTokens
        usage.completionTokens = worst.outputTokens
        let targets: [RouteTarget]
        switch checkpoint {
        case .request(.target(let target)), .attempt(_, let target): targets = [target]
        case .request(.plan(let plan)): targets = plan.leaves.map(\.target)
        }
        let model = self.request!.model ?? ""
        let costs = targets.compactMap {
            self.runtime.price(provider: $0.provider, kind: $0.kind, model: model)?.cost(of: usage)
        }
        return (Double(worst.tokens), costs.max())
    }

    /// How many times one request asks the store for a slice before it is refused.
    static let maxLeaseRounds = 4

    /// A request that sets no output limit may answer this many tokens (reserved as its worst case).
    static let defaultOutputTokens = 4096

    /// The one workspace and organisation a gateway is (the nil UUID, as the control plane shows it).
    static let localTenant = "00000000-0000-0000-0000-000000000000"

    /// Answers a refusal: 429 with `Retry-After` and the `RateLimit` headers for a rate limit, 412 for a usage
    /// limit, in the client protocol's error shape; the request log names the policy.
    private func refuse(_ refusal: PolicyBook.Refusal) {
        let policy = refusal.policy
        let name =
            policy.name.map { $0.contains(policy.owner) ? "'\($0)'" : "'\($0)' (\(policy.owner))" }
            ?? "'\(policy.owner)'"
        let unit =
            switch policy.measure {
            case .cost: "cents"
            case .tokens: "tokens"
            case .requests: "requests"
            }
        self.request!.refusedBy = policy.id
        self.countRefusal(refusal)
        // An upload refused before its body arrived: the rest is not read, so the connection closes.
        if !self.request!.requestEnded { self.request!.keepAlive = false }
        if case .window(let window) = policy.period {
            let retry = max(1, refusal.resetIn ?? window.seconds)
            let error = GatewayError(
                status: 429,
                type: "rate_limit_error",
                code: "rate_limit_exceeded",
                message: "Rate limit \(name) refused this request for \(refusal.valueKey): at most "
                    + "\(Self.number(policy.limit)) \(unit) per \(window.noun); retry in \(retry) s.",
                format: .openai
            )
            let body = error.shaped(for: self.request!.endpoint).jsonBody
            let remaining = max(0, policy.limit - refusal.used)
            self.send(
                status: .tooManyRequests,
                contentType: "application/json",
                body: body,
                headers: [
                    ("retry-after", String(retry)),
                    ("ratelimit-policy", "\"\(policy.owner)\";q=\(Self.number(policy.limit));w=\(window.seconds)"),
                    ("ratelimit", "\"\(policy.owner)\";r=\(Self.number(remaining.rounded(.down)));t=\(retry)"),
                ]
            )
            return
        }
        var message =
            "Usage limit \(name) has no room for this request for \(refusal.valueKey): "
            + "\(Self.number(refusal.used)) of \(Self.number(policy.limit)) \(unit) used"
            + (refusal.reserved > 0 ? ", \(Self.number(refusal.reserved)) held by requests in flight" : "")
            + ", and this request may need up to \(Self.number(refusal.needed))."
        if let resetIn = refusal.resetIn {
            message += " It resets in \(resetIn) s."
        } else {
            message += " Reset it with PUT /v1/policies/usage-limits/{id}, or raise the limit."
        }
        let error = GatewayError(
            status: 412,
            type: "rate_limit_error",
            code: "usage_limit_exceeded",
            message: message,
            format: .openai
        )
        let body = error.shaped(for: self.request!.endpoint).jsonBody
        self.send(status: .preconditionFailed, contentType: "application/json", body: body)
    }

    private func countRefusal(_ refusal: PolicyBook.Refusal) {
        let policy = refusal.policy
        self.runtime.metrics.policyRefusals(policy: policy.id, reason: policy.isRate ? "rate" : "usage").increment()
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.4f", value)
    }
}

extension RateWindow.Unit {
    /// The window as a word, for messages.
    var noun: String {
        switch self {
        case .rpm: "minute"
        case .rph: "hour"
        case .rpd: "day"
        }
    }
}
