import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import Prometheus
import SwitchboardCore

/// Serves one client connection: routes each request, relays it to an upstream connection of the same event
/// loop, and streams the response back part by part as it arrives.
///
/// It reads raw bytes: request heads are parsed into spans by ``RequestHeadParser`` (no header strings) and
/// bodies followed by ``BodyFramer``. One request is served at a time; bytes of requests a client pipelines
/// behind it wait in the inbound buffer and are served in order.
///
/// Flow control (docs/flow-control.md): reads from the client pass through a ``ReadGate`` held while a streamed
/// upload's upstream is full or more than the high-water mark of the client's bytes waits here; the upstream
/// connection's own gate is held while this client is not writable.
final class GatewayHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How the request body is handled.
    enum BodyMode {
        /// Collected (up to the body limit) and inspected before routing: JSON APIs.
        case buffered
        /// Forwarded upstream as it arrives: pass-through of uploads and other non-JSON bodies.
        case streamed
        /// Answered by the gateway itself once the request ends; the body is discarded.
        case local(LocalResponse)
        /// A control-plane API call: the body is collected like a buffered one and served by ``ControlPlane``.
        case control
    }

    /// A response the gateway makes without an upstream.
    enum LocalResponse {
        case error(GatewayError)
        case health
        case ready
        case metrics
        case models
        case root
        /// `GET /model-configs/pricing/{provider}/{model}`.
        case pricing(provider: String, model: String)
    }

    /// Everything about the request being served.
    struct Request {
        var head: ClientRequestHead
        var id: String
        var traceID: String
        var start: NIODeadline
        var serial: UInt64
        var mode: BodyMode
        var endpoint: Endpoint?
        var upstreamPath: Substring = ""
        var keepAlive: Bool
        var body: ByteBuffer?
        var requestEnded = false
        var target: RouteTarget?
        var model: String?
        var stream = false
        var upstream: UpstreamConnection?
        /// Streamed body parts that arrived before the upstream connection was ready.
        var pendingUpload: [ByteBuffer] = []
        var pendingUploadBytes = 0
        var upstreamRequestSent = false
        var responseHeadSent = false
        /// The upstream's response ended, and the client has yet to take the last of it (more than the
        /// high-water mark is queued): the request ends when it does, or is cut after the idle timeout.
        var draining = false
        var status = 0
        var lastActivity: NIODeadline
        /// When the wait for the upstream's response head ends (checked by the loop's ``TimeoutSweeper``).
        var responseDeadline: NIODeadline?
        var responseTimeoutMs = 0
        var retriedOnFreshConnection = false
        /// Counts the attempts of a plan, so a late connection or timer of an earlier attempt is recognised.
        var attempt = 0
        /// The plan being run when the route has strategies (retries, fallbacks, …); `nil` for one target.
        var plan: PlanRun?
        /// The gateway API key's grant, when auth is on.
        var grant: KeyGrant?
        var gatewayKeyHeader: GatewayKeyHeader?
        /// Usage, timings and names for the metrics and the request log.
        var accounting = Accounting()

        var providerLabel: String { self.target?.provider ?? "gateway" }
        var endpointLabel: String { self.endpoint?.label ?? "other" }
    }

    /// What the metrics and the request log need beyond routing.
    struct Accounting {
        /// Follows a successful response for its token counts.
        var usage: UsageScanner?
        /// Response body bytes handed to the client (after filtering, without the gateway's chunk framing).
        var responseBytes = 0
        /// The gateway asked the upstream for a usage chunk the client did not ask for.
        var asksForUsage = false
        /// Set while that chunk is being taken out of the relayed stream.
        var eventFilter: UsageEventFilter?
        /// Filtered events relayed during the current upstream read, written together when the read ends.
        var relayed: ByteBuffer?
        /// Whether the gateway frames the relayed events as chunks itself (while filtering a chunked stream).
        var reframes = false
        var requestBytes = 0
        var attemptSentAt: NIODeadline?
        var firstByteAt: NIODeadline?
        var preset: String?
        /// Request and response bodies kept for the log (`log.bodies`, unless `x-portkey-debug: false`).
        var requestBody: [UInt8]?
        var responseBody: [UInt8]?
        var keepsBodies = false
        var countsStream = false
        static let maxLoggedBody = 256 * 1024
    }

    let runtime: GatewayRuntime
    let loop: LoopContext
    var context: ChannelHandlerContext?
    var request: Request?
    /// Bytes received and not yet parsed (a partial head, or requests pipelined behind the current one).
    private var inbound: ByteBuffer?
    private var readState = ReadState.head
    /// Set while ``processInbound()`` runs, so a response finished synchronously does not re-enter it.
    private var processing = false

    private enum ReadState {
        case head
        case body(BodyFramer)
        /// The request is read; the rest of the input waits until its response is done.
        case waiting
    }

    /// Longest request head accepted.
    static let maxHeadBytes = 64 * 1024
    private var quiescing = false
    private var serial: UInt64 = 0
    /// Holds reads from the client back (flow control).
    var readGate = ReadGate()
    /// Position in the loop's ``TimeoutSweeper`` while a request waits on an upstream.
    var sweepIndex: Int?
    /// Position in the loop's keep-alive ``TimeoutSweeper`` while the connection is open.
    var keepAliveIndex: Int?
    /// When the connection last had no request in flight (its start, or its last request's end).
    var idleSince = NIODeadline.now()
    let idleTimeout: TimeAmount
    let keepAliveTimeout: TimeAmount
    /// Most bytes of the client's kept here (an upload before its upstream is ready, pipelined requests).
    let highWaterMark: Int

    init(runtime: GatewayRuntime, loop: LoopContext) {
        self.runtime = runtime
        self.loop = loop
        self.idleTimeout = .milliseconds(Int64(runtime.config.server.idleTimeoutMs))
        self.keepAliveTimeout = .milliseconds(Int64(runtime.config.server.keepAliveTimeoutMs))
        self.highWaterMark = runtime.config.server.highWaterMark
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.loop.keepAlive.add(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.loop.keepAlive.remove(self)
        self.context = nil
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        if self.inbound == nil || self.inbound!.readableBytes == 0 {
            self.inbound = buffer
        } else {
            self.inbound!.writeBuffer(&buffer)
        }
        self.processInbound()
    }

    /// Parses what has arrived: heads start requests, body bytes go to the request being read.
    private func processInbound() {
        guard !self.processing else { return }
        self.processing = true
        defer {
            self.processing = false
            self.holdBufferedInput()
        }
        while self.context != nil, let available = self.inbound?.readableBytes, available > 0 {
            switch self.readState {
            case .waiting:
                return
            case .head:
                let length = self.inbound!.withUnsafeReadableBytes { HTTPHead.length($0) }
                guard let length, length <= Self.maxHeadBytes else {
                    if available > Self.maxHeadBytes { self.rejectMalformed("request head larger than 64 KiB") }
                    return
                }
                let bytes = self.inbound!.readSlice(length: length)!
                let parsed = bytes.withUnsafeReadableBytes { raw in
                    Result { () throws(HTTPFramingError) in try RequestHeadParser.parse(raw) }
                }
                switch parsed {
                case .failure(let error):
                    self.rejectMalformed(error.reason)
                    return
                case .success(let head):
                    let framing = head.bodyFraming
                    self.readState = framing == .none ? .waiting : .body(BodyFramer(framing))
                    self.startRequest(ClientRequestHead(bytes: bytes, parsed: head))
                    if framing == .none { self.endRequest() }
                }
            case .body(var framer):
                // A streamed upload goes upstream as received (chunk framing included); a buffered body is
                // collected without its framing.
                let raw: Bool
                if case .streamed = self.request?.mode { raw = true } else { raw = false }
                var payload: [Range<Int>] = []
                let consumed = self.inbound!.withUnsafeReadableBytes { bytes in
                    Result { () throws(HTTPFramingError) in
                        try framer.consume(bytes) { if !raw { payload.append($0) } }
                    }
                }
                guard case .success(let used) = consumed else {
                    if case .failure(let error) = consumed { self.rejectMalformed(error.reason) }
                    return
                }
                let slice = self.inbound!.readSlice(length: used)!
                self.readState = framer.isComplete ? .waiting : .body(framer)
                if raw {
                    if used > 0 { self.receiveBody(slice) }
                } else {
                    for range in payload {
                        self.receiveBody(slice.getSlice(at: slice.readerIndex + range.lowerBound, length: range.count)!)
                    }
                }
                if framer.isComplete { self.endRequest() }
            }
        }
    }

    /// Bytes the parser rejects: a 400 if no response has started, then the connection closes.
    private func rejectMalformed(_ reason: String) {
        guard let context = self.context else { return }
        self.readState = .waiting
        self.inbound = nil
        if self.request?.responseHeadSent == true {
            context.close(promise: nil)
            return
        }
        self.request?.upstream?.abort()
        let body =
            #"{"error":{"message":"Malformed HTTP request: "# + String(JSONString.quote(reason).dropFirst().dropLast())
            + #"","type":"invalid_request_error","param":null,"code":"bad_http"}}"#
        var buffer = context.channel.allocator.buffer(capacity: 256)
        HTTPWire.writeStatusLine(&buffer, minorVersion: 1, status: 400)
        buffer.writeStaticString("content-type: application/json\r\nconnection: close\r\n")
        let id = self.request?.id ?? self.loop.ids.make()
        HTTPWire.writeHeader(&buffer, "x-request-id", id)
        HTTPWire.writeHeader(&buffer, "x-portkey-trace-id", self.request?.traceID ?? id)
        HTTPWire.writeHeader(&buffer, "content-length", String(body.utf8.count))
        buffer.writeStaticString("\r\n")
        buffer.writeString(body)
        context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let upstream = self.request?.upstream, self.request?.upstreamRequestSent == true {
            upstream.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Reading waits while more than the high-water mark of the client's bytes waits here: requests pipelined
    /// behind the one being served, or an upload whose upstream connection is not ready yet.
    func holdBufferedInput() {
        var waiting = self.request?.pendingUploadBytes ?? 0
        if case .waiting = self.readState { waiting += self.inbound?.readableBytes ?? 0 }
        self.holdReading(.buffered, waiting > self.highWaterMark)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if var request = self.request {
            // The client went away: cancel the upstream request; 499 as nginx records it.
            self.loop.sweeper.remove(self)
            request.upstream?.abort()
            request.plan?.retryTimer?.cancel()
            request.status = 499
            self.request = nil
            self.record(request, complete: false)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.runtime.logger.debug("client connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            self.quiescing = true
            if self.request == nil {
                context.close(promise: nil)
            } else {
                self.request?.keepAlive = false
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: - Request lifecycle

    private func startRequest(_ head: ClientRequestHead) {
        let id = self.loop.ids.make()
        let now = NIODeadline.now()
        self.serial &+= 1
        let traceID = head.header("x-portkey-trace-id").flatMap { $0.isEmpty ? nil : $0 } ?? id
        var request = Request(
            head: head,
            id: id,
            traceID: traceID,
            start: now,
            serial: self.serial,
            mode: .buffered,
            keepAlive: head.isKeepAlive && !self.quiescing,
            lastActivity: now
        )
        self.runtime.metrics.inFlight.increment()
        request.mode = self.classify(&request)
        if let failure = self.authenticate(&request) { request.mode = .local(.error(failure)) }
        if request.mode.collectsBody, let length = head.parsed.fields.contentLength,
            length > self.runtime.config.server.maxBodyBytes
        {
            self.request = request
            self.rejectOversizedBody()
            return
        }
        self.request = request
        if head.parsed.fields.expectsContinue {
            self.context?.writeAndFlush(
                self.wrapOutboundOut(ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")),
                promise: nil
            )
        }
        if case .streamed = request.mode { self.startStreamedUpload() }
    }

    /// Decides how to serve a request from its head alone.
    private func classify(_ request: inout Request) -> BodyMode {
        let head = request.head
        let uri = head.uri
        if head.method == .GET || head.method == .HEAD {
            switch uri {
            case "/healthz": return .local(.health)
            case "/readyz": return .local(.ready)
            case "/metrics": return .local(.metrics)
            case "/": return .local(.root)
            default:
                if uri.hasPrefix("/model-configs/pricing/") {
                    let parts = Self.pathOnly(uri).dropFirst("/model-configs/pricing/".count)
                        .split(separator: "/", maxSplits: 1).map(String.init)
                    if parts.count == 2 { return .local(.pricing(provider: parts[0], model: parts[1])) }
                }
            }
        }
        if self.runtime.controlPlane != nil, ControlPlane.serves(uri: uri) {
            return .control
        }
        guard let match = Endpoint.match(uri: uri) else {
            return .local(.error(.notFound(method: head.method.rawValue, path: Self.pathOnly(uri))))
        }
        request.endpoint = match.endpoint
        request.upstreamPath = match.upstreamPath
        if match.endpoint == .models, head.method == .GET,
            !head.hasHeader("x-portkey-provider"), !head.hasHeader("x-portkey-config")
        {
            return .local(.models)
        }
        if match.endpoint.inspectsBody, head.method == .POST { return .buffered }
        if match.endpoint.inspectsBody {
            // e.g. GET /v1/responses: no body to inspect, forward as-is.
            request.endpoint = .passthrough
        }
        let isJSON = head.header("content-type")?.lowercased().hasPrefix("application/json") ?? false
        let hasBody = head.parsed.bodyFraming != .none
        return isJSON && hasBody ? .buffered : .streamed
    }

    private func receiveBody(_ buffer: ByteBuffer) {
        guard self.request != nil else { return }
        switch self.request!.mode {
        case .local:
            return
        case .streamed:
            if let upstream = self.request!.upstream, self.request!.upstreamRequestSent {
                upstream.sendBodyPart(buffer)
            } else {
                self.request!.pendingUpload.append(buffer)
                self.request!.pendingUploadBytes += buffer.readableBytes
            }
        case .buffered, .control:
            let total = (self.request!.body?.readableBytes ?? 0) + buffer.readableBytes
            if total > self.runtime.config.server.maxBodyBytes {
                self.rejectOversizedBody()
                return
            }
            // Mutated in place through the optional, so the collected buffer is never copied on append.
            if self.request!.body == nil {
                self.request!.body = buffer
            } else {
                self.request!.body!.writeImmutableBuffer(buffer)
            }
        }
    }

    private func endRequest() {
        guard self.request != nil else { return }
        self.request!.requestEnded = true
        switch self.request!.mode {
        case .local(let response):
            self.respondLocally(response)
        case .buffered:
            self.dispatchBuffered()
        case .control:
            self.dispatchControl()
        case .streamed:
            if let upstream = self.request!.upstream, self.request!.upstreamRequestSent {
                upstream.sendEnd()
            }
        }
    }

    /// Body over the limit: answer 413 at once and close, since the rest of the body will not be read.
    private func rejectOversizedBody() {
        guard self.request != nil else { return }
        self.request!.keepAlive = false
        self.request!.requestEnded = true
        self.request!.mode = .local(.error(.bodyTooLarge(limit: self.runtime.config.server.maxBodyBytes)))
        self.sendError(.bodyTooLarge(limit: self.runtime.config.server.maxBodyBytes))
    }

    /// Called when the response has been written completely (or abandoned): metrics, log, next request.
    func finishRequest(complete: Bool) {
        guard let context = self.context, self.request != nil else { return }
        // Moved out, not copied: a copy would retain and release each of its references.
        let request = self.request.take()!
        self.loop.sweeper.remove(self)
        request.plan?.retryTimer?.cancel()
        // An upload's hold ends with its exchange; buffered input is judged again below.
        self.holdReading(.peerFull, false)
        self.idleSince = .now()
        self.record(request, complete: complete)
        if !request.keepAlive || !complete || !request.requestEnded {
            context.close(promise: nil)
            return
        }
        // Serve requests the client pipelined meanwhile.
        self.readState = .head
        self.processInbound()
    }

    private func record(_ request: Request, complete: Bool) {
        self.runtime.metrics.inFlight.decrement()
        if request.accounting.countsStream { self.runtime.metrics.streamsInFlight.decrement() }
        let now = NIODeadline.now()
        let elapsed = now - request.start
        let duration = Duration.nanoseconds(elapsed.nanoseconds)
        if case .local(let response) = request.mode, !response.isError { return }
        let accounting = request.accounting
        var usage = TokenUsage()
        if let scanner = accounting.usage { usage = scanner.result(requestBytes: accounting.requestBytes) }
        var cost: Double?
        if usage.source != .unavailable, let target = request.target,
            let price = self.runtime.price(provider: target.provider, kind: target.kind, model: request.model ?? "")
        {
            cost = price.cost(of: usage)
        }
        let upstream = accounting.attemptSentAt.map { now - $0 }
        self.loop.metrics.record(
            RequestMeasurement(
                provider: request.providerLabel,
                model: request.endpoint == nil ? nil : request.model,
                endpoint: request.endpointLabel,
                status: request.status,
                duration: duration,
                firstByte: accounting.firstByteAt.map { .nanoseconds(($0 - request.start).nanoseconds) },
                overhead: upstream.map { .nanoseconds(max(0, (elapsed - $0).nanoseconds)) },
                usage: usage,
                costCents: cost
            )
        )
        if let log = self.runtime.requestLog, request.endpoint != nil {
            self.log(
                request,
                to: log,
                usage: usage,
                cost: cost,
                elapsed: elapsed,
                upstream: upstream,
                complete: complete
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
            traceID: request.traceID
        )
    }

    static func pathOnly(_ uri: String) -> String {
        uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(uri[..<$0]) } ?? uri
    }
}

extension GatewayHandler.BodyMode {
    /// Whether the body is collected before the request is served.
    var collectsBody: Bool {
        switch self {
        case .buffered, .control: true
        case .streamed, .local: false
        }
    }
}

extension GatewayHandler.LocalResponse {
    var isError: Bool {
        if case .error = self { return true }
        return false
    }
}
