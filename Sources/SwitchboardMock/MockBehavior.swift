/// How the mock answers one request: shape, size, pacing and faults. Chosen per request by `x-mock-*`
/// headers or by `;key=value` options after the model name (`"gpt-4o;status=429;retry_after=2"`), so that
/// clients which cannot set headers can still ask for a fault. Headers win over model options.
public struct MockBehavior: Sendable, Equatable {
    /// Completion tokens (stream chunks carry one token each).
    public var tokens: Int
    /// Pause between stream chunks.
    public var intervalMs: Int
    /// Pause before the response head.
    public var headerDelayMs = 0
    /// Answer with this status and an error body instead of a completion.
    public var status: Int?
    /// Apply `status` only to the first K requests naming the same model (with its options), then answer
    /// normally: an upstream that recovers, for retry tests.
    public var failFirst: Int?
    /// `Retry-After` (seconds) on a fault response.
    public var retryAfter: String?
    /// `retry-after-ms` on a fault response.
    public var retryAfterMs: String?
    /// Reset the connection after this many stream chunks (0: before any response byte).
    public var resetAfter: Int?
    /// Send a body that is not valid JSON (or a stream event that is not).
    public var malformed = false
    /// Prompt tokens reported as read from the provider's cache (OpenAI `cached_tokens`, Anthropic
    /// `cache_read_input_tokens`).
    public var cachedTokens = 0
    /// Write JSON as a pretty printer would (a space after every `:` and `,`) and end event lines with CRLF, as
    /// some OpenAI-compatible servers do: the gateway's byte scanners must not depend on compact JSON.
    public var spaced = false
    /// Answer with a call of the tool `get_weather` (`{"city":"Paris"}`, its arguments in two pieces) after the
    /// text: chat, messages and responses.
    public var tool = false
    /// Answer with reasoning before the text (`reasoning_content` in chat; a thinking block with a signature in
    /// messages, a summary with `encrypted_content` in responses).
    public var thinking = false
    /// The model with any options removed.
    public var model: String

    /// The option names, as header suffixes (`x-mock-<name>`) and model options.
    public static let optionNames = [
        "tokens", "chunks", "interval_ms", "header_delay_ms", "status", "retry_after", "retry_after_ms",
        "reset_after", "malformed", "fail_first", "cached", "spaced", "tool", "thinking",
    ]

    public init(tokens: Int = 8, intervalMs: Int = 0, model: String = "mock-1") {
        self.tokens = tokens
        self.intervalMs = intervalMs
        self.model = model
    }

    /// Reads the options of one request.
    /// - Parameters:
    ///   - model: the body's `model`, possibly with `;key=value` options.
    ///   - header: looks up a request header by lowercase name.
    ///   - defaults: the server's defaults for tokens and pacing.
    public static func parse(model: String?, header: (String) -> String?, defaults: MockBehavior) -> MockBehavior {
        var behavior = defaults
        var options: [(String, String)] = []
        if let model {
            let parts = model.split(separator: ";", omittingEmptySubsequences: true)
            behavior.model = parts.first.map(String.init) ?? model
            for part in parts.dropFirst() {
                let pair = part.split(separator: "=", maxSplits: 1)
                options.append((String(pair[0]).lowercased(), pair.count > 1 ? String(pair[1]) : "true"))
            }
        }
        for name in Self.optionNames {
            let headerName = "x-mock-" + name.replacingUnderscores()
            if let value = header(headerName) { options.append((name, value)) }
        }
        for (name, value) in options {
            switch name {
            case "tokens", "chunks": behavior.tokens = max(0, Int(value) ?? behavior.tokens)
            case "interval_ms": behavior.intervalMs = max(0, Int(value) ?? behavior.intervalMs)
            case "header_delay_ms": behavior.headerDelayMs = max(0, Int(value) ?? 0)
            case "status": behavior.status = Int(value).flatMap { (100...599).contains($0) ? $0 : nil }
            case "retry_after": behavior.retryAfter = value
            case "retry_after_ms": behavior.retryAfterMs = value
            case "reset_after": behavior.resetAfter = Int(value).map { max(0, $0) }
            case "malformed": behavior.malformed = value == "true" || value == "1"
            case "fail_first": behavior.failFirst = Int(value).map { max(0, $0) }
            case "cached": behavior.cachedTokens = max(0, Int(value) ?? 0)
            case "spaced": behavior.spaced = value == "true" || value == "1"
            case "tool": behavior.tool = value == "true" || value == "1"
            case "thinking": behavior.thinking = value == "true" || value == "1"
            default: break
            }
        }
        return behavior
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(self.map { $0 == "_" ? "-" : $0 })
    }
}
