import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A response as a test sees it: status, headers, body, and when each body chunk arrived.
public struct TestResponse: Sendable {
    public var status: Int = 0
    public var headers = HTTPHeaders()
    public var chunks: [(at: NIODeadline, bytes: [UInt8])] = []
    /// When the response head arrived.
    public var headAt: NIODeadline?
    /// True when the response ended normally, false when the connection closed first.
    public var complete = false

    public var body: [UInt8] { self.chunks.flatMap(\.bytes) }
    public var text: String { String(decoding: self.body, as: UTF8.self) }

    public func header(_ name: String) -> String? { self.headers.first(name: name) }

    /// The body parsed as a JSON object (empty when it is not one).
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any] ?? [:]
    }

    /// The body parsed as JSON of any kind (an array, say); `nil` when it is not JSON.
    public var jsonArray: [Any]? {
        (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [Any]
    }

    /// The `data:` payloads of an SSE body, in order (lines may end in CRLF, as Gemini's do).
    public var sseData: [String] {
        // Split on bytes: in a String, CRLF is one character and would not split on LF.
        self.body.split(separator: UInt8(ascii: "\n")).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...], as: UTF8.self)
        }.filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }
}

/// A minimal HTTP/1.1 client on raw NIO for tests: it records chunk arrival times, can hang up mid-response,
/// and can send arbitrary bytes, which a higher-level client would not allow.
public final class TestHTTPClient: Sendable {
    private let group: any EventLoopGroup
    public let host: String
    public let port: Int

    public init(group: any EventLoopGroup, host: String = "127.0.0.1", port: Int) {
        self.group = group
        self.host = host
        self.port = port
    }

    /// Sends one request on a new connection and collects the response.
    /// - Parameters:
    ///   - closeAfterChunks: hang up after this many body chunks (to test client disconnects).
    public func request(
        _ path: String,
        method: HTTPMethod = .POST,
        headers: [(String, String)] = [],
        body: String? = nil,
        closeAfterChunks: Int? = nil
    ) async throws -> TestResponse {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "host", value: "\(self.host):\(self.port)")
        if body != nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            head.headers.add(name: "content-type", value: "application/json")
        }
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body { head.headers.replaceOrAdd(name: "content-length", value: String(body.utf8.count)) }
        head.headers.add(name: "connection", value: "close")
        let loop = self.group.next()
        let promise = loop.makePromise(of: TestResponse.self)
        let collector = ResponseCollector(closeAfterChunks: closeAfterChunks, promise: promise)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(collector)
                    }
                }
                .connect(host: self.host, port: self.port).get()
        } catch {
            promise.fail(error)
            throw error
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil)
        }
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil))
        return try await promise.futureResult.get()
    }

    /// Sends raw bytes and returns everything the server sends back until it closes (or `timeout`). The bytes
    /// are written as soon as the connection is up, on its event loop, so no test task's scheduling delays them.
    public func raw(_ bytes: String, timeout: TimeAmount = .seconds(5)) async throws -> String {
        let loop = self.group.next()
        let promise = loop.makePromise(of: String.self)
        let collector = RawCollector(promise: promise, send: ByteBuffer(string: bytes), timeout: timeout)
        do {
            _ = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
                }
                .connect(host: self.host, port: self.port).get()
        } catch {
            promise.fail(error)
            throw error
        }
        return try await promise.futureResult.get()
    }
}

private final class ResponseCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart

    private let state = NIOLockedValueBox(TestResponse())
    private let closeAfterChunks: Int?
    private let promiseBox: NIOLockedValueBox<EventLoopPromise<TestResponse>?>

    init(closeAfterChunks: Int?, promise: EventLoopPromise<TestResponse>) {
        self.closeAfterChunks = closeAfterChunks
        self.promiseBox = NIOLockedValueBox(promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.finish()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            if head.status.code < 200 { return }
            self.state.withLockedValue {
                $0.status = Int(head.status.code)
                $0.headers = head.headers
                $0.headAt = .now()
            }
        case .body(let buffer):
            let count = self.state.withLockedValue { state -> Int in
                state.chunks.append((at: .now(), bytes: Array(buffer.readableBytesView)))
                return state.chunks.count
            }
            if let limit = self.closeAfterChunks, count >= limit {
                context.close(promise: nil)
            }
        case .end:
            self.state.withLockedValue { $0.complete = true }
            self.finish()
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func finish() {
        let response = self.state.withLockedValue { $0 }
        let promise = self.promiseBox.withLockedValue { promise in
            defer { promise = nil }
            return promise
        }
        promise?.succeed(response)
    }
}

private final class RawCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let text = NIOLockedValueBox("")
    private let promiseBox: NIOLockedValueBox<EventLoopPromise<String>?>
    private let send: ByteBuffer
    private let timeout: TimeAmount

    init(promise: EventLoopPromise<String>, send: ByteBuffer, timeout: TimeAmount) {
        self.promiseBox = NIOLockedValueBox(promise)
        self.send = send
        self.timeout = timeout
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(self.send), promise: nil)
        let channel = context.channel
        let closer = context.eventLoop.scheduleTask(in: self.timeout) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in closer.cancel() }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.channelInactive(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        self.text.withLockedValue { $0 += String(buffer: buffer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let text = self.text.withLockedValue { $0 }
        self.promiseBox.withLockedValue { promise in
            promise?.succeed(text)
            promise = nil
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
