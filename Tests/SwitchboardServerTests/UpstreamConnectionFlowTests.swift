import NIOCore
import NIOEmbedded
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The upstream connection's read gate on an `EmbeddedChannel` (no sockets): reads wait while the client is
/// full, and a connection whose response ended reads again before it goes back to the pool, whatever the
/// client's state — the stall of issue 17 was a pooled connection that never read again.
@Suite struct UpstreamConnectionFlowTests {
    /// Counts the reads that get past the handlers after it (the socket would be asked for bytes).
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0

        func read(context: ChannelHandlerContext) {
            self.reads += 1
            context.read()
        }
    }

    /// Records what the connection reports.
    final class Recorder: UpstreamResponseDelegate {
        var body = 0
        var ended = false
        var failure: (any Error)?

        func upstreamResponseHead(_ head: ResponseHead, bytes: ByteBuffer) {}
        func upstreamResponseBody(_ buffer: ByteBuffer) { self.body += buffer.readableBytes }
        func upstreamResponsePayload(_ bytes: UnsafeRawBufferPointer) {}
        func upstreamResponseEnd() { self.ended = true }
        func upstreamReadComplete() {}
        func upstreamWritabilityChanged(_ writable: Bool) {}
        func upstreamFailed(_ error: any Error) { self.failure = error }
    }

    struct Setup {
        var channel: EmbeddedChannel
        var counter: ReadCounter
        var connection: UpstreamConnection
        var pool: UpstreamPool
    }

    static func setUp() throws -> Setup {
        let channel = EmbeddedChannel()
        let pool = UpstreamPool(
            eventLoop: channel.embeddedEventLoop,
            settings: ServerSettings(),
            tls: TLSContextProvider(),
            metrics: GatewayMetrics()
        )
        let target = RouteTarget(
            provider: "mock",
            configuredIndex: nil,
            kind: .openai,
            upstream: try #require(UpstreamURL(parsing: "http://127.0.0.1:9/v1")),
            apiKey: nil
        )
        let connection = UpstreamConnection(key: UpstreamPool.Key(target), pool: pool)
        let counter = ReadCounter()
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(connection)
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 9)).wait()
        return Setup(channel: channel, counter: counter, connection: connection, pool: pool)
    }

    static let head = ByteBuffer(string: "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n\r\n")

    @Test func readsWaitWhileTheClientIsFull() throws {
        let setup = try Self.setUp()
        let delegate = Recorder()
        setup.connection.send(head: Self.head, body: nil, isHEAD: false, delegate: delegate)
        setup.connection.setPeerWritable(false)
        let before = setup.counter.reads
        setup.channel.read()
        setup.channel.read()
        #expect(setup.counter.reads == before, "a read went ahead while the client was full")
        #expect(setup.connection.isReadingHeld)
        // The client drained: exactly one waiting read goes ahead.
        setup.connection.setPeerWritable(true)
        #expect(setup.counter.reads == before + 1)
        #expect(!setup.connection.isReadingHeld)
        _ = try setup.channel.finish()
    }

    @Test func aConnectionReadsAgainWhenItsResponseEndsWhileTheClientIsFull() throws {
        let setup = try Self.setUp()
        let delegate = Recorder()
        setup.connection.send(head: Self.head, body: nil, isHEAD: false, delegate: delegate)
        try setup.channel.writeInbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234"))
        setup.connection.setPeerWritable(false)
        setup.channel.read()
        let held = setup.counter.reads
        // The rest of the body arrives in the read burst already under way; the response ends.
        try setup.channel.writeInbound(ByteBuffer(string: "56789"))
        #expect(delegate.ended)
        #expect(delegate.body == 10)
        // Pooled, and reading: an upstream closing it while idle is noticed, and its next response is read
        // even though no client of it will ever say it became writable.
        #expect(setup.counter.reads == held + 1)
        #expect(!setup.connection.isReadingHeld)
        #expect(setup.pool.takeIdle(setup.connection.key) === setup.connection)
        _ = try setup.channel.finish()
    }
}
