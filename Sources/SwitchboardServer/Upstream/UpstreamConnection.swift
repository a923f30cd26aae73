import NIOCore
import SwitchboardCore

/// Receives one upstream response on the event loop that owns both connections.
protocol UpstreamResponseDelegate: AnyObject {
    /// The response head; `bytes` is the head as received (status line, header lines, blank line), so header
    /// lines can be copied through by their ``HeaderSpan``s.
    func upstreamResponseHead(_ head: ResponseHead, bytes: ByteBuffer)
    /// Body bytes as received (chunk framing included), or only the payload when ``UpstreamConnection/
    /// forwardsPayloadOnly`` is set.
    func upstreamResponseBody(_ buffer: ByteBuffer)
    /// Each piece of the body's payload (chunk framing excluded), before it is relayed: what usage is read from.
    func upstreamResponsePayload(_ bytes: UnsafeRawBufferPointer)
    func upstreamResponseEnd()
    /// A read burst ended: the moment to flush what was relayed.
    func upstreamReadComplete()
    /// The upstream stopped (or resumed) taking request bytes as fast as they are written.
    func upstreamWritabilityChanged(_ writable: Bool)
    /// The connection failed or closed before the response ended.
    func upstreamFailed(_ error: any Error)
}

/// One keep-alive HTTP/1.1 connection to an upstream, and the last handler of its pipeline (after TLS, if
/// any). There is no HTTP codec: the request is written as composed bytes and the response is followed with
/// ``ResponseHeadParser`` and ``BodyFramer`` only to find where it ends, while its bytes are relayed as read.
///
/// Reads pass through a ``ReadGate``: while the client the response goes to has more than its high-water mark
/// queued, the next read waits, so a fast upstream never fills the gateway's memory with a slow client's answer.
/// The gate opens whenever the connection is between requests (pooled connections always read, so an upstream
/// closing an idle connection is noticed).
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Longest response head accepted.
    static let maxHeadBytes = 64 * 1024

    private enum ReadState {
        case idle
        /// Waiting for a complete head; holds what arrived so far.
        case head(ByteBuffer?)
        case body(BodyFramer)
    }

    let key: UpstreamPool.Key
    private weak var pool: UpstreamPool?
    private var context: ChannelHandlerContext?
    /// Set while a request is in flight. Strong: the exchange lives until its response ends or fails.
    private var delegate: (any UpstreamResponseDelegate)?
    private var readState = ReadState.idle
    private var requestWasHEAD = false
    /// Holds reads back while the client cannot take more.
    private var readGate = ReadGate()
    private var responseIsKeepAlive = true
    /// Whether the body the client gets is unframed payload (an HTTP/1.0 client of a chunked response).
    var forwardsPayloadOnly = false
    /// Whether this connection served a request before; a reused connection may have been closed by the
    /// upstream meanwhile, which makes a failure before any response byte safe to retry.
    private(set) var hasServedRequests = false
    private(set) var receivedResponseBytes = false
    private(set) var isOpen = true
    /// When the connection went idle, for the pool's idle sweep.
    var idleSince: NIODeadline = .now()

    init(key: UpstreamPool.Key, pool: UpstreamPool) {
        self.key = key
        self.pool = pool
    }

    // MARK: - Requests

    /// Sends a request whose body is complete: head and body in one write and one flush.
    func send(head: ByteBuffer, body: ByteBuffer?, isHEAD: Bool, delegate: any UpstreamResponseDelegate) {
        self.begin(delegate: delegate, isHEAD: isHEAD)
        guard let context = self.context else { return }
        if let body, body.readableBytes > 0 {
            context.write(self.wrapOutboundOut(head), promise: nil)
            context.writeAndFlush(self.wrapOutboundOut(body), promise: nil)
        } else {
            context.writeAndFlush(self.wrapOutboundOut(head), promise: nil)
        }
    }

    /// Starts a request whose body follows with ``sendBodyPart(_:)`` and ``sendEnd()``: the client's body
    /// bytes exactly as received, chunk framing included when the head says `transfer-encoding: chunked`.
    func sendHead(_ head: ByteBuffer, isHEAD: Bool, delegate: any UpstreamResponseDelegate) {
        self.begin(delegate: delegate, isHEAD: isHEAD)
        self.context?.writeAndFlush(self.wrapOutboundOut(head), promise: nil)
    }

    func sendBodyPart(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        self.context?.write(self.wrapOutboundOut(buffer), promise: nil)
    }

    func flush() {
        self.context?.flush()
    }

    func sendEnd() {
        self.context?.flush()
    }

    private func begin(delegate: any UpstreamResponseDelegate, isHEAD: Bool) {
        precondition(self.delegate == nil, "upstream connection already has a request in flight")
        self.delegate = delegate
        self.readState = .head(nil)
        self.requestWasHEAD = isHEAD
        self.responseIsKeepAlive = true
        self.receivedResponseBytes = false
        self.forwardsPayloadOnly = false
    }

    /// Where the gateway may end a relayed body with bytes of its own (an SSE error event).
    enum AppendPoint {
        /// Between two chunks of a chunked body: a chunk and the last-chunk may follow.
        case chunkBoundary
        /// The client's body has no framing (it ends with the connection): bytes may follow as they are.
        case unframed
        /// Mid-chunk or length-delimited: nothing can be added.
        case none
    }

    var appendPoint: AppendPoint {
        guard case .body(let framer) = self.readState else { return .none }
        if self.forwardsPayloadOnly || framer.isUntilClose { return .unframed }
        return framer.isAtChunkStart ? .chunkBoundary : .none
    }

    /// Follows the writability of the connection the response is relayed to: reading waits while it is full.
    func setPeerWritable(_ writable: Bool) {
        if self.readGate.set(.peerFull, holding: !writable) { self.context?.read() }
    }

    /// Whether reading waits for the client to take what was relayed.
    var isReadingHeld: Bool { !self.readGate.isOpen }

    /// Abandons the request in flight (client gone, timeout): the connection is closed, never reused.
    func abort() {
        self.delegate = nil
        self.close()
    }

    func close() {
        guard self.isOpen else { return }
        self.isOpen = false
        self.context?.close(promise: nil)
    }

    // MARK: - ChannelInboundHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func read(context: ChannelHandlerContext) {
        if self.readGate.read() { context.read() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        self.receivedResponseBytes = true
        do {
            while buffer.readableBytes > 0, self.delegate != nil {
                switch self.readState {
                case .idle:
                    throw HTTPFramingError("data arrived with no request in flight")
                case .head(let pending):
                    guard try self.readHead(&buffer, pending: pending) else { return }
                case .body(var framer):
                    let forwardPayload = self.forwardsPayloadOnly
                    var payload: [Range<Int>] = []
                    let delegate = self.delegate
                    let used = try buffer.withUnsafeReadableBytes { bytes throws(HTTPFramingError) in
                        try framer.consume(bytes) { range in
                            delegate?.upstreamResponsePayload(UnsafeRawBufferPointer(rebasing: bytes[range]))
                            if forwardPayload { payload.append(range) }
                        }
                    }
                    let raw = buffer.readSlice(length: used)!
                    self.readState = .body(framer)
                    if forwardPayload {
                        for range in payload {
                            self.delegate?.upstreamResponseBody(
                                raw.getSlice(at: raw.readerIndex + range.lowerBound, length: range.count)!
                            )
                        }
                    } else if used > 0 {
                        self.delegate?.upstreamResponseBody(raw)
                    }
                    if framer.isComplete { self.finishResponse(reusable: buffer.readableBytes == 0) }
                }
            }
        } catch {
            self.fail(error)
        }
    }

    /// Collects and parses the head; returns false when more bytes are needed.
    private func readHead(_ buffer: inout ByteBuffer, pending: ByteBuffer?) throws -> Bool {
        var bytes: ByteBuffer
        if var pending {
            pending.writeBuffer(&buffer)
            bytes = pending
        } else {
            bytes = buffer
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        guard let length = bytes.withUnsafeReadableBytes({ HTTPHead.length($0) }) else {
            guard bytes.readableBytes <= Self.maxHeadBytes else { throw HTTPFramingError("response head too large") }
            self.readState = .head(bytes)
            return false
        }
        let headBytes = bytes.readSlice(length: length)!
        let head = try headBytes.withUnsafeReadableBytes { raw throws(HTTPFramingError) in
            try ResponseHeadParser.parse(raw)
        }
        // What follows the head belongs to the body.
        buffer = bytes
        if head.status < 200, head.status != 101 {
            // Interim responses (100 Continue) are not relayed; the final head follows.
            self.readState = .head(nil)
            return true
        }
        self.responseIsKeepAlive = head.isKeepAlive
        let framing = head.framing(requestWasHEAD: self.requestWasHEAD)
        if framing == .untilClose { self.responseIsKeepAlive = false }
        self.readState = .body(BodyFramer(framing))
        self.delegate?.upstreamResponseHead(head, bytes: headBytes)
        if framing == .none { self.finishResponse(reusable: buffer.readableBytes == 0) }
        return true
    }

    private func finishResponse(reusable: Bool) {
        let delegate = self.delegate
        self.delegate = nil
        self.readState = .idle
        self.hasServedRequests = true
        // Read in full: whatever the client still has to take is no longer this connection's concern.
        if self.readGate.reset() { self.context?.read() }
        if self.responseIsKeepAlive, reusable, self.isOpen, let pool = self.pool {
            pool.release(self)
        } else {
            self.close()
        }
        delegate?.upstreamResponseEnd()
    }

    private func fail(_ error: any Error) {
        if let delegate = self.delegate {
            self.delegate = nil
            delegate.upstreamFailed(error)
        }
        self.close()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.delegate?.upstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.delegate?.upstreamWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isOpen = false
        self.pool?.remove(self)
        if let delegate = self.delegate {
            self.delegate = nil
            if case .body(let framer) = self.readState, !framer.isComplete, !self.responseIsKeepAlive,
                framer.isUntilClose
            {
                // A close-delimited body ends with the connection.
                delegate.upstreamResponseEnd()
            } else {
                delegate.upstreamFailed(UpstreamError.connectionClosed)
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(error)
    }
}

/// Why an upstream exchange failed, as far as the gateway is concerned.
enum UpstreamError: Error, CustomStringConvertible {
    case connectionClosed

    var description: String {
        switch self {
        case .connectionClosed: "the connection was closed before the response ended"
        }
    }
}
