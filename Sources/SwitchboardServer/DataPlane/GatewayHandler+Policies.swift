import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardControlPlane
import SwitchboardCore
import SwitchboardStore

/// The policy stage (docs/policies.md): once a request is routed, its worst case is reserved under every limit
/// that applies to it, or it is refused — before anything goes upstream. Only when this replica's slice of a
/// limit is too small does the request wait for the store.
extension GatewayHandler {
    /// Admits a routed request under the limits in force, then starts it; or answers the refusal.
    func admitUnderPolicies(_ route: Route, leasesTaken: Int = 0) {
        let book = self.runtime.snapshot.policies
        let subject = self.policySubject(route)
        let (tokens, cost) = self.worstCase(route)
        let now = Int(Date().timeIntervalSince1970)
        switch book.admit(subject, tokens: tokens, costCents: cost, now: now) {
        case .admitted(let ticket):
            self.request!.policyTicket = ticket
            self.startRoute(route)
        case .refused(let refusal):
            self.refuse(refusal)
        case .needsLease(let leases):
            guard let store = self.runtime.store, let context = self.context else { return }
            let serial = self.request!.serial
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let leasing = PolicyLeases(book: book, store: store)
            Task {
                let outcome: Result<Bool, any Error>
                do { outcome = .success(try await leasing.lease(leases)) } catch { outcome = .failure(error) }
                handler.eventLoop.execute {
                    let handler = handler.value
                    guard handler.request?.serial == serial else { return }
                    handler.admitAfterLease(
                        route,
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

    private func admitAfterLease(
        _ route: Route,
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
        switch book.admit(subject, tokens: worstCase.tokens, costCents: worstCase.cost, now: now) {
        case .admitted(let ticket):
            self.request!.policyTicket = ticket
            self.startRoute(route)
        case .refused(let refusal):
            self.refuse(refusal)
        case .needsLease:
            // The store granted all that was asked, and requests admitted meanwhile took it: lease again (a few
            // times). Otherwise the limit has no room left for this request.
            if case .success(true) = outcome, leasesTaken < Self.maxLeaseRounds {
                self.admitUnderPolicies(route, leasesTaken: leasesTaken)
            } else if let refusal = book.refusal(
                after: leases,
                tokens: worstCase.tokens,
                costCents: worstCase.cost,
                now: now
            ) {
                self.refuse(refusal)
            } else {
                self.admitUnderPolicies(route, leasesTaken: leasesTaken)
            }
        }
    }

    /// What the limits see of the request: its key, tenant, provider or virtual key, model and metadata.
    private func policySubject(_ route: Route) -> PolicySubject {
        let target = route.firstTarget
        var metadata: [String: String] = [:]
        for (key, value) in self.request!.metadata {
            metadata[key] = value.string ?? value.jsonText
        }
        return PolicySubject(
            apiKey: self.request!.grant?.id,
            workspace: Self.localTenant,
            organisation: Self.localTenant,
            virtualKey: target?.credential ?? self.request!.portkey.virtualKey,
            provider: target?.provider,
            model: self.request!.model,
            metadata: metadata
        )
    }

    /// The request's worst case in tokens, and in cents when the first target's price is known.
    private func worstCase(_ route: Route) -> (tokens: Double, cost: Double?) {
        let body = self.request!.source?.body ?? ByteBuffer()
        let answers = self.request!.endpoint != .embeddings
        let worst = body.withUnsafeReadableBytes {
            WorstCase(body: $0, defaultOutput: Self.defaultOutputTokens, answers: answers)
        }
        let target = route.firstTarget
        var usage = TokenUsage()
        usage.promptTokens = worst.promptTokens
        usage.completionTokens = worst.outputTokens
        let price = target.flatMap {
            self.runtime.price(provider: $0.provider, kind: $0.kind, model: self.request!.model ?? "")
        }
        return (Double(worst.tokens), price.map { $0.cost(of: usage) })
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
        self.runtime.metrics.policyRefusals(policy: policy.id, reason: policy.isRate ? "rate" : "usage").increment()
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

extension Route {
    /// The target a request starts with: the route's own, or its plan's first (the limits it is counted under).
    var firstTarget: RouteTarget? {
        switch self {
        case .target(let target): target
        case .plan(let plan): plan.leaves.first?.target
        }
    }
}
