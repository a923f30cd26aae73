import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore
import SwitchboardStore

/// The upstream's response, relayed to the client as it arrives: the head once the exchange commits to it, the
/// body part by part through the response stages (never re-encoded), the end; and a failure, before or after
/// the first byte.
extension GatewayHandler: UpstreamResponseDelegate {
    func upstreamResponseHead(_ head: ResponseHead, bytes: ByteBuffer) {
        guard let context = self.context, self.request != nil else { return }
        var retryAfter: Int?
        if head.status == 429, self.request!.exchange.plan != nil {
            retryAfter = bytes.withUnsafeReadableBytes { raw in
                RetryAfter.milliseconds { head.fields.value(of: $0, in: raw) }
            }
        }
        let action = self.request!.exchange.responseHead(
            status: head.status,
            retryAfterMs: retryAfter,
            now: Self.uptime(),
            breakers: self.runtime.breakers,
            random: &self.loop.ids
        )
        guard case .relayHead = action else {
            self.run(action)
            return
        }
        let minor = self.request!.head.minorVersion
        let framing = head.framing(requestWasHEAD: self.request!.head.method == .HEAD)
        // The body is relayed as received, chunk framing included, unless the client cannot take that.
        let payloadOnly = framing == .chunked && minor == 0
        let eventStream = self.request!.accounting.stages.start(
            head: head,
            bytes: bytes,
            framing: framing,
            asksForUsage: self.request!.accounting.asksForUsage,
            clientMinorVersion: minor
        )
        if eventStream {
            self.request!.accounting.countsStream = true
            self.runtime.metrics.streamsInFlight.increment()
        }
        let translated = self.request!.translation != nil
        if translated {
            self.startTranslation(status: head.status, eventStream: eventStream, clientMinorVersion: minor)
        }
        // The hooks' results go into the answer, and a held answer waits for its output guardrails.
        let status =
            self.request!.guardrails == nil && self.request!.exchange.target?.afterHooks.isEmpty != false
            ? head.status : self.startAnswerHooks(status: head.status, eventStream: eventStream, minor: minor)
        let holds = self.request!.accounting.stages.answerCheck?.holds == true
        let rewritten = translated || self.request!.accounting.stages.filters && !payloadOnly
        if payloadOnly || self.request!.accounting.stages.filters { self.request!.upstream?.forwardsPayloadOnly = true }
        if minor == 0 || framing == .untilClose {
            // Without framing of its own, the body ends when the client's connection closes.
            self.request!.keepAlive = false
        }
        var out = context.channel.allocator.buffer(capacity: bytes.readableBytes + 320)
        if !holds { HTTPWire.writeStatusLine(&out, minorVersion: minor, status: status) }
        bytes.withUnsafeReadableBytes { raw in
            for header in head.fields.headers {
                let name = UnsafeRawBufferPointer(rebasing: raw[header.name])
                if HeaderNames.isHopByHop(name) {
                    guard name.equalsIgnoringCase("transfer-encoding"), !payloadOnly, !rewritten else { continue }
                }
                // A translated body is the gateway's own: its type and length are too; a body with hook results
                // has another length.
                if translated, name.equalsIgnoringCase("content-length") || name.equalsIgnoringCase("content-type") {
                    continue
                }
                if rewritten, name.equalsIgnoringCase("content-length") { continue }
                HTTPWire.writeHeader(&out, name, UnsafeRawBufferPointer(rebasing: raw[header.value]))
            }
        }
        if translated {
            self.writeTranslatedHeaders(&out)
        } else if rewritten, self.request!.accounting.stages.reframes {
            out.writeStaticString("transfer-encoding: chunked\r\n")
        }
        if self.request!.cache != nil {
            let contentType =
                translated
                ? self.translatedContentType
                : bytes.withUnsafeReadableBytes { raw in
                    head.fields.valueBytes(of: "content-type", in: raw).map { String(decoding: $0, as: UTF8.self) }
                } ?? "application/json"
            self.startCacheCapture(status: head.status, contentType: contentType, eventStream: eventStream)
        }
        self.writeGatewayHeaders(&out)
        if holds {
            self.request!.accounting.stages.answerCheck!.head = out
            return
        }
        out.writeStaticString("\r\n")
        context.write(self.wrapOutboundOut(out), promise: nil)
    }

    func upstreamResponsePayload(_ bytes: UnsafeRawBufferPointer) {
        guard self.request != nil else { return }
        if self.request!.accounting.firstByteAt == nil { self.request!.accounting.firstByteAt = .now() }
        self.request!.accounting.stages.payload(bytes)
    }

    func upstreamResponseBody(_ buffer: ByteBuffer) {
        guard let context = self.context, self.request != nil else { return }
        if self.request!.accounting.stages.filters {
            self.relayFiltered(buffer, context: context)
        } else {
            self.request!.accounting.responseBytes &+= buffer.readableBytes
            context.write(self.wrapOutboundOut(buffer), promise: nil)
        }
    }

    func upstreamReadComplete() {
        guard let context = self.context else { return }
        if self.request != nil {
            self.request!.exchange.progressed(now: Self.uptime())
            self.writeRelayed(context: context)
        }
        context.flush()
    }

    func upstreamResponseEnd() {
        guard let context = self.context, self.request != nil else { return }
        if self.request!.accounting.stages.filters { self.finishFiltered(context: context) }
        self.request!.upstream = nil
        if self.request!.accounting.stages.answerCheck?.holds == true {
            self.releaseHeldAnswer(context: context)
            // Denied: answered with 446 and finished.
            guard self.request != nil else { return }
        }
        context.flush()
        // A write that fails in the flush (the client reset the connection) has ended the request already.
        guard self.request != nil else { return }
        // While more than the high-water mark is still queued for the client, the exchange drains: the request
        // ends when the client takes it (``channelWritabilityChanged(context:)``) or is cut after the idle timeout.
        self.run(self.request!.exchange.responseEnded(clientWritable: context.channel.isWritable, now: Self.uptime()))
    }

    func upstreamFailed(_ error: any Error) {
        guard self.request != nil else { return }
        let connection = self.request!.upstream
        self.request!.upstream = nil
        var resendable = false
        if let connection, connection.hasServedRequests, !connection.receivedResponseBytes,
            case .buffered = self.request!.mode
        {
            resendable = true
        }
        let action = self.request!.exchange.upstreamFailed(
            reason: Self.describeFailure(error),
            resendable: resendable,
            now: Self.uptime(),
            breakers: self.runtime.breakers,
            random: &self.loop.ids
        )
        guard case .endStream(let message) = action else {
            self.run(action)
            return
        }
        self.runtime.logger.warning(
            "upstream failed mid-response",
            metadata: [
                "id": "\(self.request!.id)", "provider": "\(self.request!.providerLabel)", "error": "\(error)",
            ]
        )
        if self.request!.accounting.stages.translator != nil {
            self.endTranslatedStream()
            return
        }
        // Events that arrived before the failure go out before the error.
        if let context = self.context { self.writeRelayed(context: context) }
        let appendPoint: UpstreamConnection.AppendPoint =
            self.request!.accounting.stages.reframes ? .chunkBoundary : connection?.appendPoint ?? .none
        if !self.endStreamWithError(message, appendPoint: appendPoint) { self.abortResponse() }
    }

    /// The response already started: all that is left is to cut the client's connection, so the client sees
    /// an incomplete response rather than a clean-looking end.
    func abortResponse() {
        guard let context = self.context else { return }
        self.request?.keepAlive = false
        self.request?.exchange.cutShort()
        self.finishRequest(complete: false)
        context.close(promise: nil)
    }
}

/// The end of a request: its measurement goes to the loop's metrics, its record to the request log and the
/// access log, and the connection serves the next request or closes.
extension GatewayHandler {
    /// Notes the request body's size and, when bodies are logged, keeps a copy.
    func noteRequestBody(_ body: ByteBuffer) {
        self.request!.accounting.requestBytes = body.readableBytes
        guard self.runtime.requestLog != nil, self.runtime.config.log.bodies,
            self.request!.portkey.debug?.lowercased() != "false"
        else { return }
        self.request!.accounting.stages.keptBody = []
        self.request!.accounting.requestBody = Array(body.readableBytesView.prefix(ResponseStages.maxLoggedBody))
    }

    /// Called when the response has been written completely (or abandoned): metrics, log, next request.
    func finishRequest(complete: Bool) {
        guard let context = self.context, self.request != nil else { return }
        // Moved out, not copied: a copy would retain and release each of its references.
        let request = self.request.take()!
        self.loop.sweeper.remove(self)
        request.retryTimer?.cancel()
        // An upload's hold ends with its exchange; buffered input is judged again below.
        self.holdReading(.peerFull, false)
        self.idleSince = .now()
        self.record(request, complete: complete)
        if request.guardrails != nil || request.exchange.target?.afterHooks.isEmpty == false {
            self.runAsyncHooks(request)
        }
        if !request.keepAlive || !complete || !request.requestEnded {
            context.close(promise: nil)
            return
        }
        // Serve requests the client pipelined meanwhile.
        self.readState = .head
        self.processInbound()
    }

    func record(_ request: GatewayRequest, complete: Bool) {
        self.runtime.metrics.inFlight.decrement()
        if request.accounting.countsStream { self.runtime.metrics.streamsInFlight.decrement() }
        let now = NIODeadline.now()
        let elapsed = now - request.start
        if case .local(let response) = request.mode, !response.isError { return }
        let accounting = request.accounting
        var usage = TokenUsage()
        if let scanner = accounting.stages.usage { usage = scanner.result(requestBytes: accounting.requestBytes) }
        var cost: Double?
        if let answer = request.cache?.answer {
            usage = TokenUsage(cachedAnswer: answer)
            cost = 0
        } else if usage.source != .unavailable, let target = request.exchange.target,
            let price = self.runtime.price(provider: target.provider, kind: target.kind, model: request.model ?? "")
        {
            cost = price.cost(of: usage)
        }
        if let ticket = request.policyTicket {
            // A cache hit used nothing: only what it reserved is given back.
            let used = usage.source == .cache ? TokenUsage() : usage
            self.runtime.snapshot.policies.settle(ticket, usage: used, costCents: cost)
        }
        if complete, request.cache != nil { self.storeInCache(request, usage: usage, costCents: cost) }
        let upstream = accounting.attemptSentAt.map { now - $0 }
        self.loop.metrics.record(
            RequestMeasurement(
                provider: request.providerLabel,
                model: request.endpoint == nil ? nil : request.model,
                endpoint: request.endpointLabel,
                status: request.status,
                duration: .nanoseconds(elapsed.nanoseconds),
                firstByte: accounting.firstByteAt.map { .nanoseconds(($0 - request.start).nanoseconds) },
                overhead: upstream.map { .nanoseconds(max(0, (elapsed - $0).nanoseconds)) },
                usage: usage,
                costCents: cost
            )
        )
        if let log = self.runtime.requestLog, request.endpoint != nil {
            log.append(
                RequestLogRecord(
                    request,
                    usage: usage,
                    cost: cost,
                    elapsed: elapsed,
                    upstream: upstream,
                    complete: complete
                )
            )
        }
        guard self.runtime.config.log.accessLog, self.runtime.logger.logLevel <= .info else { return }
        self.loop.accessLog.log(
            id: request.id,
            method: request.head.method.rawValue,
            uri: request.head.uri,
            provider: request.providerLabel,
            model: request.model,
            status: request.status,
            elapsed: elapsed,
            stream: request.stream,
            complete: complete,
            cache: request.cache?.status.rawValue,
            traceID: request.traceID
        )
    }
}
