import Foundation
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore
import SwitchboardStore

/// Usage, cost and the request log: the response is followed as it is relayed (never re-encoded), and one
/// record per request goes to the log queue when it ends.
extension GatewayHandler {
    // MARK: - Request side

    /// Notes the request body's size and, when bodies are logged, keeps a copy.
    func noteRequestBody(_ body: ByteBuffer) {
        guard self.request != nil else { return }
        self.request!.accounting.requestBytes = body.readableBytes
        guard self.runtime.requestLog != nil, self.runtime.config.log.bodies,
            self.request!.head.header("x-portkey-debug")?.lowercased() != "false"
        else { return }
        self.request!.accounting.keepsBodies = true
        self.request!.accounting.responseBody = []
        self.request!.accounting.requestBody = Array(body.readableBytesView.prefix(Accounting.maxLoggedBody))
    }

    /// `body` edited for `target`: its model, overrides and defaults, the `removing` members taken out, and — for
    /// a streamed request that did not ask for usage — the `stream_options` that asks the upstream for it (the
    /// usage chunk is then taken out of the stream before the client sees it).
    func body(
        _ body: ByteBuffer,
        for target: RouteTarget,
        inspection: RequestInspection,
        removing: [String] = []
    ) -> ByteBuffer {
        var overrides = target.overrides
        var asksForUsage = false
        if let endpoint = self.request?.endpoint, !overrides.contains(where: { $0.key == "stream_options" }),
            let options = body.withUnsafeReadableBytes({
                StreamUsage.streamOptionsOverride(
                    endpoint: endpoint,
                    kind: target.kind,
                    inspection: inspection,
                    body: $0
                )
            })
        {
            overrides.append(("stream_options", options))
            asksForUsage = true
        }
        self.request?.accounting.asksForUsage = asksForUsage
        let patch = body.withUnsafeReadableBytes { bytes in
            BodyPatch.make(
                body: bytes,
                inspection: inspection,
                model: target.model,
                overrides: overrides,
                defaults: target.defaults,
                removing: removing
            )
        }
        return patch.isEmpty ? body : Self.apply(patch, to: body)
    }

    // MARK: - Response side

    /// Starts following a response that is about to be relayed: usage is read from 2xx bodies; a stream whose
    /// usage chunk the gateway asked for is filtered (and framed by the gateway when it is chunked).
    /// - Returns: whether the body is relayed as payload only (the gateway frames it or it has no framing).
    func startAccounting(head: ResponseHead, bytes: ByteBuffer, framing: BodyFraming) -> Bool {
        guard self.request != nil, (200..<300).contains(head.status) else { return false }
        let eventStream = bytes.withUnsafeReadableBytes { raw in
            head.fields.valueBytes(of: "content-type", in: raw)?.containsIgnoringCase("text/event-stream") ?? false
        }
        self.request!.accounting.usage = UsageScanner(format: eventStream ? .eventStream : .json)
        if eventStream {
            self.request!.accounting.countsStream = true
            self.runtime.metrics.streamsInFlight.increment()
        }
        guard eventStream, self.request!.accounting.asksForUsage, framing == .chunked || framing == .untilClose
        else { return false }
        self.request!.accounting.eventFilter = UsageEventFilter()
        self.request!.accounting.reframes = framing == .chunked && self.request!.head.minorVersion >= 1
        return true
    }

    func upstreamResponsePayload(_ bytes: UnsafeRawBufferPointer) {
        guard self.request != nil else { return }
        if self.request!.accounting.firstByteAt == nil { self.request!.accounting.firstByteAt = .now() }
        self.request!.accounting.usage?.consume(bytes)
        if self.request!.accounting.keepsBodies {
            let room = Accounting.maxLoggedBody - (self.request!.accounting.responseBody?.count ?? 0)
            if room > 0 { self.request!.accounting.responseBody?.append(contentsOf: bytes.prefix(room)) }
        }
    }

    /// Relays filtered stream bytes: complete events only, the usage chunk left out. What one upstream read
    /// brings is collected and written at once when the read ends (``writeRelayed(context:)``).
    func relayFiltered(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        // Taken out while it runs, so its buffer is not shared and grows in place.
        guard self.request != nil, var filter = self.request!.accounting.eventFilter.take() else { return }
        buffer.withUnsafeReadableBytes { bytes in
            filter.consume(bytes) { events in self.collectRelayed(events, context: context) }
        }
        self.request!.accounting.eventFilter = filter
    }

    /// Ends a filtered body: what the filter still holds, then the last chunk when the gateway frames it.
    func finishFiltered(context: ChannelHandlerContext) {
        guard self.request != nil, var filter = self.request!.accounting.eventFilter.take() else { return }
        filter.finish { rest in self.collectRelayed(rest, context: context) }
        self.writeRelayed(context: context)
        if self.request!.accounting.reframes {
            context.write(self.wrapOutboundOut(ByteBuffer(staticString: "0\r\n\r\n")), promise: nil)
        }
    }

    private func collectRelayed(_ events: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        guard !events.isEmpty else { return }
        if self.request!.accounting.relayed == nil {
            // Room in front for the chunk-size line, so framing the events as a chunk copies nothing.
            var buffer = context.channel.allocator.buffer(capacity: max(events.count, 2048) + Self.chunkFraming)
            buffer.moveWriterIndex(forwardBy: Self.chunkSizeRoom)
            buffer.moveReaderIndex(forwardBy: Self.chunkSizeRoom)
            self.request!.accounting.relayed = buffer
        }
        self.request!.accounting.relayed!.writeBytes(events)
    }

    /// Bytes kept free before the collected events: a chunk-size line (`ffffffff\r\n` at the most).
    private static let chunkSizeRoom = 10
    /// The chunk-size line and the chunk's closing CRLF.
    private static let chunkFraming = chunkSizeRoom + 2

    /// Writes the filtered events collected during a read: one chunk when the gateway frames the body, its
    /// size line written into the room left in front of the events.
    func writeRelayed(context: ChannelHandlerContext) {
        guard var events = self.request?.accounting.relayed.take(), events.readableBytes > 0 else { return }
        let size = events.readableBytes
        self.request!.accounting.responseBytes &+= size
        if self.request!.accounting.reframes {
            HTTPWire.prependChunkSize(&events)
            events.writeStaticString("\r\n")
        }
        context.write(self.wrapOutboundOut(events), promise: nil)
    }

    // MARK: - The record

    /// Queues the request's log record.
    func log(
        _ request: Request,
        to queue: RequestLogQueue,
        usage: TokenUsage,
        cost: Double?,
        elapsed: TimeAmount,
        upstream: TimeAmount?,
        complete: Bool
    ) {
        var record = RequestLogRecord(
            id: request.id,
            createdAt: Timestamps.now(plusMilliseconds: -Int(elapsed.nanoseconds / 1_000_000)),
            traceID: request.traceID,
            method: request.head.method.rawValue,
            path: Self.pathOnly(request.head.uri),
            endpoint: request.endpointLabel,
            provider: request.providerLabel,
            status: request.status,
            durationMs: Double(elapsed.nanoseconds) / 1e6
        )
        record.model = request.model
        record.firstByteMs = request.accounting.firstByteAt.map { Double(($0 - request.start).nanoseconds) / 1e6 }
        record.upstreamMs = upstream.map { Double($0.nanoseconds) / 1e6 }
        record.count(usage, cost: cost)
        record.stream = request.stream
        record.complete = complete
        record.responseBytes = request.accounting.responseBytes
        record.retryCount = request.plan?.execution.retryAttemptCount ?? 0
        record.preset = request.accounting.preset
        record.apiKeyID = request.grant?.id
        record.optionIndex = request.target?.optionIndex
        var metadata = request.grant?.defaultMetadata ?? []
        request.head.bytes.withUnsafeReadableBytes { raw in
            for span in request.head.parsed.fields.headers {
                let name = UnsafeRawBufferPointer(rebasing: raw[span.name])
                guard name.count > 10, name.hasPrefixIgnoringCase("x-portkey-") else { continue }
                let suffix = UnsafeRawBufferPointer(rebasing: name[10...])
                let value = String(decoding: UnsafeRawBufferPointer(rebasing: raw[span.value]), as: UTF8.self)
                if suffix.equalsIgnoringCase("span-id") {
                    record.spanID = value
                } else if suffix.equalsIgnoringCase("parent-span-id") {
                    record.parentSpanID = value
                } else if suffix.equalsIgnoringCase("span-name") {
                    record.spanName = value
                } else if suffix.equalsIgnoringCase("config") {
                    // A saved config's slug; inline configs are not names.
                    if !value.hasPrefix("{") { record.config = value }
                } else if suffix.equalsIgnoringCase("virtual-key") {
                    record.virtualKey = value
                } else if suffix.equalsIgnoringCase("metadata"),
                    let sent = JSONValue(parsing: Array(value.utf8))?.members
                {
                    metadata.removeAll { member in sent.contains { $0.key == member.key } }
                    metadata += sent
                }
            }
        }
        if record.config == nil, let slug = request.grant?.defaultConfig { record.config = slug }
        if !metadata.isEmpty {
            // Compact, keys sorted: the store filters on members as text.
            record.metadata = JSONValue.object(metadata.sorted { $0.key < $1.key }).jsonText
        }
        if request.accounting.keepsBodies {
            record.requestBody = request.accounting.requestBody.map { String(decoding: $0, as: UTF8.self) }
            record.responseBody = request.accounting.responseBody.map { String(decoding: $0, as: UTF8.self) }
            record.requestHeaders = Self.maskedHeaders(request.head)
        }
        queue.append(record)
    }

    /// The request's headers as a JSON object, credentials and the headers named in
    /// `x-portkey-sensitive-headers` masked.
    static func maskedHeaders(_ head: ClientRequestHead) -> String {
        var sensitive: Set<String> = [
            "authorization", "x-api-key", "x-portkey-api-key", "cookie", "proxy-authorization",
        ]
        if let listed = head.header("x-portkey-sensitive-headers") {
            for name in listed.split(separator: ",") {
                sensitive.insert(name.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        var members: [(key: String, value: JSONValue)] = []
        head.bytes.withUnsafeReadableBytes { raw in
            for span in head.parsed.fields.headers {
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: raw[span.name]), as: UTF8.self)
                    .lowercased()
                let value = String(decoding: UnsafeRawBufferPointer(rebasing: raw[span.value]), as: UTF8.self)
                members.append((name, .string(sensitive.contains(name) ? "********" : value)))
            }
        }
        return JSONValue.object(members).jsonText
    }
}

extension RequestLogRecord {
    /// Sets the record's token counts, their source and the cost.
    mutating func count(_ usage: TokenUsage, cost: Double?) {
        self.promptTokens = usage.promptTokens
        self.completionTokens = usage.completionTokens
        self.cachedTokens = usage.cachedTokens
        self.cacheWriteTokens = usage.cacheWriteTokens
        self.reasoningTokens = usage.reasoningTokens
        self.usageSource = usage.source.rawValue
        self.costCents = cost
    }
}
