/// Runs a config's hooks for one event (docs/guardrails.md), in order: each hook sees the request as the hooks
/// before it left it (transformers and redaction change it). The results are Portkey's objects (spec/portkey.md
/// B9), as `hook_results` carries them.
public enum HookRunner {
    public struct Run: Sendable {
        /// One result object per hook.
        public var results: [JSONValue] = []
        /// A guardrail with `deny` failed: the request stops (446).
        public var denied = false
        /// A guardrail failed without `deny`: the request goes on and its answer says so (246).
        public var failed = false
        /// The request as the transformers left it, when one changed it.
        public var request: JSONValue?
        /// The answer as the mutators left it, when one changed it (output hooks of JSON answers).
        public var response: JSONValue?
        /// Checks run, failed and errored, by check id (for the metrics).
        public var outcomes: [(check: String, verdict: Bool, errored: Bool)] = []
    }

    /// - Parameters:
    ///   - now: the `created_at` of the results (ISO 8601).
    ///   - elapsed: measures a check in milliseconds (a clock, outside Core's concerns).
    ///   - callouts: the outcomes of the `webhook` and `log` checks, which the server ran (``GuardrailCallout``).
    public static func run(
        _ hooks: [GuardrailHook],
        event: HookEvent,
        context: GuardrailContext,
        now: String,
        callouts: [GuardrailCallout.Position: CheckOutcome] = [:],
        elapsed: (() -> Void) -> Double = {
            $0()
            return 0
        }
    ) -> Run {
        var run = Run()
        var context = context
        for (hookIndex, hook) in hooks.enumerated() {
            var checks: [JSONValue] = []
            var passed: [String] = []
            var failed: [String] = []
            var errored: [String] = []
            var transformed = false
            var hookTime = 0.0
            for (checkIndex, check) in hook.checks.enumerated() where check.isEnabled {
                var outcome = CheckOutcome(verdict: false)
                let time = elapsed {
                    let position = GuardrailCallout.Position(hook: hookIndex, check: checkIndex)
                    outcome =
                        check.check.callsOut
                        ? callouts[position] ?? CheckOutcome(verdict: false, error: "\(check.check.id) was not run")
                        : check.check.run(check.parameters, context, event, rule: check.rule)
                }
                hookTime += time
                if let request = outcome.transformedRequest {
                    context.request = request
                    run.request = request
                    transformed = true
                }
                if let response = outcome.transformedResponse {
                    context.response = response
                    run.response = response
                    transformed = true
                }
                if outcome.error != nil {
                    errored.append(check.check.id)
                } else if outcome.verdict {
                    passed.append(check.check.id)
                } else {
                    failed.append(check.check.id)
                }
                run.outcomes.append((check.check.id, outcome.verdict, outcome.error != nil))
                var fields: [(String, JSONValue)] = [
                    ("id", .string(check.check.id)), ("verdict", .bool(outcome.verdict)),
                    ("data", outcome.data ?? .null), ("execution_time", .number(time.rounded())),
                    ("created_at", .string(now)),
                    ("transformed", .bool(outcome.transformedRequest != nil || outcome.transformedResponse != nil)),
                ]
                if let error = outcome.error { fields.append(("error", .object([("message", .string(error))]))) }
                checks.append(.object(fields))
            }
            let verdict = failed.isEmpty && errored.isEmpty
            if !verdict, hook.kind == .guardrail {
                if hook.deny { run.denied = true } else { run.failed = true }
            }
            var feedback = ((verdict ? hook.onSuccess : hook.onFail)?["feedback"]?.members) ?? []
            feedback.append(
                (
                    "metadata",
                    .object([
                        ("successfulChecks", .string(passed.joined(separator: ", "))),
                        ("failedChecks", .string(failed.joined(separator: ", "))),
                        ("erroredChecks", .string(errored.joined(separator: ", "))),
                    ])
                )
            )
            run.results.append(
                .object([
                    ("verdict", .bool(verdict)), ("id", .string(hook.id)), ("type", .string(hook.kind.rawValue)),
                    ("deny", .bool(hook.deny)), ("async", .bool(hook.async)), ("skipped", .bool(false)),
                    ("execution_time", .number(hookTime.rounded())), ("created_at", .string(now)),
                    ("transformed", .bool(transformed)), ("checks", .array(checks)), ("feedback", .object(feedback)),
                ])
            )
        }
        return run
    }

    /// The results of hooks that could not look at what they check (an answer over the size they check): every
    /// check errs with `reason`, so the hooks fail closed — a guardrail with `deny` denies.
    public static func unchecked(_ hooks: [GuardrailHook], reason: String, now: String) -> Run {
        var run = Run()
        for hook in hooks {
            let checks = hook.checks.filter(\.isEnabled).map { check -> JSONValue in
                run.outcomes.append((check.check.id, false, true))
                return .object([
                    ("id", .string(check.check.id)), ("verdict", .bool(false)), ("data", .null), ("execution_time", 0),
                    ("created_at", .string(now)), ("transformed", .bool(false)),
                    ("error", .object([("message", .string(reason))])),
                ])
            }
            if hook.kind == .guardrail {
                if hook.deny { run.denied = true } else { run.failed = true }
            }
            let ids = hook.checks.filter(\.isEnabled).map(\.check.id).joined(separator: ", ")
            run.results.append(
                .object([
                    ("verdict", .bool(false)), ("id", .string(hook.id)), ("type", .string(hook.kind.rawValue)),
                    ("deny", .bool(hook.deny)), ("async", .bool(hook.async)), ("skipped", .bool(false)),
                    ("execution_time", 0), ("created_at", .string(now)), ("transformed", .bool(false)),
                    ("checks", .array(checks)),
                    (
                        "feedback",
                        .object([
                            (
                                "metadata",
                                .object([
                                    ("successfulChecks", ""), ("failedChecks", ""), ("erroredChecks", .string(ids)),
                                ])
                            )
                        ])
                    ),
                ])
            )
        }
        return run
    }

    /// Portkey's 446 body: the error, and the hook results of both events.
    public static func deniedBody(before: [JSONValue], after: [JSONValue] = []) -> JSONValue {
        .object([
            (
                "error",
                .object([
                    ("message", .string(Self.deniedMessage)),
                    ("type", "hooks_failed"), ("param", .null), ("code", .null),
                ])
            ),
            ("hook_results", Self.hookResults(before: before, after: after)),
        ])
    }

    static let deniedMessage =
        "The guardrail checks defined in the config failed. You can find more information in the `hook_results` object."

    /// `{before_request_hooks: […], after_request_hooks: […]}`.
    public static func hookResults(before: [JSONValue], after: [JSONValue] = []) -> JSONValue {
        .object([("before_request_hooks", .array(before)), ("after_request_hooks", .array(after))])
    }

    /// The event that ends a stream whose request has hooks: `event: hook_results` (Portkey's event name) with
    /// `{"type": "hook_results", "hook_results": {…}}`. It follows the stream's own last event (after `[DONE]`,
    /// `message_stop`, `response.completed`), where the SDKs that do not know it have stopped reading or skip it.
    public static func streamEvent(before: [JSONValue], after: [JSONValue]) -> [UInt8] {
        let data = JSONValue.object([
            ("type", "hook_results"), ("hook_results", Self.hookResults(before: before, after: after)),
        ])
        return Array("event: hook_results\ndata: \(data.jsonText)\n\n".utf8)
    }
}
