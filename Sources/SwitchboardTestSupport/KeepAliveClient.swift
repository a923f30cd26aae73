import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A response as ``KeepAliveClient`` collects it: the body in one buffer, so answers of megabytes compare with
/// one `==`.
public struct CollectedResponse: Sendable {
    public var status = 0
    public var headers = HTTPHeaders()
    public var body = ByteBuffer()
    /// True when the response ended normally, false when the connection closed first.
    public var complete = false

    public func header(_ name: String) -> String? { self.headers.first(name: name) }
}

/// How a ``KeepAliveClient`` reads its responses.
public enum ReadingPolicy: Sendable {
    /// As fast as bytes arrive.
    case eager
    /// Stops reading once `afterBytes` of a response's body arrived, for `duration`, once per response.
    case pause(afterBytes: Int, for: TimeAmount)
    /// Stops reading for `duration` each time another `everyBytes` of a body arrived: a slow reader.
    case trickle(everyBytes: Int, for: TimeAmount)
    /// Reads nothing until ``KeepAliveClient/resumeReading()``: a client that stopped reading.
    case never
    /// Closes the connection once `afterBytes` of a response's body arrived: a client that hangs up mid-answer.
    case hangUp(afterBytes: Int)
}

/// An HTTP/1.1 client for flow-control tests: one keep-alive connection, requests sent one after another (or
/// pipelined), reads under the test's control (``ReadingPolicy``), and uploads written in pieces whose progress
/// can be watched (``bytesSent``).
///
/// ```swift
/// let client = try await KeepAliveClient.connect(group: group, port: port, reading: .pause(afterBytes: 1 << 20, for: .seconds(2)))
/// defer { client.close() }
/// let response = try await client.request("/v1/chat/completions", body: ByteBuffer(string: body))
/// ```
public final class KeepAliveClient: Sendable {
    private let channel: any Channel
    private let collector: NIOLoopBound<Collector>
    private let sent: NIOLockedValueBox<Int>
    public let port: Int

    private init(channel: any Channel, collector: NIOLoopBound<Collector>, sent: NIOLockedValueBox<Int>, port: Int) {
        self.channel = channel
        self.collector = collector
        self.sent = sent
        self.port = port
    }

    /// Connects to `host:port`.
    public static func connect(
        group: any EventLoopGroup,
        host: String = "127.0.0.1",
        port: Int,
        reading: ReadingPolicy = .eager
    ) async throws -> KeepAliveClient {
        let loop = group.next()
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(Collector(policy: reading))
                }
            }
            .connect(host: host, port: port).get()
        let collector = try await loop.submit {
            try NIOLoopBound(channel.pipeline.syncOperations.handler(type: Collector.self), eventLoop: loop)
        }.get()
        return KeepAliveClient(channel: channel, collector: collector, sent: NIOLockedValueBox(0), port: port)
    }

    /// Body bytes the connection has handed to the kernel so far: how far an upload got.
    public var bytesSent: Int { self.sent.withLockedValue { $0 } }

    /// Sends a request and waits for its whole response (or the connection's end).
    /// - Parameters:
    ///   - chunked: send the body with `transfer-encoding: chunked` (one chunk per 64 KiB piece).
    public func request(
        _ path: String,
        method: HTTPMethod = .POST,
        headers: [(String, String)] = [],
        body: ByteBuffer? = nil,
        chunked: Bool = false
    ) async throws -> CollectedResponse {
        try await self.send(path, method: method, headers: headers, body: body, chunked: chunked).get()
    }

    /// Sends a request (pipelined behind any unanswered ones); the future completes with its response.
    public func send(
        _ path: String,
        method: HTTPMethod = .POST,
        headers: [(String, String)] = [],
        body: ByteBuffer? = nil,
        chunked: Bool = false
    ) -> EventLoopFuture<CollectedResponse> {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "host", value: "127.0.0.1:\(self.port)")
        if body != nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            head.headers.add(name: "content-type", value: "application/json")
        }
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if chunked {
            head.headers.add(name: "transfer-encoding", value: "chunked")
        } else if let body {
            head.headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        }
        let channel = self.channel
        let collector = self.collector
        let sent = self.sent
        let requestHead = head
        return channel.eventLoop.flatSubmit {
            let promise = channel.eventLoop.makePromise(of: CollectedResponse.self)
            collector.value.expect(promise)
            channel.write(HTTPClientRequestPart.head(requestHead), promise: nil)
            if var rest = body {
                // Pieces of 64 KiB, each counted when the kernel has taken it.
                while rest.readableBytes > 0 {
                    let piece = rest.readSlice(length: min(rest.readableBytes, 64 * 1024))!
                    let count = piece.readableBytes
                    let written = channel.eventLoop.makePromise(of: Void.self)
                    written.futureResult.whenSuccess { sent.withLockedValue { $0 += count } }
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(piece)), promise: written)
                }
            }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return promise.futureResult
        }
    }

    /// Starts reading (after ``ReadingPolicy/never``): what the server sent arrives, then the connection's end.
    public func resumeReading() {
        let collector = self.collector
        self.channel.eventLoop.execute { collector.value.resume() }
    }

    public func close() {
        self.channel.close(promise: nil)
    }
}

/// Collects responses in order, reading only as the policy allows.
private final class Collector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var policy: ReadingPolicy
    private var pending: [(promise: EventLoopPromise<CollectedResponse>, response: CollectedResponse)] = []
    private var context: ChannelHandlerContext?
    private var paused = false
    private var pausedThisResponse = false
    /// Body bytes of the current response at which the next pause starts (``ReadingPolicy/trickle``).
    private var nextPauseAt = 0

    init(policy: ReadingPolicy) {
        self.policy = policy
    }

    func expect(_ promise: EventLoopPromise<CollectedResponse>) {
        self.pending.append((promise, CollectedResponse()))
    }

    func resume() {
        self.policy = .eager
        self.paused = false
        self.context?.read()
    }

    private var mayRead: Bool {
        if case .never = self.policy { return false }
        return !self.paused
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive, self.mayRead { context.read() }
    }

    func channelActive(context: ChannelHandlerContext) {
        if self.mayRead { context.read() }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.pending.isEmpty else { return }
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            if head.status.code < 200 { return }
            self.pending[0].response.status = Int(head.status.code)
            self.pending[0].response.headers = head.headers
        case .body(var buffer):
            self.pending[0].response.body.writeBuffer(&buffer)
            let received = self.pending[0].response.body.readableBytes
            switch self.policy {
            case .pause(let after, let duration) where !self.pausedThisResponse && received >= after:
                self.pausedThisResponse = true
                self.pause(for: duration, context: context)
            case .trickle(let every, let duration) where received >= self.nextPauseAt + every:
                self.nextPauseAt = received
                self.pause(for: duration, context: context)
            case .hangUp(let after) where received >= after:
                context.close(promise: nil)
            default:
                break
            }
        case .end:
            var (promise, response) = self.pending.removeFirst()
            response.complete = true
            self.pausedThisResponse = false
            self.nextPauseAt = 0
            promise.succeed(response)
        }
    }

    private func pause(for duration: TimeAmount, context: ChannelHandlerContext) {
        self.paused = true
        context.eventLoop.assumeIsolated().scheduleTask(in: duration) {
            self.paused = false
            self.context?.read()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.mayRead { context.read() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let pending = self.pending
        self.pending = []
        for (promise, response) in pending { promise.succeed(response) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
