import Logging
import NIOCore
import Prometheus
import SwitchboardCore

/// A plan in progress, kept apart from the request so requests without one stay small.
final class PlanRun {
    var execution: RouteExecution
    /// The client's body as inspected, patched anew for each target.
    let body: ByteBuffer?
    let inspection: RequestInspection?
    /// Body fields the plan consumed (OpenRouter's `models`, …), removed before sending.
    let consumedBodyKeys: [String]
    /// The wait before a retry.
    var retryTimer: Scheduled<Void>?

    init(execution: RouteExecution, body: ByteBuffer?, inspection: RequestInspection?, consumedBodyKeys: [String]) {
        self.execution = execution
        self.body = body
        self.inspection = inspection
        self.consumedBodyKeys = consumedBodyKeys
    }
}

/// Running a ``RoutePlan``: one attempt at a time, each decided by ``RouteExecution`` when its response head
/// arrives (or it fails), before any byte of it is relayed.
extension GatewayHandler {
    /// Starts a plan. `body` is the inspected JSON body (`nil` for a request that streams its body, which
    /// cannot be sent twice: it gets the plan's first target and no retries).
    func startPlan(_ plan: RoutePlan, body: ByteBuffer?, inspection: RequestInspection?) {
        guard self.request != nil else { return }
        let context = plan.needsConditionContext ? self.conditionContext(body: body) : ConditionContext()
        var execution: RouteExecution
        do {
            execution = try RouteExecution(
                plan: plan,
                context: context,
                breakers: self.runtime.breakers,
                random: &self.loop.ids
            )
        } catch {
            self.fail(error)
            return
        }
        self.countSkips(&execution)
        if case .streamed = self.request!.mode, self.request!.head.parsed.bodyFraming != .none {
            let target = execution.leaf.target
            self.request!.target = target
            self.connectAndSend(head: self.upstreamHead(target: target, bodyLength: nil), target: target, fresh: false)
            return
        }
        self.request!.plan = PlanRun(
            execution: execution,
            body: body,
            inspection: inspection,
            consumedBodyKeys: plan.consumedBodyKeys
        )
        self.startAttempt()
    }

    /// Sends the plan's current attempt: the body patched for its target (model, overrides), on a connection
    /// to its upstream.
    func startAttempt() {
        guard self.request != nil, let run = self.request!.plan else { return }
        var target = run.execution.leaf.target
        target.model = self.runtime.resolver.upstreamModel(for: target, requestModel: run.inspection?.model)
        self.request!.attempt += 1
        run.retryTimer = nil
        self.request!.target = target
        self.request!.upstreamRequestSent = false
        self.request!.retriedOnFreshConnection = false
        guard case .buffered = self.request!.mode else {
            self.connectAndSend(head: self.upstreamHead(target: target, bodyLength: nil), target: target, fresh: false)
            return
        }
        var body = run.body ?? ByteBuffer()
        if let inspection = run.inspection {
            body = self.body(body, for: target, inspection: inspection, removing: run.consumedBodyKeys)
            self.request!.model = target.model ?? target.overrideModel ?? inspection.model
        }
        self.request!.body = body
        self.connectAndSend(
            head: self.upstreamHead(target: target, bodyLength: body.readableBytes),
            target: target,
            fresh: false
        )
    }

    /// An attempt ended before anything was relayed. Returns true when the plan goes on (a retry after a
    /// delay, or the next target now); false when this outcome is the answer the client gets.
    func continuePlan(after outcome: AttemptOutcome) -> Bool {
        guard let run = self.request?.plan, let context = self.context else { return false }
        let leaf = run.execution.leaf
        self.runtime.breakers.record(leaf, outcome: outcome)
        let decision = run.execution.decide(
            outcome,
            timing: self.runtime.config.routing.retry,
            breakers: self.runtime.breakers,
            random: &self.loop.ids
        )
        self.countSkips(&run.execution)
        switch decision {
        case .deliver:
            return false
        case .retry(let delayMs):
            self.runtime.metrics.retries(provider: leaf.target.provider).increment()
            self.abandonAttempt()
            let serial = self.request!.serial
            let attempt = self.request!.attempt
            run.retryTimer = context.eventLoop.assumeIsolated().scheduleTask(
                in: .milliseconds(Int64(delayMs))
            ) {
                guard self.request?.serial == serial, self.request?.attempt == attempt else { return }
                self.startAttempt()
            }
            return true
        case .next:
            self.runtime.metrics.fallbacks(provider: leaf.target.provider).increment()
            self.runtime.logger.debug(
                "falling back",
                metadata: [
                    "id": "\(self.request!.id)", "from": "\(leaf.target.optionIndex)", "status": "\(outcome.status)",
                    "to": "\(run.execution.leaf.target.optionIndex)",
                ]
            )
            self.abandonAttempt()
            self.startAttempt()
            return true
        }
    }

    /// Drops the current attempt's upstream exchange (its response is not relayed) and its timer.
    private func abandonAttempt() {
        self.request!.upstream?.abort()
        self.request!.upstream = nil
        self.request!.upstreamRequestSent = false
        self.request!.responseDeadline = nil
    }

    /// Counts the targets the execution skipped for open circuits since the last call.
    private func countSkips(_ execution: inout RouteExecution) {
        guard !execution.skipped.isEmpty else { return }
        for leaf in execution.skipped { self.runtime.metrics.circuitSkips(leaf.key).increment() }
        execution.skipped.removeAll()
    }

    private func fail(_ error: GatewayError) {
        if case .streamed = self.request?.mode {
            self.request!.mode = .local(.error(error))
            if self.request!.requestEnded { self.sendError(error) }
        } else {
            self.sendError(error)
        }
    }

    /// `metadata.*` from `x-portkey-metadata` (invalid JSON counts as `{}`) over the API key's default
    /// metadata, `params.*` from the body.
    private func conditionContext(body: ByteBuffer?) -> ConditionContext {
        let head = self.request!.head
        var context = ConditionContext(path: Self.pathOnly(head.uri))
        var members = self.request!.grant?.defaultMetadata ?? []
        if let text = head.header("x-portkey-metadata"), let sent = JSONValue(parsing: Array(text.utf8))?.members {
            members.removeAll { member in sent.contains { $0.key == member.key } }
            members += sent
        }
        if !members.isEmpty { context.metadata = .object(members) }
        if let body, let params = body.withUnsafeReadableBytes({ JSONValue(parsing: $0) }), params.members != nil {
            context.params = params
        }
        return context
    }

    // MARK: - Failures after the response started

    /// Ends a started event stream with an explicit error event and then closes the connection without the
    /// body's proper end, so no client mistakes a cut stream for a finished one. Returns false when an event
    /// cannot be added (not a stream, or mid-chunk); the caller then just cuts the connection.
    func endStreamWithError(_ message: String, appendPoint: UpstreamConnection.AppendPoint) -> Bool {
        guard let context = self.context, self.request != nil, self.request!.stream,
            (200..<300).contains(self.request!.status)
        else { return false }
        let event = Self.streamErrorEvent(message, endpoint: self.request!.endpoint)
        var out = context.channel.allocator.buffer(capacity: event.utf8.count + 32)
        switch appendPoint {
        case .chunkBoundary:
            HTTPWire.writeChunkSize(&out, event.utf8.count)
            out.writeString(event)
            // No last-chunk: the response stays incomplete at the HTTP level too.
            out.writeStaticString("\r\n")
        case .unframed:
            out.writeString(event)
        case .none:
            return false
        }
        self.request!.keepAlive = false
        context.writeAndFlush(self.wrapOutboundOut(out), promise: nil)
        self.finishRequest(complete: false)
        return true
    }

    /// The error event in the stream format of the endpoint: Anthropic's `event: error`, the Responses API's
    /// `error` event, or an OpenAI chunk carrying `error` (what OpenRouter sends; the SDKs raise on it).
    static func streamErrorEvent(_ message: String, endpoint: Endpoint?) -> String {
        let quoted = JSONString.quote(message)
        switch endpoint {
        case .messages:
            return #"event: error"# + "\n" + #"data: {"type":"error","error":{"type":"api_error","message":"#
                + quoted + "}}\n\n"
        case .responses:
            return #"event: error"# + "\n" + #"data: {"type":"error","code":"stream_interrupted","message":"#
                + quoted + #","param":null,"error":{"message":"# + quoted
                + #","type":"upstream_error","code":"stream_interrupted"}}"# + "\n\n"
        default:
            return #"data: {"error":{"message":"# + quoted
                + #","type":"upstream_error","param":null,"code":"stream_interrupted"}}"# + "\n\n"
        }
    }
}
