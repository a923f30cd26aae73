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
    /// the same hooks do not run them again). Hooks with `webhook` or `log` checks make their calls first, off the
    /// event loop; the attempt resumes when they answer.
    /// - Returns: `true` when the attempt stops here: a guardrail denied the request (answered), or calls are out.
    func inputHooksStop(_ attempt: Exchange.Attempt, target: RouteTarget) -> Bool {
        if self.request!.guardrails?.hooks == target.beforeHooks { return false }
        let body = self.request!.source?.body ?? ByteBuffer()
        // A body the checks cannot read is judged as empty: the checks that need text fail (closed, not open).
        let json = JSONValue(parsing: body.readableBytesView) ?? .null
        let guardrailContext = GuardrailContext(
            requestType: GuardrailContext.requestType(of: self.request!.endpoint),
            request: json,
            metadata: self.request!.metadata
        )
        let hooks = target.beforeHooks.filter { !$0.async }
        if self.request!.calloutOutcomes == nil, let context = self.context {
            let calls = GuardrailCallout.calls(hooks, context: guardrailContext, event: .beforeRequest)
            if !calls.isEmpty {
                let serial = self.request!.serial
                let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
                Task {
                    let outcomes = await GuardrailCalls.run(calls, event: .beforeRequest)
                    handler.eventLoop.execute {
                        let handler = handler.value
                        guard handler.request?.serial == serial,
                            handler.request!.exchange.state == .connecting(attempt: attempt.number)
                        else { return }
                        handler.request!.calloutOutcomes = outcomes
                        handler.connect(attempt)
                    }
                }
                return true
            }
        }
        let run = HookRunner.run(
            hooks,
            event: .beforeRequest,
            context: guardrailContext,
            now: Timestamps.now(),
            callouts: self.request!.calloutOutcomes.take() ?? [:],
            elapsed: Self.milliseconds
        )
        self.countChecks(run)
        self.request!.guardrails = GuardrailUse(
            hooks: target.beforeHooks,
            results: run.results,
            failed: run.failed,
            context: guardrailContext
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

    /// The request's `async` hooks, once its answer is sent: counted, and a failure logged. Output hooks read the
    /// answer as it was sent (a JSON answer's copy, or the stream's text). Hooks with `webhook` or `log` checks run
    /// off the event loop when their calls answer.
    func runAsyncHooks(_ request: GatewayRequest) {
        let asyncAfter = (request.exchange.target?.afterHooks ?? []).filter(\.async)
        guard request.guardrails?.hooks.contains(where: \.async) == true || !asyncAfter.isEmpty else { return }
        var context = request.guardrails?.context
        if let use = request.guardrails {
            self.runAsync(use.hooks.filter(\.async), event: .beforeRequest, context: use.context)
        }
        guard !asyncAfter.isEmpty, (200..<300).contains(request.exchange.status) else { return }
        if context == nil {
            let body = request.source?.body ?? ByteBuffer()
            context = GuardrailContext(
                requestType: GuardrailContext.requestType(of: request.endpoint),
                request: JSONValue(parsing: body.readableBytesView) ?? .null,
                metadata: request.metadata
            )
        }
        if let copy = request.accounting.stages.answerCheck, context!.response == nil {
            context!.response = JSONValue(parsing: copy.body) ?? .null
        }
        self.runAsync(asyncAfter, event: .afterRequest, context: context!)
    }

    private func runAsync(_ hooks: [GuardrailHook], event: HookEvent, context: GuardrailContext) {
        guard !hooks.isEmpty else { return }
        let calls = GuardrailCallout.calls(hooks, context: context, event: event)
        guard !calls.isEmpty else {
            GuardrailCalls.report(HookRunner.run(hooks, event: event, context: context, now: ""), runtime: self.runtime)
            return
        }
        GuardrailCalls.judgeLater(hooks, calls: calls, event: event, context: context, runtime: self.runtime)
    }

    func countChecks(_ run: HookRunner.Run) { GuardrailCalls.count(run, metrics: self.runtime.metrics) }

    static func milliseconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

/// What a request's hooks found: the input hooks (to run them once), Portkey's result objects of both events,
/// whether a guardrail failed without `deny` (the answer becomes 246 with `hook_results`), and the context the
/// `async` ones run on.
struct GuardrailUse {
    var hooks: [GuardrailHook] = []
    var results: [JSONValue] = []
    var failed = false
    var context: GuardrailContext
    var afterResults: [JSONValue] = []
    /// An output guardrail failed (a stream's, with `deny` too: a stream cannot be taken back).
    var afterFailed = false

    var anyFailed: Bool { self.failed || self.afterFailed }
    /// `{before_request_hooks, after_request_hooks}`.
    var hookResults: JSONValue { HookRunner.hookResults(before: self.results, after: self.afterResults) }
}
