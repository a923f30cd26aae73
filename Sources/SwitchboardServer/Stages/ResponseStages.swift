import NIOCore
import SwitchboardCore

/// The stages that follow a response as it is relayed, never re-encoding it: usage scanning (tokens from the
/// JSON body or the stream's events), the usage-event filter (takes out the usage chunk the gateway asked for),
/// and the copy of the body kept for the log. A closed set of concrete types: they run on every part of every
/// response, where a call through an existential would cost.
struct ResponseStages {
    /// Follows a successful response for its token counts.
    var usage: UsageScanner?
    /// Set while the usage chunk the gateway asked for is taken out of the relayed stream.
    var eventFilter: UsageEventFilter?
    /// Set while a response of a translated attempt is rewritten into the client's protocol.
    var translator: ResponseTranslator?
    /// Whether the gateway frames the filtered events as chunks itself (the upstream's body was chunked, or the
    /// body is translated).
    var reframes = false
    /// The response body kept for the log, when bodies are logged.
    var keptBody: [UInt8]?
    /// The answer as the client gets it, kept for the response cache.
    var cacheCapture: CacheCapture?
    /// Set when input hooks put their results into a JSON answer.
    var hookInsert: HookResultsInsert?
    /// A JSON answer collected (and held, for synchronous guardrails) for its output hooks.
    var answerCheck: AnswerCheck?
    /// A streamed answer's text, for its output hooks.
    var answerText: StreamedAnswerText?
    /// The stream ends with the `hook_results` event (its request has hooks).
    var endsWithHookEvent = false

    static let maxLoggedBody = 256 * 1024

    /// Starts following a response about to be relayed: usage is read from 2xx bodies; a stream whose usage chunk
    /// the gateway asked for is filtered.
    /// - Returns: whether the response is an event stream.
    mutating func start(
        head: ResponseHead,
        bytes: ByteBuffer,
        framing: BodyFraming,
        asksForUsage: Bool,
        clientMinorVersion: Int
    ) -> Bool {
        guard (200..<300).contains(head.status) else { return false }
        let eventStream = bytes.withUnsafeReadableBytes { raw in
            head.fields.valueBytes(of: "content-type", in: raw)?.containsIgnoringCase("text/event-stream") ?? false
        }
        self.usage = UsageScanner(format: eventStream ? .eventStream : .json)
        if eventStream, asksForUsage, framing == .chunked || framing == .untilClose {
            self.eventFilter = UsageEventFilter()
            self.reframes = framing == .chunked && clientMinorVersion >= 1
        }
        return eventStream
    }

    /// Whether relayed bytes go through the event filter (then the body is relayed as payload only).
    var filters: Bool {
        self.eventFilter != nil || self.translator != nil || self.hookInsert != nil || self.answerCheck != nil
            || self.endsWithHookEvent
    }

    /// A piece of the body's payload, before it is relayed.
    mutating func payload(_ bytes: UnsafeRawBufferPointer) {
        self.usage?.consume(bytes)
        self.answerText?.consume(bytes)
        // Filtered or translated, the client gets other bytes: those are kept where they are collected.
        if self.cacheCapture != nil, !self.filters { self.cacheCapture!.append(bytes) }
        if self.keptBody != nil {
            let room = Self.maxLoggedBody - self.keptBody!.count
            if room > 0 { self.keptBody!.append(contentsOf: bytes.prefix(room)) }
        }
    }
}
