/// The tokens one request used, and where the numbers came from. Prompt tokens include cached ones (OpenAI's
/// convention; Anthropic's separate cache counts are added in), so that cost = uncached + cached + output.
public struct TokenUsage: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// The provider reported them (response body, usage chunk, message events).
        case reported
        /// Nothing was reported: estimated from the request's size and the events relayed.
        case estimated
        /// No answer to count (an error, or nothing relayed).
        case unavailable
        /// Answered from the gateway's response cache: the stored answer's counts, all of them cached; nothing
        /// was used now, so nothing is charged.
        case cache
    }

    public var promptTokens = 0
    public var completionTokens = 0
    /// Prompt tokens read from the provider's cache.
    public var cachedTokens = 0
    /// Prompt tokens written to the provider's cache (Anthropic).
    public var cacheWriteTokens = 0
    /// Completion tokens spent on reasoning.
    public var reasoningTokens = 0
    public var source = Source.unavailable

    public init() {}

    public var totalTokens: Int { self.promptTokens + self.completionTokens }
}

/// Follows a response body as it is relayed and picks out the provider's token counts, without decoding or
/// changing a byte: a JSON body's `usage` object (from a bounded tail, where providers put it), or an event
/// stream's usage events (OpenAI's last chunk, Anthropic's `message_start` / `message_delta`, the Responses
/// API's `response.completed`). Only lines that mention `"usage"` are read.
public struct UsageScanner: Sendable {
    public enum Format: Sendable {
        case json
        case eventStream
    }

    public let format: Format
    /// JSON: the body's last bytes. Event stream: the current line so far.
    private var pending: [UInt8] = []
    private var counts = Counts()
    /// `data:` events relayed, `[DONE]` excluded: the estimate of completion tokens when none are reported.
    public private(set) var dataEvents = 0
    public private(set) var payloadBytes = 0

    /// Longest JSON tail kept; `usage` sits at the end of every provider's body.
    static let tailLimit = 4096
    /// Longest event-stream line kept whole; longer lines are skipped (no usage line is that long).
    static let lineLimit = 256 * 1024

    public init(format: Format) {
        self.format = format
    }

    public mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        self.payloadBytes += bytes.count
        switch self.format {
        case .json:
            if bytes.count >= Self.tailLimit {
                self.pending = Array(bytes.suffix(Self.tailLimit))
            } else {
                self.pending += bytes
                if self.pending.count > 2 * Self.tailLimit {
                    self.pending.removeFirst(self.pending.count - Self.tailLimit)
                }
            }
        case .eventStream:
            var start = 0
            while let newline = bytes.firstIndex(of: UInt8(ascii: "\n"), from: start) {
                if self.pending.isEmpty {
                    self.line(UnsafeRawBufferPointer(rebasing: bytes[start..<newline]))
                } else {
                    if self.pending.count < Self.lineLimit { self.pending += bytes[start..<newline] }
                    let line = self.pending
                    self.pending.removeAll(keepingCapacity: true)
                    line.withUnsafeBytes { self.line($0) }
                }
                start = newline + 1
            }
            if start < bytes.count, self.pending.count < Self.lineLimit { self.pending += bytes[start...] }
        }
    }

    /// The usage: as reported, else estimated (prompt from the request's size, completion from the events or
    /// bytes relayed).
    public func result(requestBytes: Int) -> TokenUsage {
        var counts = self.counts
        if self.format == .json {
            self.pending.withUnsafeBytes { tail in
                if let at = Self.usage(in: tail) {
                    counts.read(UnsafeRawBufferPointer(rebasing: tail[at.lowerBound...]))
                }
            }
        }
        var usage = TokenUsage()
        if counts.reported {
            usage.promptTokens =
                (counts.prompt ?? 0) + (counts.addsCacheToPrompt ? counts.cacheRead + counts.cacheWrite : 0)
            usage.completionTokens = counts.completion ?? 0
            usage.cachedTokens = counts.cacheRead
            usage.cacheWriteTokens = counts.cacheWrite
            usage.reasoningTokens = counts.reasoning
            usage.source = .reported
        } else if self.payloadBytes > 0 {
            usage.promptTokens = max(1, requestBytes / 4)
            usage.completionTokens = self.format == .eventStream ? max(0, self.dataEvents - 1) : self.payloadBytes / 4
            usage.source = .estimated
        }
        return usage
    }

    private mutating func line(_ line: UnsafeRawBufferPointer) {
        guard line.count > 5, line.hasPrefix("data:") else { return }
        var payload = UnsafeRawBufferPointer(rebasing: line[5...])
        while payload.first == UInt8(ascii: " ") { payload = UnsafeRawBufferPointer(rebasing: payload[1...]) }
        if payload.hasPrefix("[DONE]") { return }
        self.dataEvents += 1
        if let at = Self.usage(in: payload) {
            self.counts.read(UnsafeRawBufferPointer(rebasing: payload[at.lowerBound...]))
        }
    }

    /// `"usage"` (OpenAI, Anthropic) and `"usageMetadata"` (Gemini) start alike: one search finds either.
    static let usagePrefix = Array(#""usage"#.utf8)
    static let metadataSuffix = Array(#"Metadata""#.utf8)

    /// Where the last usage member of `text` starts.
    static func usage(in text: UnsafeRawBufferPointer) -> Range<Int>? {
        guard let at = text.lastRange(of: Self.usagePrefix) else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: text[at.upperBound...])
        return rest.first == UInt8(ascii: "\"") || rest.starts(with: Self.metadataSuffix) ? at : nil
    }

    /// Token counts found so far; later events overwrite earlier ones field by field (Anthropic's
    /// `message_delta` carries the final output count after `message_start`'s first one).
    struct Counts: Sendable {
        var prompt: Int?
        var completion: Int?
        var cacheRead = 0
        var cacheWrite = 0
        var reasoning = 0
        /// Anthropic counts cache reads and writes apart from `input_tokens`.
        var addsCacheToPrompt = false
        var reported: Bool { self.prompt != nil || self.completion != nil }

        /// Reads the counts in the text from a `"usage"` key on (integer members by name; a JSON string cannot
        /// hold a bare quote, so a quoted key found here is a key).
        mutating func read(_ text: UnsafeRawBufferPointer) {
            if let value = Self.integer(Keys.promptTokens, in: text) ?? Self.integer(Keys.inputTokens, in: text) {
                self.prompt = value
            }
            if let value = Self.integer(Keys.completionTokens, in: text) ?? Self.integer(Keys.outputTokens, in: text) {
                self.completion = value
            }
            if let value = Self.integer(Keys.cachedTokens, in: text) { self.cacheRead = value }
            if let value = Self.integer(Keys.cacheReadInputTokens, in: text) {
                self.cacheRead = value
                self.addsCacheToPrompt = true
            }
            if let value = Self.integer(Keys.cacheCreationInputTokens, in: text) {
                self.cacheWrite = value
                self.addsCacheToPrompt = true
            }
            if let value = Self.integer(Keys.reasoningTokens, in: text) { self.reasoning = value }
            // Gemini: the prompt count includes cached tokens; thoughts are billed as output.
            if let value = Self.integer(Keys.promptTokenCount, in: text) { self.prompt = value }
            if let value = Self.integer(Keys.cachedContentTokenCount, in: text) { self.cacheRead = value }
            if let value = Self.integer(Keys.candidatesTokenCount, in: text) {
                let thoughts = Self.integer(Keys.thoughtsTokenCount, in: text) ?? 0
                self.completion = value + thoughts
                self.reasoning = thoughts
            }
        }

        /// The quoted member names, made once.
        enum Keys {
            static let promptTokens = Array(#""prompt_tokens""#.utf8)
            static let inputTokens = Array(#""input_tokens""#.utf8)
            static let completionTokens = Array(#""completion_tokens""#.utf8)
            static let outputTokens = Array(#""output_tokens""#.utf8)
            static let cachedTokens = Array(#""cached_tokens""#.utf8)
            static let cacheReadInputTokens = Array(#""cache_read_input_tokens""#.utf8)
            static let cacheCreationInputTokens = Array(#""cache_creation_input_tokens""#.utf8)
            static let reasoningTokens = Array(#""reasoning_tokens""#.utf8)
            static let promptTokenCount = Array(#""promptTokenCount""#.utf8)
            static let candidatesTokenCount = Array(#""candidatesTokenCount""#.utf8)
            static let cachedContentTokenCount = Array(#""cachedContentTokenCount""#.utf8)
            static let thoughtsTokenCount = Array(#""thoughtsTokenCount""#.utf8)
        }

        /// The integer value of the first member named `key` (quotes included) in `text`.
        static func integer(_ key: [UInt8], in text: UnsafeRawBufferPointer) -> Int? {
            guard text.count > key.count else { return nil }
            var index = 0
            while index <= text.count - key.count {
                if text[index] == key[0], key.indices.allSatisfy({ text[index + $0] == key[$0] }) {
                    var cursor = index + key.count
                    // The colon and any JSON whitespace around it (pretty-printed bodies).
                    while cursor < text.count, text[cursor].isJSONSpace || text[cursor] == UInt8(ascii: ":") {
                        cursor += 1
                    }
                    var value = 0
                    var digits = 0
                    while cursor < text.count, let digit = Int(exactly: text[cursor]).map({ $0 - 48 }),
                        (0...9).contains(digit)
                    {
                        value = value * 10 + digit
                        digits += 1
                        cursor += 1
                    }
                    return digits > 0 ? value : nil
                }
                index += 1
            }
            return nil
        }
    }
}
