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

    let runtime: GatewayRuntime
    let loop: LoopContext
    var context: ChannelHandlerContext?
    var request: GatewayRequest?
    /// Bytes received and not yet parsed (a partial head, or requests pipelined behind the current one).
    private var inbound: ByteBuffer?
    var readState = ReadState.head
    /// Set while ``processInbound()`` runs, so a response finished synchronously does not re-enter it.
    private var processing = false

    enum ReadState {
        case head
        case body(BodyFramer)
        /// The request is read; the rest of the input waits until its response is done.
        case waiting
    }

    /// Longest request head accepted.
    static let maxHeadBytes = 64 * 1024
    var quiescing = false
    var serial: UInt64 = 0
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
    /// When the first bytes of a request head not yet complete arrived; `nil` between heads.
    var headStartedAt: NIODeadline?
    let headReadTimeout: TimeAmount
    /// Most bytes of the client's kept here (an upload before its upstream is ready, pipelined requests).
    let highWaterMark: Int
    /// The response and idle timeouts and retry timing every request's ``Exchange`` runs with.
    let exchangeTiming: Exchange.Timing

    init(runtime: GatewayRuntime, loop: LoopContext) {
        self.runtime = runtime
        self.loop = loop
        self.idleTimeout = .milliseconds(Int64(runtime.config.server.idleTimeoutMs))
        self.keepAliveTimeout = .milliseconds(Int64(runtime.config.server.keepAliveTimeoutMs))
        self.headReadTimeout = .milliseconds(Int64(runtime.config.server.headReadTimeoutMs))
        self.highWaterMark = runtime.config.server.highWaterMark
        self.exchangeTiming = Exchange.Timing(
            responseTimeoutMs: runtime.config.server.responseTimeoutMs,
            idleTimeoutNs: UInt64(runtime.config.server.idleTimeoutMs) * 1_000_000,
            retry: runtime.config.routing.retry
        )
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
    func processInbound() {
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
                    if self.headStartedAt == nil { self.headStartedAt = .now() }
                    return
                }
                self.headStartedAt = nil
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
        self.reject(status: 400, code: "bad_http", message: "Malformed HTTP request: \(reason)")
    }

    /// Answers `status` with an error naming `code` if no response has started, then closes the connection.
    func reject(status: Int, code: String, message: String) {
        guard let context = self.context else { return }
        self.readState = .waiting
        self.inbound = nil
        if self.request?.exchange.isCommitted == true {
            context.close(promise: nil)
            return
        }
        self.request?.upstream?.abort()
        let body =
            #"{"error":{"message":"# + JSONString.quote(message)
            + #","type":"invalid_request_error","param":null,"code":"#
            + JSONString.quote(code) + "}}"
        var buffer = context.channel.allocator.buffer(capacity: 256)
        HTTPWire.writeStatusLine(&buffer, minorVersion: 1, status: status)
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
        self.request?.upstream?.flush()
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
        if let request = self.request {
            // The client went away: cancel the upstream request; 499 as nginx records it.
            self.loop.sweeper.remove(self)
            request.upstream?.abort()
            request.retryTimer?.cancel()
            request.exchange.clientLeft()
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
}
