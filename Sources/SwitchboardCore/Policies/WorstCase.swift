/// The most a request can use, reserved before it is sent (issue 21): its prompt, estimated from the body's size,
/// plus the most it may answer — `max_tokens` (chat, Messages), `max_completion_tokens`, `max_output_tokens`
/// (Responses), `generationConfig.maxOutputTokens` (Gemini), or `defaultOutput` when the body sets none.
public struct WorstCase: Sendable, Equatable {
    public var promptTokens: Int
    public var outputTokens: Int

    public var tokens: Int { self.promptTokens + self.outputTokens }

    /// A prompt is taken as one token per 4 bytes of body (rounded up), the estimate `count_tokens` gives too.
    public init(body: UnsafeRawBufferPointer, defaultOutput: Int, answers: Bool = true) {
        self.promptTokens = (body.count + 3) / 4
        self.outputTokens = answers ? (Self.outputLimit(in: body) ?? defaultOutput) : 0
    }

    public init(promptTokens: Int, outputTokens: Int) {
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
    }

    /// The output limit the body sets, if any.
    public static func outputLimit(in body: UnsafeRawBufferPointer) -> Int? {
        var limit: Int?
        _ = try? JSONScanner.scanObject(body) { key, value in
            // Compared as bytes: no string is made for the keys a body has.
            if Self.limitKeys.contains(where: { $0.elementsEqual(key) }) {
                if let number = Self.integer(body, value) { limit = max(limit ?? 0, number) }
            } else if Self.configKeys.contains(where: { $0.elementsEqual(key) }) {
                let config = JSONValue(parsing: UnsafeRawBufferPointer(rebasing: body[value.range]))
                if let number = config?["maxOutputTokens"]?.number ?? config?["max_output_tokens"]?.number {
                    limit = max(limit ?? 0, Int(number))
                }
            }
        }
        return limit
    }

    private static let limitKeys: [[UInt8]] = ["max_tokens", "max_completion_tokens", "max_output_tokens"].map {
        Array($0.utf8)
    }
    private static let configKeys: [[UInt8]] = ["generationConfig", "generation_config"].map { Array($0.utf8) }

    private static func integer(_ body: UnsafeRawBufferPointer, _ value: JSONValueSpan) -> Int? {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: body[value.range]), as: UTF8.self)
        return Double(text).flatMap { $0 >= 0 && $0 < 1e9 ? Int($0) : nil }
    }
}
