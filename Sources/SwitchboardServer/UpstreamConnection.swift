import NIOCore
import NIOHTTP1

/// Receives one upstream response, part by part, on the event loop that owns both connections.
protocol UpstreamResponseDelegate: AnyObject {
    func upstreamResponseHead(_ head: HTTPResponseHead)
    func upstreamResponseBody(_ buffer: ByteBuffer)
    func upstreamResponseEnd()
    /// A read burst ended: the moment to flush what was relayed.
    func upstreamReadComplete()
    /// The connection failed or closed before the response ended.
    func upstreamFailed(_ error: any Error)
}

/// One keep-alive HTTP/1.1 connection to an upstream, and the last handler of its pipeline.
///
/// It belongs to the ``UpstreamPool`` of its event loop; while a request is in flight it forwards response
/// parts to the ``UpstreamResponseDelegate`` and returns itself to the pool when the response ends.
final class UpstreamConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let key: UpstreamPool.Key
    private weak var pool: UpstreamPool?
    private var context: ChannelHandlerContext?
    /// Set while a request is in flight. Strong: the exchange lives until its response ends or fails.
    private var delegate: (any UpstreamResponseDelegate)?
    private var responseIsKeepAlive = true
    /// Whether this connection served a request before; a reused connection may have been closed by the
    /// upstream in the meantime, which makes a failure before any response byte safe to retry.
    private(set) var hasServedRequests = false
    private(set) var receivedResponseBytes = false
    private(set) var isOpen = true
    /// When the connection went idle, for the pool's idle sweep.
    var idleSince: NIODeadline = .now()

    init(key: UpstreamPool.Key, pool: UpstreamPool) {
        self.key = key
        self.pool = pool
    }

    var channel: (any Channel)? { self.context?.channel }

    // MARK: - Requests

    /// Sends a request whose body is complete: head, body and end are written and flushed once.
    func send(head: HTTPRequestHead, body: [ByteBuffer], delegate: any UpstreamResponseDelegate) {
        self.begin(delegate: delegate)
        guard let context = self.context else { return }
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        for part in body where part.readableBytes > 0 {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(part))), promise: nil)
        }
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Starts a request whose body follows with ``sendBodyPart(_:)`` and ``sendEnd()``.
    func sendHead(_ head: HTTPRequestHead, delegate: any UpstreamResponseDelegate) {
        self.begin(delegate: delegate)
        self.context?.writeAndFlush(self.wrapOutboundOut(.head(head)), promise: nil)
    }

    func sendBodyPart(_ buffer: ByteBuffer) {
        self.context?.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }

    func flush() {
        self.context?.flush()
    }

    func sendEnd() {
        self.context?.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func begin(delegate: any UpstreamResponseDelegate) {
        precondition(self.delegate == nil, "upstream connection already has a request in flight")
        self.delegate = delegate
        self.responseIsKeepAlive = true
        self.receivedResponseBytes = false
    }

    /// Stops reading while the client cannot keep up, and resumes when it can.
    func setReading(_ enabled: Bool) {
        self.context?.channel.setOption(ChannelOptions.autoRead, value: enabled).whenComplete { _ in }
        if enabled { self.context?.read() }
    }

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

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.receivedResponseBytes = true
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            // 1xx interim responses (100 Continue) are not relayed; the final head follows.
            if head.status.code < 200, head.status != .switchingProtocols { return }
            self.responseIsKeepAlive = head.isKeepAlive
            self.delegate?.upstreamResponseHead(head)
        case .body(let buffer):
            self.delegate?.upstreamResponseBody(buffer)
        case .end:
            let delegate = self.delegate
            self.delegate = nil
            self.hasServedRequests = true
            if self.responseIsKeepAlive, self.isOpen, let pool = self.pool {
                pool.release(self)
            } else {
                self.close()
            }
            delegate?.upstreamResponseEnd()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.delegate?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isOpen = false
        self.pool?.remove(self)
        if let delegate = self.delegate {
            self.delegate = nil
            delegate.upstreamFailed(UpstreamError.connectionClosed)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let delegate = self.delegate {
            self.delegate = nil
            delegate.upstreamFailed(error)
        }
        self.close()
    }
}

/// Why an upstream exchange failed, as far as the gateway is concerned.
enum UpstreamError: Error, CustomStringConvertible {
    case connectionClosed
    case responseTimeout
    case idleTimeout

    var description: String {
        switch self {
        case .connectionClosed: "the connection was closed before the response ended"
        case .responseTimeout: "no response in time"
        case .idleTimeout: "the response stalled"
        }
    }
}
