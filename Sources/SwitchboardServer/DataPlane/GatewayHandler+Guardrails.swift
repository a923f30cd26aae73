import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore
import SwitchboardStore

/// A request's input guardrails and mutators (docs/guardrails.md), run before an attempt goes to a target that has
/// them: a failed guardrail with `deny` answers 446 with the results and no upstream call; one without `deny` lets
/// the request go on and its answer becomes 246 with `hook_results`; transformers and redaction change the body
/// that is sent. `async: true` hooks run after the answer, without delaying or changing it.
extension GatewayHandler {
    /// Runs the target's input hooks, once per request for the same hooks (retries and fallbacks to targets with
    /// the same hooks do not run them again). - Returns: `true` when a guardrail denied the request (answered).
    func deniedByInputHooks(_ target: RouteTarget) -> Bool {
        if self.request!.guardrails?.hooks == target.beforeHooks { return false }
        let body = self.request!.source?.body ?? ByteBuffer()
        // A body the checks cannot read is judged as empty: the checks that need text fail (closed, not open).
        let json = JSONValue(parsing: body.readableBytesView) ?? .null
        let context = GuardrailContext(
            requestType: GuardrailContext.requestType(of: self.request!.endpoint),
            request: json,
            metadata: self.request!.metadata
        )
        let run = HookRunner.run(
            target.beforeHooks.filter { !$0.async },
            event: .beforeRequest,
            context: context,
            now: Timestamps.now(),
            elapsed: Self.milliseconds
        )
        self.countChecks(run)
        self.request!.guardrails = GuardrailUse(
            hooks: target.beforeHooks,
            results: run.results,
            failed: run.failed,
            context: context
        )
        if run.denied {
            self.runtime.metrics.guardrailDenials.increment()
            self.send(
                status: HTTPResponseStatus(statusCode: 446),
                contentType: "application/json",
                body: Array(HookRunner.deniedBody(before: run.results).jsonText.utf8)
            )
            return true
        }
        if let transformed = run.request {
            let bytes = Array(transformed.jsonText.utf8)
            self.request!.source!.body = ByteBuffer(bytes: bytes)
            self.request!.source!.inspection = bytes.withUnsafeBytes { raw in
                try? Result { () throws(GatewayError) in try RequestInspection.inspect(raw) }.get()
            }
        }
        return false
    }

    /// The request's `async` input hooks, once its answer is sent: counted, and a failure logged.
    func runAsyncHooks(_ use: GuardrailUse) {
        let hooks = use.hooks.filter(\.async)
        guard !hooks.isEmpty else { return }
        let run = HookRunner.run(hooks, event: .beforeRequest, context: use.context, now: Timestamps.now())
        self.countChecks(run)
        let failed = run.outcomes.filter { !$0.verdict }.map(\.check)
        if !failed.isEmpty {
            self.runtime.logger.warning(
                "async guardrail failed",
                metadata: ["checks": "\(failed.joined(separator: ", "))"]
            )
        }
    }

    private func countChecks(_ run: HookRunner.Run) {
        for outcome in run.outcomes {
            let verdict = outcome.errored ? "error" : outcome.verdict ? "pass" : "fail"
            self.runtime.metrics.guardrailChecks(check: outcome.check, verdict: verdict).increment()
        }
    }

    private static func milliseconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

/// What a request's input hooks found: the hooks (to run them once), Portkey's result objects, whether a guardrail
/// failed without `deny` (the answer becomes 246 with `hook_results`), and the context the `async` ones run on.
struct GuardrailUse {
    let hooks: [GuardrailHook]
    let results: [JSONValue]
    let failed: Bool
    let context: GuardrailContext
}
