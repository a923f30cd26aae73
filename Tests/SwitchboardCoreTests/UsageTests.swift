import Testing

@testable import SwitchboardCore

/// Token counts read from relayed bytes, the usage chunk filter, and prices.
@Suite struct UsageTests {
    /// Feeds `text` to a scanner in pieces of every size from 1 to 7 bytes, and whole.
    static func scan(_ text: String, _ format: UsageScanner.Format, requestBytes: Int = 400) -> [TokenUsage] {
        let bytes = Array(text.utf8)
        return (0...7).map { size in
            var scanner = UsageScanner(format: format)
            var start = 0
            while start < bytes.count {
                let end = size == 0 ? bytes.count : min(bytes.count, start + size)
                bytes[start..<end].withUnsafeBytes { scanner.consume($0) }
                start = end
            }
            return scanner.result(requestBytes: requestBytes)
        }
    }

    @Test func byteSearchFindsFirstAndLastOccurrences() {
        let text = Array(#"{"usage":1,"x":{"usage":2}} "usag"#.utf8)
        let needle = Array(#""usage""#.utf8)
        text.withUnsafeBytes { bytes in
            #expect(bytes.firstRange(of: needle) == 1..<8)
            #expect(bytes.firstRange(of: needle, from: 2) == 16..<23)
            #expect(bytes.lastRange(of: needle) == 16..<23)
            #expect(bytes.firstRange(of: Array("usag\"".utf8)) == nil)
            #expect(bytes.firstIndex(of: UInt8(ascii: "}"), from: 0) == 25)
            #expect(bytes.firstIndex(of: UInt8(ascii: "{"), from: 1) == 15)
            #expect(bytes.firstIndex(of: UInt8(ascii: "{"), from: text.count) == nil)
            #expect(UnsafeRawBufferPointer(rebasing: bytes[0..<5]).lastRange(of: needle) == nil)
        }
    }

    @Test func byteSearchAnchorsOnTheFirstLetter() {
        let text = Array(#"usage" "usage""usage" 1:2"#.utf8)
        let key = Array(#""usage""#.utf8)
        text.withUnsafeBytes { bytes in
            // The leading `usage"` has no opening quote; the anchor letter there must not match before `from`.
            #expect(bytes.firstRange(of: key) == 7..<14)
            #expect(bytes.firstRange(of: key, from: 8) == 14..<21)
            #expect(bytes.lastRange(of: key) == 14..<21)
            #expect(UnsafeRawBufferPointer(rebasing: bytes[0..<13]).firstRange(of: key) == nil)
            // Without a letter or digit, the first byte is the anchor.
            #expect(bytes.firstRange(of: Array(":".utf8)) == 23..<24)
        }
        Array("aaa".utf8).withUnsafeBytes { bytes in
            #expect(bytes.lastRange(of: Array("aa".utf8)) == 1..<3)
        }
    }

    @Test func openAIBodyWithCachedAndReasoningTokens() {
        let body = #"""
            {"id":"x","choices":[{"message":{"content":"a \"usage\": {\"prompt_tokens\": 1}"}}],
             "usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,
               "prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":12}}}
            """#
        for usage in Self.scan(body, .json) {
            #expect(usage.source == .reported)
            #expect(usage.promptTokens == 120 && usage.completionTokens == 30)
            #expect(usage.cachedTokens == 100 && usage.reasoningTokens == 12)
        }
    }

    @Test func openAIStreamUsageChunk() {
        let stream =
            #"data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}"# + "\n\n"
            + #"data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"# + "\n\n"
            + "data: [DONE]\n\n"
        for usage in Self.scan(stream, .eventStream) {
            #expect(
                usage
                    == {
                        var u = TokenUsage()
                        u.promptTokens = 9
                        u.completionTokens = 2
                        u.source = .reported
                        return u
                    }()
            )
        }
    }

    @Test func anthropicStreamAddsCacheToPrompt() {
        let stream = """
            event: message_start
            data: {"type":"message_start","message":{"usage":{"input_tokens":20,"output_tokens":1,"cache_read_input_tokens":300,"cache_creation_input_tokens":50}}}

            event: content_block_delta
            data: {"type":"content_block_delta","delta":{"text":"x"}}

            event: message_delta
            data: {"type":"message_delta","usage":{"output_tokens":42}}


            """
        for usage in Self.scan(stream, .eventStream) {
            #expect(usage.promptTokens == 370 && usage.completionTokens == 42)
            #expect(usage.cachedTokens == 300 && usage.cacheWriteTokens == 50)
        }
    }

    @Test func responsesStreamCompletedEvent() {
        let stream =
            "event: response.completed\n"
            + #"data: {"type":"response.completed","response":{"usage":{"input_tokens":7,"output_tokens":3,"input_tokens_details":{"cached_tokens":2}}}}"#
            + "\n\n"
        for usage in Self.scan(stream, .eventStream) {
            #expect(usage.promptTokens == 7 && usage.completionTokens == 3 && usage.cachedTokens == 2)
        }
    }

    @Test func unreportedUsageIsEstimatedNeverASilentZero() {
        let stream = (0..<10).map { #"data: {"choices":[{"delta":{"content":"t\#($0)"}}]}"# + "\n\n" }.joined()
        for usage in Self.scan(stream, .eventStream, requestBytes: 400) {
            #expect(usage.source == .estimated)
            #expect(usage.promptTokens == 100 && usage.completionTokens == 9)
        }
        #expect(UsageScanner(format: .json).result(requestBytes: 400).source == .unavailable)
    }

    @Test func theUsageChunkIsTakenOutAndEverythingElseIsKept() {
        let events = [
            #"data: {"id":"a","choices":[{"delta":{"role":"assistant"}}]}"# + "\n\n",
            #"data: {"id":"a","choices":[{"delta":{"content":"\"usage\":{"}}]}"# + "\n\n",
            #"data: {"id":"a","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}"# + "\n\n",
            "data: [DONE]\n\n",
        ]
        let input = Array(events.joined().utf8)
        let expected = Array((events[0] + events[1] + events[3]).utf8)
        for size in 1...9 {
            var filter = UsageEventFilter()
            var output: [UInt8] = []
            var start = 0
            while start < input.count {
                let end = min(input.count, start + size)
                input[start..<end].withUnsafeBytes { filter.consume($0) { output += $0 } }
                start = end
            }
            filter.finish { output += $0 }
            #expect(output == expected, "pieces of \(size)")
        }
    }

    /// Pretty-printed JSON and CRLF line ends: the usage chunk is still found and taken out, the counts still read.
    @Test func spacedJSONAndCRLFEventsAreFilteredAndCounted() {
        let events = [
            "data: {\"id\": \"a\", \"choices\": [{\"delta\": {\"content\": \"hi\"}}]}\r\n\r\n",
            "data: {\"id\": \"a\", \"choices\": [ ], \"usage\": {\"prompt_tokens\": 12, \"completion_tokens\":\t3}}\r\n\r\n",
            "data: [DONE]\r\n\r\n",
        ]
        let input = Array(events.joined().utf8)
        for size in [1, 2, 3, 7, input.count] {
            var filter = UsageEventFilter()
            var scanner = UsageScanner(format: .eventStream)
            var output: [UInt8] = []
            var start = 0
            while start < input.count {
                let end = min(input.count, start + size)
                input[start..<end].withUnsafeBytes { piece in
                    scanner.consume(piece)
                    filter.consume(piece) { output += $0 }
                }
                start = end
            }
            filter.finish { output += $0 }
            #expect(output == Array((events[0] + events[2]).utf8), "pieces of \(size)")
            let usage = scanner.result(requestBytes: 10)
            #expect(usage.promptTokens == 12 && usage.completionTokens == 3 && usage.source == .reported)
        }
        var pretty = UsageScanner(format: .json)
        let body = "{\n  \"usage\": {\n    \"prompt_tokens\":\n      7,\n    \"completion_tokens\": 2\n  }\n}"
        Array(body.utf8).withUnsafeBytes { pretty.consume($0) }
        #expect(
            pretty.result(requestBytes: 1).promptTokens == 7 && pretty.result(requestBytes: 1).completionTokens == 2
        )
    }

    @Test func streamOptionsAreAskedForOnlyWhenMissing() throws {
        func override(_ body: String, kind: ProviderKind = .openai) throws -> String? {
            let bytes = Array(body.utf8)
            return try bytes.withUnsafeBytes { raw in
                let inspection = try RequestInspection.inspect(raw)
                return StreamUsage.streamOptionsOverride(
                    endpoint: .chatCompletions,
                    kind: kind,
                    inspection: inspection,
                    body: raw
                )
                .map { String(decoding: $0, as: UTF8.self) }
            }
        }
        #expect(try override(#"{"model":"m","stream":true}"#) == #"{"include_usage":true}"#)
        #expect(
            try override(#"{"model":"m","stream":true,"stream_options":{"include_obfuscation":false}}"#)
                == #"{"include_obfuscation":false,"include_usage":true}"#
        )
        #expect(try override(#"{"model":"m","stream":true,"stream_options":{"include_usage":true}}"#) == nil)
        #expect(try override(#"{"model":"m"}"#) == nil)
        #expect(try override(#"{"model":"m","stream":true}"#, kind: .anthropic) == nil)
    }

    @Test func pricesAndCost() throws {
        let table = PricingTable.bundled
        let gpt4o = try #require(table.price(provider: "openai", model: "gpt-4o-2024-08-06"))
        #expect(gpt4o.requestToken == 0.00025)
        #expect(table.price(provider: "openai", model: "gpt-4o-mini-2024-07-18")?.requestToken == 0.000015)
        #expect(table.price(provider: "openai", model: "unknown-model") == nil)
        var usage = TokenUsage()
        usage.promptTokens = 1_000
        usage.cachedTokens = 400
        usage.completionTokens = 100
        // 600 × 0.00025 + 400 × 0.000125 + 100 × 0.001 cents.
        #expect(abs(gpt4o.cost(of: usage) - 0.3) < 1e-12)
        let config = try #require(ModelPrice(JSONValue(parsing: Array(gpt4o.pricingConfig.jsonText.utf8))!))
        #expect(config == gpt4o)
    }
}
