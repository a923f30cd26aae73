import Testing

@testable import SwitchboardCore

@Suite struct HTTPResponseFramingTests {
    private func head(_ text: String) throws -> ResponseHead {
        let bytes = Array(text.utf8)
        let length = try #require(bytes.withUnsafeBytes { HTTPHead.length($0) })
        #expect(length == bytes.count)
        return try bytes.withUnsafeBytes { raw in
            try Result { () throws(HTTPFramingError) in try ResponseHeadParser.parse(raw) }.get()
        }
    }

    /// Feeds `body` to a framer in pieces of `step` bytes; returns the bytes consumed and the payload.
    private func feed(
        _ framing: BodyFraming,
        _ body: String,
        step: Int
    ) throws -> (consumed: Int, data: String, complete: Bool) {
        var framer = BodyFramer(framing)
        let bytes = Array(body.utf8)
        var consumed = 0
        var data: [UInt8] = []
        var offset = 0
        while offset < bytes.count, !framer.isComplete {
            let piece = Array(bytes[offset..<min(offset + step, bytes.count)])
            let used = try piece.withUnsafeBytes { raw in
                try Result { () throws(HTTPFramingError) in
                    try framer.consume(raw) { data += piece[$0] }
                }.get()
            }
            consumed += used
            offset += piece.count
            if used < piece.count { break }
        }
        return (consumed, String(decoding: data, as: UTF8.self), framer.isComplete)
    }

    @Test func parsesStatusAndFramingHeaders() throws {
        let parsed = try self.head(
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length:  12 \r\nRetry-After: 3\r\n\r\n"
        )
        #expect(parsed.status == 429)
        #expect(parsed.fields.contentLength == 12)
        #expect(parsed.isKeepAlive)
        #expect(parsed.fields.headers.count == 3)
        #expect(parsed.framing(requestWasHEAD: false) == .length(12))
        #expect(parsed.framing(requestWasHEAD: true) == .none)
    }

    @Test func recognisesChunkedCloseAndBodilessStatuses() throws {
        #expect(
            try self.head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").framing(requestWasHEAD: false)
                == .chunked
        )
        let closing = try self.head("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        #expect(!closing.isKeepAlive)
        #expect(closing.framing(requestWasHEAD: false) == .untilClose)
        #expect(try self.head("HTTP/1.1 204 No Content\r\n\r\n").framing(requestWasHEAD: false) == .none)
        #expect(try !self.head("HTTP/1.0 200 OK\r\n\r\n").isKeepAlive)
        #expect(try self.head("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").isKeepAlive)
    }

    @Test func findsTheEndOfTheHeadOnlyWhenComplete() {
        for partial in ["HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nA: b\r\n\r", "HTT"] {
            #expect(Array(partial.utf8).withUnsafeBytes { HTTPHead.length($0) } == nil)
        }
        for (text, length) in [
            ("GET / HTTP/1.1\nA: b\n\nX", 21), ("GET / HTTP/1.1\r\nAb: c\r\n\r\nX", 25), ("ab\n\n", 4),
        ] {
            #expect(Array(text.utf8).withUnsafeBytes { HTTPHead.length($0) } == length, "\(text)")
        }
        let text = "HTTP/1.1 200 OK\r\n\r\nBODY"
        #expect(Array(text.utf8).withUnsafeBytes { HTTPHead.length($0) } == 19)
    }

    @Test(arguments: [
        "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    ])
    func rejectsMalformedHeads(text: String) {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(HTTPFramingError) in try ResponseHeadParser.parse(raw) }
        }
        #expect((try? result.get()) == nil)
    }

    @Test(arguments: [1, 2, 3, 7, 1000])
    func followsChunkedBodiesInAnyPieces(step: Int) throws {
        let body = "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\nNEXT"
        let result = try self.feed(.chunked, body, step: step)
        #expect(result.data == "hello, world")
        #expect(result.complete)
        #expect(result.consumed == body.utf8.count - 4)
    }

    @Test func followsLengthAndCloseDelimitedBodies() throws {
        let fixed = try self.feed(.length(5), "helloEXTRA", step: 3)
        #expect(fixed.data == "hello")
        #expect(fixed.consumed == 5)
        #expect(fixed.complete)
        let open = try self.feed(.untilClose, "all of it", step: 4)
        #expect(open.data == "all of it")
        #expect(!open.complete)
    }

    @Test(arguments: ["zz\r\n", "5\r\nhelloX", "\r\n"])
    func rejectsBrokenChunking(body: String) {
        #expect(throws: HTTPFramingError.self) { try self.feed(.chunked, body, step: 100) }
    }
}

@Suite struct RequestHeadParserTests {
    private func parse(_ text: String) -> Result<RequestHead, HTTPFramingError> {
        Array(text.utf8).withUnsafeBytes { raw in
            Result { () throws(HTTPFramingError) in try RequestHeadParser.parse(raw) }
        }
    }

    @Test func parsesMethodTargetAndFraming() throws {
        let text =
            "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n"
        let head = try self.parse(text).get()
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[head.method], as: UTF8.self) == "POST")
        #expect(String(decoding: bytes[head.target], as: UTF8.self) == "/v1/chat/completions?x=1")
        #expect(head.bodyFraming == .length(12))
        #expect(head.fields.expectsContinue)
        #expect(head.isKeepAlive)
        #expect(try self.parse("GET / HTTP/1.1\nTransfer-Encoding: chunked\n\n").get().bodyFraming == .chunked)
        #expect(try self.parse("GET / HTTP/1.0\r\n\r\n").get().isKeepAlive == false)
        #expect(try self.parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").get().isKeepAlive == false)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "get / HTTP/1.1\r\n\r\n",
        "GET  HTTP/1.1\r\n\r\n", "GET / HTTP/3\r\n\r\n", "GET / HTTP/1.1\r\nName : v\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",
    ])
    func rejectsMalformedHeads(text: String) {
        #expect((try? self.parse(text).get()) == nil, "\(text)")
    }
}
