import SwitchboardCore
import Testing

/// Any sequence of answer events — out of order, repeated, a tool argument before its call, an error in the middle —
/// gives every client protocol's stream writer well-formed events: each `data:` line is JSON, and nothing traps.
struct AnswerWriterFuzzTests {
    /// A small deterministic generator (xorshift), so a failure repeats.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state ^= self.state << 13
            self.state ^= self.state >> 7
            self.state ^= self.state << 17
            return self.state
        }
    }

    static func event(_ random: inout Generator) -> AnswerEvent {
        let texts = ["", "a", "\"quoted\"", "line\nbreak", "ünïcödé", "{\"a\":"]
        let text = texts[Int.random(in: 0..<texts.count, using: &random)]
        let index = Int.random(in: 0..<3, using: &random)
        switch Int.random(in: 0..<9, using: &random) {
        case 0: return .start(id: text, model: "m")
        case 1, 2: return .text(text)
        case 3: return .thinking(text)
        case 4: return .thinkingSignature(text)
        case 5: return .toolCall(index: index, id: "call_\(index)", name: "f")
        case 6: return .toolArguments(index: index, text)
        case 7: return .stop([.endTurn, .maxTokens, .toolUse, .contentFilter][index])
        default:
            return Int.random(in: 0..<10, using: &random) == 0
                ? .error(message: text) : .usage(AnswerUsage(input: index, output: 2, cacheRead: 1))
        }
    }

    static func dataLines(_ out: [UInt8]) -> [String] {
        out.split(separator: UInt8(ascii: "\n")).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...], as: UTF8.self)
        }.filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }.filter { $0 != "[DONE]" }
    }

    @Test func everyWriterMakesWellFormedEventsFromAnySequence() {
        var random = Generator(state: 0x9E37_79B9_7F4A_7C15)
        for round in 0..<300 {
            let events = (0..<Int.random(in: 0..<24, using: &random)).map { _ in Self.event(&random) }
            var chat = OpenAIChatStreamWriter(model: "m", created: 1, includeUsage: true)
            var anthropic = AnthropicStreamWriter(model: "m", estimatedInput: 5)
            var responses = ResponsesStreamWriter(model: "m", created: 1)
            var gemini = GeminiStreamWriter(model: "m")
            var outs: [[UInt8]] = [[], [], [], []]
            for event in events {
                chat.write(event, into: &outs[0])
                anthropic.write(event, into: &outs[1])
                responses.write(event, into: &outs[2])
                gemini.write(event, into: &outs[3])
            }
            chat.finish(into: &outs[0])
            anthropic.finish(into: &outs[1])
            responses.finish(into: &outs[2])
            gemini.finish(into: &outs[3])
            for (writer, out) in zip(["chat", "anthropic", "responses", "gemini"], outs) {
                let lines = Self.dataLines(out)
                #expect(!lines.isEmpty, "round \(round) \(writer): no events")
                for line in lines where JSONValue(parsing: Array(line.utf8)) == nil {
                    Issue.record("round \(round) \(writer): not JSON: \(line)")
                }
            }
            // Whole answers too.
            for body in [
                OpenAIChatMessageWriter.body(events, model: "m", created: 1),
                AnthropicMessageWriter.body(events, model: "m"),
                ResponsesStreamWriter.answer(events, model: "m", created: 1),
                GeminiStreamWriter.answer(events, model: "m"),
            ] {
                #expect(JSONValue(parsing: Array(body.jsonText.utf8)) == body, "round \(round)")
            }
        }
    }
}
