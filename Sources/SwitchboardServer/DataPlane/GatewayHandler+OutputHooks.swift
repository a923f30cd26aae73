import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore
import SwitchboardStore

/// The hooks' part of an answer (docs/guardrails.md). A JSON answer carries `hook_results`; with synchronous output
/// guardrails it is held until they judged it: denied → 446 in its place, failed without `deny` → 246, a mutator's
/// change → the changed answer. A stream is never held: its text is gathered as it is relayed, the output hooks
/// run when it ends, and their results follow its last event as `event: hook_results`.
extension GatewayHandler {
    /// Sets up the stages for the hooks of an answer whose head is relayed.
    /// - Returns: the status the client gets: 246 when an input guardrail failed without `deny`.
    func startAnswerHooks(status: Int, eventStream: Bool, minor: Int) -> Int {
        guard (200..<300).contains(status) else { return status }
        let after = self.request!.exchange.target?.afterHooks ?? []
        let translated = self.request!.translation != nil
        if eventStream {
            if !after.isEmpty {
                let wire = self.request!.translation?.provider ?? self.request!.endpoint?.wireProtocol
                self.request!.accounting.stages.answerText = StreamedAnswerText(wire: wire)
            }
            self.request!.accounting.stages.endsWithHookEvent = true
            if !translated { self.request!.accounting.stages.reframes = minor >= 1 }
        } else if !after.isEmpty {
            let holds = after.contains { !$0.async }
            self.request!.accounting.stages.answerCheck = AnswerCheck(holds: holds)
            self.request!.accounting.stages.answerCheck!.status = status
            // A held answer is written whole, with its length; a copied one goes out as chunks.
            self.request!.accounting.stages.reframes = !holds && minor >= 1
            if !holds, !translated, let use = self.request!.guardrails {
                self.request!.accounting.stages.hookInsert = HookResultsInsert(results: use.hookResults)
            }
        } else if !translated, let use = self.request!.guardrails {
            self.request!.accounting.stages.hookInsert = HookResultsInsert(results: use.hookResults)
            self.request!.accounting.stages.reframes = minor >= 1
        }
        guard self.request!.guardrails?.failed == true else { return status }
        self.request!.hooksStatus = 246
        return 246
    }

    /// The end of a stream with hooks: its output hooks judge the text it carried, and their results (with the
    /// input hooks') go out as its last event.
    func relayHookEvent(context: ChannelHandlerContext) {
        var use = self.guardrailUse()
        if let text = self.request!.accounting.stages.answerText.take() {
            use.context.responseText = text.text
            let hooks = (self.request!.exchange.target?.afterHooks ?? []).filter { !$0.async }
            let run =
                text.overflowed
                ? HookRunner.unchecked(hooks, reason: Self.tooLargeToCheck, now: Timestamps.now())
                : HookRunner.run(hooks, event: .afterRequest, context: use.context, now: Timestamps.now())
            self.countChecks(run)
            use.afterResults = run.results
            use.afterFailed = run.failed || run.denied
            if run.denied { self.runtime.metrics.guardrailDenials.increment() }
        }
        self.request!.guardrails = use
        if use.anyFailed { self.request!.accounting.stages.cacheCapture = nil }
        // The event is the gateway's, not the answer's: the cache keeps the answer without it.
        let capture = self.request!.accounting.stages.cacheCapture.take()
        HookRunner.streamEvent(before: use.results, after: use.afterResults).withUnsafeBytes { event in
            self.collectRelayed(event, context: context)
        }
        self.request!.accounting.stages.cacheCapture = capture
    }

    /// A held JSON answer ended: its output guardrails judge it, and it is written — with their results, as 246
    /// when one failed, changed by a mutator — or replaced by a 446 when one with `deny` failed.
    func releaseHeldAnswer(context: ChannelHandlerContext) {
        guard let held = self.request!.accounting.stages.answerCheck.take() else { return }
        var use = self.guardrailUse()
        let hooks = (self.request!.exchange.target?.afterHooks ?? []).filter { !$0.async }
        let run: HookRunner.Run
        if held.overflowed {
            run = HookRunner.unchecked(hooks, reason: Self.tooLargeToCheck, now: Timestamps.now())
        } else {
            use.context.response = JSONValue(parsing: held.body) ?? .null
            run = HookRunner.run(
                hooks,
                event: .afterRequest,
                context: use.context,
                now: Timestamps.now(),
                elapsed: Self.milliseconds
            )
        }
        self.countChecks(run)
        use.afterResults = run.results
        use.afterFailed = run.failed || run.denied
        if let changed = run.response { use.context.response = changed }
        self.request!.guardrails = use
        if use.anyFailed { self.request!.accounting.stages.cacheCapture = nil }
        if run.denied {
            self.runtime.metrics.guardrailDenials.increment()
            let body = HookRunner.deniedBody(before: use.results, after: use.afterResults)
            self.send(status: HTTPResponseStatus(statusCode: 446), contentType: "application/json", body: body.bytes)
            return
        }
        var answer: [UInt8] = []
        answer.reserveCapacity(held.body.count + 1024)
        var insert = HookResultsInsert(results: use.hookResults)
        let source = run.response.map(\.bytes) ?? held.body
        source.withUnsafeBytes { bytes in insert.consume(bytes) { answer.append(contentsOf: $0) } }
        let status = use.anyFailed ? 246 : held.status
        self.request!.hooksStatus = status
        var out = context.channel.allocator.buffer(capacity: answer.count + (held.head?.readableBytes ?? 0) + 64)
        HTTPWire.writeStatusLine(&out, minorVersion: self.request!.head.minorVersion, status: status)
        if var head = held.head { out.writeBuffer(&head) }
        HTTPWire.writeHeader(&out, "content-length", String(answer.count))
        out.writeStaticString("\r\n")
        if self.request!.head.method != .HEAD { out.writeBytes(answer) }
        self.request!.accounting.responseBytes &+= answer.count
        context.write(self.wrapOutboundOut(out), promise: nil)
    }

    /// The request's hook state, made when only output hooks ran (its context reads the request as sent).
    private func guardrailUse() -> GuardrailUse {
        if let use = self.request!.guardrails { return use }
        let body = self.request!.source?.body ?? ByteBuffer()
        return GuardrailUse(
            context: GuardrailContext(
                requestType: GuardrailContext.requestType(of: self.request!.endpoint),
                request: JSONValue(parsing: body.readableBytesView) ?? .null,
                metadata: self.request!.metadata
            )
        )
    }

    static let tooLargeToCheck =
        "The answer is larger than 16 MB, the most output guardrails check; it is judged as failing."
}

extension JSONValue {
    /// The value as compact JSON text, in UTF-8.
    fileprivate var bytes: [UInt8] { Array(self.jsonText.utf8) }
}
