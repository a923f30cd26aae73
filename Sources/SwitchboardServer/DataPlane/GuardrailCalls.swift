import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore

/// Makes the calls of the `webhook` and `log` checks (docs/guardrails.md), off the event loops, all at once: each
/// bounded by its timeout (30 s at most) and its answer by 1 MB, redirects never followed (a URL the custom-host
/// rules allowed must not lead elsewhere). Their URLs were checked against those rules when the plan was made.
enum GuardrailCalls {
    /// A client of its own: it follows no redirects.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow)
    )

    static func run(
        _ calls: [GuardrailCallout],
        event: HookEvent
    ) async -> [GuardrailCallout.Position: CheckOutcome] {
        await withTaskGroup(of: (GuardrailCallout.Position, CheckOutcome).self) { group in
            for call in calls {
                group.addTask { (call.position, await Self.run(call, event: event)) }
            }
            var outcomes: [GuardrailCallout.Position: CheckOutcome] = [:]
            for await (position, outcome) in group { outcomes[position] = outcome }
            return outcomes
        }
    }

    private static func run(_ call: GuardrailCallout, event: HookEvent) async -> CheckOutcome {
        var request = HTTPClientRequest(url: call.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for header in call.headers { request.headers.replaceOrAdd(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: call.body))
        do {
            let response = try await Self.client.execute(request, timeout: .milliseconds(Int64(call.timeoutMs)))
            let body = try await response.body.collect(upTo: GuardrailCallout.maxAnswerBytes)
            return call.outcome(
                status: Int(response.status.code),
                body: Array(body.readableBytesView),
                failure: nil,
                event: event
            )
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return call.outcome(
                status: nil,
                body: [],
                failure: "\(call.url) did not answer within \(call.timeoutMs) ms",
                event: event
            )
        } catch {
            return call.outcome(
                status: nil,
                body: [],
                failure: "\(call.url) could not be called: \(error)",
                event: event
            )
        }
    }

    /// Runs `async` hooks whose checks call out, once the calls answer: counted, a failure logged.
    static func judgeLater(
        _ hooks: [GuardrailHook],
        calls: [GuardrailCallout],
        event: HookEvent,
        context: GuardrailContext,
        runtime: GatewayRuntime
    ) {
        Task {
            let outcomes = await Self.run(calls, event: event)
            Self.report(
                HookRunner.run(hooks, event: event, context: context, now: "", callouts: outcomes),
                runtime: runtime
            )
        }
    }

    /// An `async` run: its checks counted, a failure logged.
    static func report(_ run: HookRunner.Run, runtime: GatewayRuntime) {
        Self.count(run, metrics: runtime.metrics)
        let failed = run.outcomes.filter { !$0.verdict }.map(\.check)
        if !failed.isEmpty {
            runtime.logger.warning("async guardrail failed", metadata: ["checks": "\(failed.joined(separator: ", "))"])
        }
    }

    static func count(_ run: HookRunner.Run, metrics: GatewayMetrics) {
        for outcome in run.outcomes {
            let verdict = outcome.errored ? "error" : outcome.verdict ? "pass" : "fail"
            metrics.guardrailChecks(check: outcome.check, verdict: verdict).increment()
        }
    }
}
