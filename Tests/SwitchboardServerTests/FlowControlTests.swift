import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// Flow control between client and upstream, at the sizes that used to stall (issue 17): answers of 64 KB, 1 MB
/// and 16 MB, JSON and SSE, through one keep-alive connection and through many clients at once, every byte
/// compared with what the upstream sent; readers that pause, trickle or stop; uploads to an upstream that reads
/// slowly or not at all; requests pipelined behind a slow one.
@Suite struct FlowControlTests {
    /// One answer shape and size: `tokens` completion tokens make about `label` of body.
    struct Answer: Sendable, CustomTestStringConvertible {
        var label: String
        var tokens: Int
        var stream: Bool
        /// The client asks for usage itself: the stream is relayed natively (no filter) rather than filtered.
        var clientAsksUsage = false

        var testDescription: String {
            "\(self.label) \(self.stream ? (self.clientAsksUsage ? "SSE native" : "SSE filtered") : "JSON")"
        }

        /// The body the client sends, for `model` (`mock/mock-1` through the gateway, `mock-1` to the mock).
        func body(model: String) -> String {
            let usage = self.clientAsksUsage ? #","stream_options":{"include_usage":true}"# : ""
            return #"{"model":"\#(model);tokens=\#(self.tokens)","stream":\#(self.stream)\#(usage),"#
                + #""messages":[{"role":"user","content":"Tell me everything."}]}"#
        }
    }

    // Event sizes: ~186 bytes per SSE token, ~5.5 per JSON token.
    static let json64K = Answer(label: "64 KB", tokens: 12_000, stream: false)
    static let json1M = Answer(label: "1 MB", tokens: 190_000, stream: false)
    static let json16M = Answer(label: "16 MB", tokens: 3_050_000, stream: false)
    static let sse64K = Answer(label: "64 KB", tokens: 360, stream: true)
    static let sse1M = Answer(label: "1 MB", tokens: 5_700, stream: true)
    static let sse16M = Answer(label: "16 MB", tokens: 90_000, stream: true)
    static let native1M = Answer(label: "1 MB", tokens: 5_700, stream: true, clientAsksUsage: true)
    static let all = [json64K, json1M, json16M, sse64K, sse1M, sse16M, native1M]

    static let path = "/v1/chat/completions"
    static let chat = #"{"model":"mock/mock-1","messages":[{"role":"user","content":"Hello"}]}"#

    /// What the mock itself answers to the request the gateway sends upstream: the bytes the client must get.
    /// (A filtered stream's usage chunk is the only difference, and the mock sends none when not asked.)
    static func expected(_ answer: Answer, _ fixture: GatewayFixture) async throws -> ByteBuffer {
        let direct = try await KeepAliveClient.connect(group: fixture.group, port: fixture.mockClient.port)
        defer { direct.close() }
        let response = try await direct.request(Self.path, body: ByteBuffer(string: answer.body(model: "mock-1")))
        #expect(response.status == 200)
        return response.body
    }

    static func request(_ answer: Answer) -> ByteBuffer { ByteBuffer(string: answer.body(model: "mock/mock-1")) }

    /// Waits until `/metrics` shows no request and no stream in flight (they return to idle after every test).
    static func expectIdle(_ fixture: GatewayFixture, within limit: Duration = .seconds(10)) async throws {
        var metrics = ""
        for _ in 0..<Int(limit / .milliseconds(50)) {
            metrics = try await fixture.client.request("/metrics", method: .GET).text
            // The scrape itself is in flight while it is served.
            if AccountingTests.metric(metrics, "switchboard_requests_in_flight") == 1,
                AccountingTests.metric(metrics, "switchboard_streams_in_flight") == 0
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("requests still in flight:\n\(metrics.split(separator: "\n").filter { $0.contains("in_flight") })")
    }

    /// Polls `condition` for up to ten seconds.
    static func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<200 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("never happened: \(what)")
    }

    // MARK: - Sizes

    @Test(arguments: all)
    func fiftyAnswersThroughOneKeepAliveConnection(answer: Answer) async throws {
        try await GatewayFixture.with { fixture in
            let expected = try await Self.expected(answer, fixture)
            let client = try await KeepAliveClient.connect(group: fixture.group, port: fixture.client.port)
            defer { client.close() }
            for index in 0..<50 {
                let response = try await client.request(Self.path, body: Self.request(answer))
                #expect(response.status == 200, "request \(index)")
                #expect(response.complete, "request \(index)")
                #expect(response.body.readableBytes == expected.readableBytes, "request \(index)")
                guard response.body == expected else {
                    Issue.record("request \(index): the body differs from the upstream's")
                    return
                }
            }
            // One upstream connection served them all, each read to its end before the next.
            #expect(fixture.mock.recorder.connectionsOpened <= 2)
            try await Self.expectIdle(fixture)
        }
    }

    @Test(arguments: all)
    func answersToManyClientsAtOnce(answer: Answer) async throws {
        // Hundreds of clients for the small answers; 50 at a time for the large ones.
        let clients = answer.label == "64 KB" ? 256 : 50
        try await GatewayFixture.with { fixture in
            let expected = try await Self.expected(answer, fixture)
            // One answer first, so the mock renders it once (in a debug build, 50 renders of a 16 MB stream at
            // once hold the event loops the gateway shares with it in this process for seconds).
            let warm = try await KeepAliveClient.connect(group: fixture.group, port: fixture.client.port)
            _ = try await warm.request(Self.path, body: Self.request(answer))
            warm.close()
            let wrong = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        let client = try await KeepAliveClient.connect(group: fixture.group, port: fixture.client.port)
                        defer { client.close() }
                        let response = try await client.request(Self.path, body: Self.request(answer))
                        if response.status == 200, response.complete, response.body == expected { return nil }
                        return "status \(response.status), complete \(response.complete), "
                            + "\(response.body.readableBytes) of \(expected.readableBytes) bytes: "
                            + String(buffer: response.body).prefix(300)
                    }
                }
                return try await group.compactMap { $0 }.reduce(into: []) { $0.append($1) }
            }
            if !wrong.isEmpty {
                Issue.record("\(wrong.count) of \(clients) answers were not the upstream's bytes: \(wrong.prefix(3))")
            }
            try await Self.expectIdle(fixture)
        }
    }

    // MARK: - Readers

    /// A client that stops reading for two seconds a megabyte into a 16 MB answer gets all of it, in order.
    @Test(arguments: [json16M, sse16M])
    func readerThatPausesGetsEverything(answer: Answer) async throws {
        try await GatewayFixture.with { fixture in
            let expected = try await Self.expected(answer, fixture)
            let client = try await KeepAliveClient.connect(
                group: fixture.group,
                port: fixture.client.port,
                reading: .pause(afterBytes: 1 << 20, for: .seconds(2))
            )
            defer { client.close() }
            for _ in 0..<2 {
                let response = try await client.request(Self.path, body: Self.request(answer))
                #expect(response.complete)
                #expect(response.body == expected)
            }
            try await Self.expectIdle(fixture)
        }
    }

    /// Two hundred clients hang up at as many points of large answers (the last bytes of the body included,
    /// while the gateway flushes them): every exchange ends cleanly and the gateway serves on.
    @Test func clientsThatHangUpMidAnswer() async throws {
        try await GatewayFixture.with { fixture in
            let answers = [Self.json64K, Self.sse64K, Self.json1M, Self.sse1M]
            var sizes: [Int] = []
            for answer in answers { sizes.append(try await Self.expected(answer, fixture).readableBytes) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    let which = index % answers.count
                    // Spread over the body, with a tenth of the clients leaving in its last kilobyte.
                    let size = sizes[which]
                    let point = index % 10 == 0 ? size - 1 - index % 1_000 : (index * 7_919) % size
                    group.addTask {
                        let client = try await KeepAliveClient.connect(
                            group: fixture.group,
                            port: fixture.client.port,
                            reading: .hangUp(afterBytes: max(1, point))
                        )
                        defer { client.close() }
                        _ = try await client.request(Self.path, body: Self.request(answers[which]))
                    }
                }
                try await group.waitForAll()
            }
            try await Self.expectIdle(fixture)
            let next = try await fixture.client.request(Self.path, body: Self.chat)
            #expect(next.status == 200)
            #expect(next.complete)
        }
    }

    static let shortIdle = GatewayFixture.mockOnly + "\nserver: {timeouts: {idle_ms: 1000}}\n"

    /// A reader slower than the idle timeout in total, but never silent that long, is not cut: taking bytes
    /// counts as progress. (16 pauses of 400 ms take 6.4 s against a 5 s idle timeout: on a loaded CI machine this
    /// test took 28 s, and a 1 s timeout cut it.)
    @Test func slowReaderIsNotCutByTheIdleTimeout() async throws {
        let idle = GatewayFixture.mockOnly + "\nserver: {timeouts: {idle_ms: 5000}}\n"
        try await GatewayFixture.with(yaml: idle) { fixture in
            let expected = try await Self.expected(Self.json16M, fixture)
            let client = try await KeepAliveClient.connect(
                group: fixture.group,
                port: fixture.client.port,
                reading: .trickle(everyBytes: 1 << 20, for: .milliseconds(400))
            )
            defer { client.close() }
            let response = try await client.request(Self.path, body: Self.request(Self.json16M))
            #expect(response.complete)
            #expect(response.body == expected)
            try await Self.expectIdle(fixture)
        }
    }

    /// A client that never reads a 66 MB answer: the gateway reads from the upstream only what the client's
    /// socket buffers take, cuts the client after the idle timeout, closes the upstream connection (never pools
    /// it half-read), logs the request as incomplete with the bytes relayed, and serves the next request.
    @Test(arguments: [false, true])
    func clientThatNeverReadsIsCutAndLogged(stream: Bool) async throws {
        let answer = Answer(label: "66 MB", tokens: stream ? 350_000 : 12_000_000, stream: stream)
        let location = try await TestStores.location(.sqlite, group: MultiThreadedEventLoopGroup.singleton)
        try await GatewayFixture.with(yaml: Self.shortIdle, store: location) { fixture in
            let client = try await KeepAliveClient.connect(
                group: fixture.group,
                port: fixture.client.port,
                reading: .never
            )
            defer { client.close() }
            let pending = client.send(Self.path, body: Self.request(answer))
            // Idle only means something once the request reached the upstream; a debug-built mock on a busy
            // machine takes tens of seconds to write 66 MB, so the wait for idleness is long.
            try await Self.eventually("the upstream is called") { fixture.mock.recorder.requestCount == 1 }
            try await Self.expectIdle(fixture, within: .seconds(180))
            // The upstream connection was closed, not returned to the pool.
            try await Self.eventually("the upstream connection closes") {
                fixture.mock.recorder.connectionsActive == 0
            }
            client.resumeReading()
            let response = try await pending.get()
            #expect(response.status == 200)
            #expect(!response.complete)
            let id = try #require(response.header("x-request-id"))
            var logged: RequestLogRecord?
            try await Self.eventually("the request is logged") {
                logged = try await fixture.store!.requestLog(id: id)
                return logged != nil
            }
            let record = try #require(logged)
            #expect(!record.complete)
            #expect(record.status == 200)
            // What was relayed: what the client's socket buffers took, bounded by them and the high-water mark,
            // not by the 66 MB answer.
            #expect(record.responseBytes >= response.body.readableBytes)
            #expect(record.responseBytes > 0)
            #expect(
                record.responseBytes < 24 << 20,
                "\(record.responseBytes) bytes relayed to a client that never read"
            )
            // The next request is served, on a new upstream connection.
            let opened = fixture.mock.recorder.connectionsOpened
            let next = try await fixture.client.request(Self.path, body: Self.sse64K.body(model: "mock/mock-1"))
            #expect(next.status == 200)
            #expect(next.complete)
            #expect(fixture.mock.recorder.connectionsOpened == opened + 1)
            try await Self.expectIdle(fixture)
        }
    }

    // MARK: - Keep-alive

    /// A connection with no request in flight is closed after the keep-alive timeout (one that never sends a
    /// complete head too); one whose request takes longer than that is not.
    @Test func idleConnectionsAreClosedAfterTheKeepAliveTimeout() async throws {
        let yaml = GatewayFixture.mockOnly + "\nserver: {timeouts: {keepalive_ms: 1000}}\n"
        try await GatewayFixture.with(yaml: yaml) { fixture in
            let started = ContinuousClock.now
            // Half a head, then nothing: the gateway closes before the client's own 20 s limit.
            let answer = try await fixture.client.raw(
                "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n",
                timeout: .seconds(20)
            )
            #expect(answer.isEmpty)
            #expect(ContinuousClock.now - started < .seconds(15), "the idle connection was not closed by the gateway")
            // A request slower than the keep-alive timeout is answered, and the one pipelined behind it too.
            func request(_ model: String, close: Bool) -> String {
                let body = #"{"model":"\#(model)","messages":[]}"#
                return "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                    + "content-length: \(body.utf8.count)\r\n\(close ? "connection: close\r\n" : "")\r\n\(body)"
            }
            let both = try await fixture.client.raw(
                request("mock/mock-1;header_delay_ms=2500", close: false) + request("mock/mock-1", close: true),
                timeout: .seconds(20)
            )
            #expect(both.components(separatedBy: "HTTP/1.1 200 OK").count == 3, "\(both.prefix(300))")
        }
    }

    /// A client that starts a request head and does not finish it (slowloris) is answered 408 and closed after
    /// the head-read timeout, well before the keep-alive timeout, and counted in `/metrics`.
    @Test func anUnfinishedRequestHeadIsCutAfterTheHeadTimeout() async throws {
        let yaml = GatewayFixture.mockOnly + "\nserver: {timeouts: {keepalive_ms: 60000, head_ms: 1000}}\n"
        try await GatewayFixture.with(yaml: yaml) { fixture in
            let started = ContinuousClock.now
            let answer = try await fixture.client.raw(
                "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-ty",
                timeout: .seconds(20)
            )
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(200))")
            #expect(answer.contains("request_head_timeout"))
            #expect(ContinuousClock.now - started < .seconds(5), "cut by the head timeout, not the keep-alive one")
            let metrics = try await fixture.client.request("/metrics", method: .GET).text
            #expect(metrics.contains("switchboard_client_head_timeouts_total 1"))
            // A whole request on a fresh connection is not affected.
            let ok = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"mock/mock-1","messages":[]}"#
            )
            #expect(ok.status == 200)
        }
    }

    // MARK: - Uploads

    /// 16 MB of pass-through upload, with a length and chunked, to an upstream that waits before each read:
    /// every byte arrives, in order.
    @Test(arguments: [false, true])
    func uploadToASlowUpstreamArrivesWhole(chunked: Bool) async throws {
        try await GatewayFixture.with { fixture in
            let upload = Self.uploadBody(16 << 20)
            let client = try await KeepAliveClient.connect(group: fixture.group, port: fixture.client.port)
            defer { client.close() }
            let response = try await client.request(
                "/v1/files",
                headers: [("content-type", "application/octet-stream"), ("x-mock-read-delay-ms", "2")],
                body: upload,
                chunked: chunked
            )
            #expect(response.status == 200)
            try Self.expectEcho(of: upload, in: response)
            try await Self.expectIdle(fixture)
        }
    }

    /// While the upstream reads nothing, the client is not read either: of a 64 MB upload, only what the
    /// sockets' buffers hold leaves the client until the upstream reads again; then all of it arrives.
    @Test func uploadIsHeldBackWhileTheUpstreamDoesNotRead() async throws {
        try await GatewayFixture.with { fixture in
            let upload = Self.uploadBody(64 << 20)
            let client = try await KeepAliveClient.connect(group: fixture.group, port: fixture.client.port)
            defer { client.close() }
            let pending = client.send(
                "/v1/files",
                headers: [("content-type", "application/octet-stream"), ("x-mock-read-pause-ms", "3000")],
                body: upload
            )
            // Wait for the upload to stop moving (the buffers are full), well inside the upstream's pause.
            var last = -1
            try await Self.eventually("the upload stops moving") {
                try await Task.sleep(for: .milliseconds(250))
                defer { last = client.bytesSent }
                return client.bytesSent == last && last > 0
            }
            #expect(
                client.bytesSent < 32 << 20,
                "\(client.bytesSent) bytes left the client while the upstream read nothing"
            )
            let response = try await pending.get()
            #expect(response.status == 200)
            try Self.expectEcho(of: upload, in: response)
            try await Self.expectIdle(fixture)
        }
    }

    /// The mock's echo of a pass-through body says it received every byte of `upload`, in order.
    static func expectEcho(of upload: ByteBuffer, in response: CollectedResponse) throws {
        let echo = try #require(
            try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        )
        #expect(echo["body_bytes"] as? Int == upload.readableBytes)
        #expect(echo["body_checksum"] as? String == MockChecksum.hex(upload.readableBytesView))
    }

    /// Bytes in which every 64 KiB block differs (pseudo-random, stamped with its index), so a lost, doubled or
    /// reordered piece changes the checksum; made with block copies, fast even in a debug build.
    static func uploadBody(_ size: Int) -> ByteBuffer {
        var block = ByteBuffer()
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        for _ in 0..<(64 * 1024 / 8) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            block.writeInteger(state, endianness: .little)
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        var index: UInt64 = 0
        while buffer.readableBytes < size {
            block.setInteger(index, at: 0)
            buffer.writeImmutableBuffer(
                block.getSlice(at: 0, length: min(block.readableBytes, size - buffer.readableBytes))!
            )
            index += 1
        }
        return buffer
    }

    // MARK: - Pipelining

    /// A thousand requests pipelined behind a slow one (more than the high-water mark of them): reading the
    /// client pauses and resumes, and every one is answered, in order.
    @Test func pipelinedRequestsBehindASlowOneAreAllAnswered() async throws {
        try await GatewayFixture.with { fixture in
            let client = try await KeepAliveClient.connect(group: fixture.group, port: fixture.client.port)
            defer { client.close() }
            var futures = [
                client.send(
                    Self.path,
                    body: ByteBuffer(string: Self.json64K.body(model: "mock/mock-1;header_delay_ms=1000"))
                )
            ]
            for index in 0..<1_000 {
                let body =
                    #"{"model":"mock/mock-1;tokens=\#(index % 7 + 1)","messages":[{"role":"user","content":"\#(String(repeating: "p", count: 1_000))"}]}"#
                futures.append(client.send(Self.path, body: ByteBuffer(string: body)))
            }
            for (index, future) in futures.enumerated() {
                let response = try await future.get()
                #expect(response.status == 200, "request \(index)")
                guard index > 0 else { continue }
                let json =
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                let usage = json?["usage"] as? [String: Int]
                #expect(usage?["completion_tokens"] == (index - 1) % 7 + 1, "request \(index) answered out of order")
            }
            try await Self.expectIdle(fixture)
        }
    }
}
