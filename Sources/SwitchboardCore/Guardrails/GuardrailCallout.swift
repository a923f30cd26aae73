/// The `webhook` and `log` checks (docs/guardrails.md): what they send and how their answer is judged. The call
/// itself is the server's (bounded in time and size, to a URL the custom-host rules allow); this is the I/O-free
/// part, so it is tested without sockets.
public struct GuardrailCallout: Sendable {
    /// Where a check is among a run's hooks: the outcomes of calls are matched back by it.
    public struct Position: Hashable, Sendable {
        public var hook: Int
        public var check: Int
    }

    public var position: Position
    public var kind: GuardrailCheck
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var timeoutMs: Int

    /// The longest a check may wait for its URL, whatever its `timeout` says.
    public static let maxTimeoutMs = 30_000
    /// The most of an answer read.
    public static let maxAnswerBytes = 1 << 20

    /// The calls `hooks` make at `event`, in order.
    public static func calls(_ hooks: [GuardrailHook], context: GuardrailContext, event: HookEvent) -> [Self] {
        var calls: [Self] = []
        for (hookIndex, hook) in hooks.enumerated() {
            for (checkIndex, check) in hook.checks.enumerated() where check.isEnabled && check.check.callsOut {
                let parameters = check.parameters
                let url = parameters[check.check == .webhook ? "webhookURL" : "logURL"]?.string ?? ""
                let timeout = parameters["timeout"]?.number.map { Int($0) } ?? 3_000
                calls.append(
                    Self(
                        position: Position(hook: hookIndex, check: checkIndex),
                        kind: check.check,
                        url: url,
                        headers: Self.headers(parameters["headers"]),
                        body: Array(Self.payload(context, event: event).jsonText.utf8),
                        timeoutMs: max(1, min(timeout, Self.maxTimeoutMs))
                    )
                )
            }
        }
        return calls
    }

    /// Portkey's payload: the request and the answer (their JSON and text; never the request's headers), the
    /// event, the request type and the metadata.
    static func payload(_ context: GuardrailContext, event: HookEvent) -> JSONValue {
        .object([
            (
                "request",
                .object([("json", context.request), ("text", .string(context.text(.beforeRequest)))])
            ),
            (
                "response",
                .object([
                    ("json", context.response ?? .null),
                    ("text", event == .afterRequest ? .string(context.text(.afterRequest)) : .null),
                ])
            ),
            ("eventType", .string(event.rawValue)), ("requestType", .string(context.requestType)),
            ("metadata", .object(context.metadata)),
        ])
    }

    /// `headers` as an object, or as its JSON text (Portkey takes both).
    static func headers(_ value: JSONValue?) -> [(name: String, value: String)] {
        var object = value
        if let text = value?.string { object = JSONValue(parsing: Array(text.utf8)) }
        return (object?.members ?? []).compactMap { member in member.value.string.map { (member.key, $0) } }
    }

    /// The check's outcome from what the call got: a status and a body, or a failure (timeout, refused …).
    public func outcome(status: Int?, body: [UInt8], failure: String?, event: HookEvent) -> CheckOutcome {
        let answer = JSONValue(parsing: body)
        let data: [(String, JSONValue)] = [
            ("url", .string(self.url)), ("status", status.map { .number(Double($0)) } ?? .null),
            ("timeout", .number(Double(self.timeoutMs))),
        ]
        if let failure { return CheckOutcome(verdict: false, data: .object(data), error: failure) }
        guard let status, (200..<300).contains(status) else {
            return CheckOutcome(
                verdict: false,
                data: .object(data + [("responseData", answer ?? .null)]),
                error: "\(self.url) answered \(status.map(String.init) ?? "nothing")"
            )
        }
        guard self.kind == .webhook else { return CheckOutcome(verdict: true, data: .object(data)) }
        guard let verdict = answer?["verdict"]?.bool else {
            return CheckOutcome(
                verdict: false,
                data: .object(data),
                error: "The webhook's answer has no boolean 'verdict': it must be {\"verdict\": true|false, …}."
            )
        }
        let transformed =
            event == .beforeRequest ? answer?["transformedData"]?["request"]?["json"] : nil
        return CheckOutcome(
            verdict: verdict,
            data: .object(data + [("responseData", answer ?? .null)]),
            transformedRequest: transformed.flatMap { $0.members == nil ? nil : $0 }
        )
    }
}
