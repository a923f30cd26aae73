/// Portkey's `retry` (spec/portkey.md B5): how often one target is tried again, on which statuses.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first call (total calls = attempts + 1), clamped to ``maxAttempts``.
    public var attempts: Int
    public var onStatusCodes: [Int]
    /// Wait as long as a 429's `retry-after-ms` / `x-ms-retry-after-ms` / `retry-after` says.
    public var useRetryAfterHeader: Bool

    public static let maxAttempts = 5
    /// Portkey's documented default (the OSS gateway omits 529).
    public static let defaultStatusCodes = [429, 500, 502, 503, 504, 529]
    public static let none = RetryPolicy(attempts: 0)

    public init(attempts: Int, onStatusCodes: [Int] = Self.defaultStatusCodes, useRetryAfterHeader: Bool = false) {
        self.attempts = attempts
        self.onStatusCodes = onStatusCodes
        self.useRetryAfterHeader = useRetryAfterHeader
    }
}

/// Gateway-wide retry timing (`routing:` in the config file).
public struct RetryTiming: Sendable, Equatable {
    /// The first backoff; each retry doubles it (Portkey: 1 s, 2 s, 4 s, …).
    public var initialBackoffMs = 1_000
    public var maxBackoffMs = 16_000
    /// Total time a request may spend waiting on `Retry-After` values; a value beyond it stops retrying.
    public var retryAfterBudgetMs = 60_000

    public init() {}

    /// The wait before retry number `retry` (0 for the first), with "equal jitter": between half and all of
    /// the exponential step, so clients that failed together do not retry together.
    public func backoffMs(retry: Int, random: Double) -> Int {
        let step = min(Double(self.initialBackoffMs) * Double(1 << min(retry, 20)), Double(self.maxBackoffMs))
        return Int(step / 2 + step / 2 * min(max(random, 0), 1))
    }
}

/// The wait an upstream asks for, from the headers Portkey reads (in its order of preference).
public enum RetryAfter {
    /// Milliseconds from `retry-after-ms`, else `x-ms-retry-after-ms`, else `retry-after` (delta-seconds; an
    /// HTTP-date is not honoured and counts as absent).
    /// - Parameter header: looks up a header value by lowercase name.
    public static func milliseconds(header: (StaticString) -> String?) -> Int? {
        for name: StaticString in ["retry-after-ms", "x-ms-retry-after-ms"] {
            if let text = header(name), let value = Double(text.trimmingSpaces), value >= 0, value.isFinite {
                return Int(value.rounded(.up))
            }
        }
        if let text = header("retry-after"), let seconds = Double(text.trimmingSpaces), seconds >= 0,
            seconds.isFinite
        {
            return Int((seconds * 1000).rounded(.up))
        }
        return nil
    }
}

extension StringProtocol where SubSequence == Substring {
    /// Without leading and trailing spaces and tabs (header values, comma-separated lists).
    var trimmingSpaces: Substring {
        var text = self[...]
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
