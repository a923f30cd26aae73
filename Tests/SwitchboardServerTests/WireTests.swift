import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardMock
import SwitchboardTestSupport
import Testing

@testable import SwitchboardServer

/// HTTP/1.1 on the wire, sent as raw bytes: framing variants the gateway parses and relays itself.
@Suite struct WireTests {
    private func post(_ path: String, headers: [String], body: String) -> String {
        "POST \(path) HTTP/1.1\r\nhost: x\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n" + body
    }

    private func chunked(_ parts: [String]) -> String {
        parts.map { String($0.utf8.count, radix: 16) + "\r\n" + $0 + "\r\n" }.joined() + "0\r\n\r\n"
    }

    @Test func chunkSizeLinesAreLowercaseHex() {
        for size in [0, 1, 15, 16, 255, 418, 4096, 0x1_0000_0000] {
            var buffer = ByteBuffer()
            HTTPWire.writeChunkSize(&buffer, size)
            #expect(String(buffer: buffer) == String(size, radix: 16) + "\r\n")
        }
    }

    @Test func chunkSizeLinesArePrependedIntoTheRoomInFront() {
        for size in [1, 15, 16, 255, 418, 4096, 70_000] {
            var buffer = ByteBuffer()
            buffer.reserveCapacity(10 + size)
            buffer.moveWriterIndex(forwardBy: 10)
            buffer.moveReaderIndex(forwardBy: 10)
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: size)
            HTTPWire.prependChunkSize(&buffer)
            #expect(String(buffer: buffer) == String(size, radix: 16) + "\r\n" + String(repeating: "x", count: size))
        }
    }

    @Test func chunkedJSONRequestsAreCollectedAndRouted() async throws {
        try await GatewayFixture.with { fixture in
            let body = chunked([#"{"model":"mock/mo"#, #"ck-1","messages":[]}"#])
            let raw = try await fixture.client.raw(
                post(
                    "/v1/chat/completions",
                    headers: ["content-type: application/json", "transfer-encoding: chunked", "connection: close"],
                    body: body
                )
            )
            #expect(raw.hasPrefix("HTTP/1.1 200 OK"))
            let received = try #require(fixture.mock.recorder.requests.last)
            #expect(received.bodyString == #"{"model":"mock-1","messages":[]}"#)
            #expect(received.header("transfer-encoding") == nil)
        }
    }

    @Test func chunkedUploadsStreamThroughChunked() async throws {
        try await GatewayFixture.with { fixture in
            let parts = (0..<20).map { String(repeating: Character(String($0 % 10)), count: 1000) }
            let raw = try await fixture.client.raw(
                post(
                    "/v1/files",
                    headers: [
                        "content-type: application/octet-stream", "transfer-encoding: chunked", "connection: close",
                    ],
                    body: chunked(parts)
                )
            )
            #expect(raw.hasPrefix("HTTP/1.1 200 OK"))
            #expect(raw.contains(#""body_bytes":20000"#))
            let received = try #require(fixture.mock.recorder.requests.last)
            #expect(received.header("transfer-encoding") == "chunked")
            #expect(received.bodyString == parts.joined())
        }
    }

    @Test func expectContinueGetsAnInterimResponse() async throws {
        try await GatewayFixture.with { fixture in
            let body = #"{"model":"mock/mock-1","messages":[]}"#
            let raw = try await fixture.client.raw(
                post(
                    "/v1/chat/completions",
                    headers: [
                        "content-type: application/json", "content-length: \(body.utf8.count)", "expect: 100-continue",
                        "connection: close",
                    ],
                    body: body
                )
            )
            #expect(raw.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"))
            #expect(fixture.mock.recorder.requests.last?.header("expect") == nil)
        }
    }

    @Test func http10ClientsGetCloseDelimitedUnchunkedStreams() async throws {
        try await GatewayFixture.with { fixture in
            let body = #"{"model":"mock/mock-1","stream":true,"messages":[]}"#
            let raw = try await fixture.client.raw(
                "POST /v1/chat/completions HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n\r\n"
                    + body
            )
            #expect(raw.hasPrefix("HTTP/1.0 200 OK"))
            let head = raw.components(separatedBy: "\r\n\r\n")[0].lowercased()
            #expect(!head.contains("transfer-encoding"))
            #expect(head.contains("connection: close"))
            let payload = raw.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
            #expect(payload.hasPrefix("data: {"))
            #expect(payload.hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test(arguments: [
        "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n{}",
        "GET /v1/models HTTP/2.0\r\n\r\n",
        "GET /v1/models HTTP/1.1\r\nbad header\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: nope\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
    ])
    func malformedRequestsAre400(request: String) async throws {
        try await GatewayFixture.with { fixture in
            let raw = try await fixture.client.raw(request)
            #expect(raw.hasPrefix("HTTP/1.1 400 Bad Request"))
            #expect(raw.contains(#""code":"bad_http""#))
            #expect(raw.contains("x-request-id: "))
            #expect(raw.contains("x-portkey-trace-id: "))
        }
    }

    @Test func oversizedHeadsAreRefused() async throws {
        try await GatewayFixture.with { fixture in
            let raw = try await fixture.client.raw(
                "GET /v1/models HTTP/1.1\r\nx-big: " + String(repeating: "a", count: 70_000) + "\r\n\r\n"
            )
            #expect(raw.hasPrefix("HTTP/1.1 400"))
            #expect(raw.contains("64 KiB"))
        }
    }
}
