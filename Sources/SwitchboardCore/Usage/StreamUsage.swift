/// Asking an OpenAI-style upstream for the usage chunk of a stream when the client did not, and taking that
/// chunk back out, so that streams are counted exactly and the client gets exactly what it asked for.
public enum StreamUsage {
    /// The `stream_options` value that asks for usage, when the gateway must add it: a streamed chat or
    /// completions request to an OpenAI-kind provider that did not ask itself. Other `stream_options` members
    /// are kept. `nil` when nothing is to be added.
    public static func streamOptionsOverride(
        endpoint: Endpoint,
        kind: ProviderKind,
        inspection: RequestInspection,
        body: UnsafeRawBufferPointer
    ) -> [UInt8]? {
        guard inspection.stream, inspection.includeUsage != true,
            endpoint == .chatCompletions || endpoint == .completions,
            kind == .openai || kind == .openaiChat || kind == .mock
        else { return nil }
        var members: [(key: String, value: JSONValue)] = []
        _ = try? JSONScanner.scanObject(body) { key, value in
            guard key.elementsEqual("stream_options".utf8), value.kind == .object else { return }
            members = JSONValue(parsing: UnsafeRawBufferPointer(rebasing: body[value.range]))?.members ?? []
        }
        members.removeAll { $0.key == "include_usage" }
        members.append(("include_usage", .bool(true)))
        return Array(JSONValue.object(members).jsonText.utf8)
    }
}

/// Passes an event stream through event by event, byte for byte, leaving out the usage-only chunk
/// (`"choices":[]` with a `"usage":{…}` object) that the gateway asked for on the client's behalf. Holds back
/// only an event not yet complete.
public struct UsageEventFilter: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Feeds `bytes`; `emit` gets the complete events to pass on (several at once when they arrived together).
    public mutating func consume(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        // Events are passed from the bytes as received; only an unfinished event's start is kept.
        if self.pending.isEmpty {
            let used = Self.pass(bytes, emit: emit)
            if used < bytes.count { self.pending += bytes[used...] }
        } else {
            self.pending += bytes
            let used = self.pending.withUnsafeBytes { Self.pass($0, emit: emit) }
            self.pending.removeFirst(used)
        }
    }

    /// Emits the complete events in `bytes`, usage-only ones left out, in as few runs as possible; returns how
    /// many bytes that used (the rest is an unfinished event). An event ends at a blank line, `\n\n` or `\r\n\r\n`.
    private static func pass(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        var start = 0
        var runStart = 0
        var search = 0
        while let newline = bytes.firstIndex(of: UInt8(ascii: "\n"), from: search), newline + 1 < bytes.count {
            let end: Int
            if bytes[newline + 1] == UInt8(ascii: "\n") {
                end = newline + 2
            } else if bytes[newline + 1] == UInt8(ascii: "\r"), newline + 2 < bytes.count,
                bytes[newline + 2] == UInt8(ascii: "\n")
            {
                end = newline + 3
            } else {
                search = newline + 1
                continue
            }
            if Self.isUsageOnly(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) {
                if runStart < start { emit(UnsafeRawBufferPointer(rebasing: bytes[runStart..<start])) }
                runStart = end
            }
            start = end
            search = end
        }
        if runStart < start { emit(UnsafeRawBufferPointer(rebasing: bytes[runStart..<start])) }
        return start
    }

    /// What is left at the end of the stream (an unterminated last event), passed on as it is.
    public mutating func finish(emit: (UnsafeRawBufferPointer) -> Void) {
        if !self.pending.isEmpty { self.pending.withUnsafeBytes { emit($0) } }
        self.pending.removeAll()
    }

    static let choices = Array(#""choices""#.utf8)
    static let usage = Array(#""usage""#.utf8)

    /// An event whose `choices` is empty and which carries a `usage` object, however the JSON is spaced. A quoted
    /// key cannot occur inside a JSON string (its quotes would be escaped), so the first `"choices"` followed by a
    /// colon is the chunk's own.
    static func isUsageOnly(_ event: UnsafeRawBufferPointer) -> Bool {
        guard let choices = Self.value(of: Self.choices, in: event), choices < event.count,
            event[choices] == UInt8(ascii: "[")
        else { return false }
        let close = Self.skippingSpace(event, from: choices + 1)
        guard close < event.count, event[close] == UInt8(ascii: "]") else { return false }
        guard let usage = Self.value(of: Self.usage, in: event), usage < event.count else { return false }
        return event[usage] == UInt8(ascii: "{")
    }

    /// Where the value of the first member named `key` (quotes included) starts: after the key, the colon and
    /// any whitespace.
    static func value(of key: [UInt8], in event: UnsafeRawBufferPointer) -> Int? {
        var from = 0
        while let found = event.firstRange(of: key, from: from) {
            let colon = Self.skippingSpace(event, from: found.upperBound)
            if colon < event.count, event[colon] == UInt8(ascii: ":") {
                return Self.skippingSpace(event, from: colon + 1)
            }
            from = found.upperBound
        }
        return nil
    }

    /// The first index from `start` that is not JSON whitespace.
    static func skippingSpace(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index].isJSONSpace { index += 1 }
        return index
    }
}

extension UInt8 {
    /// JSON's whitespace: space, tab, line feed, carriage return.
    var isJSONSpace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
