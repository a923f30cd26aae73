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
            kind == .openai || kind == .mock
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
        self.pending += bytes
        var start = 0
        var runStart = 0
        var index = 0
        let count = self.pending.count
        self.pending.withUnsafeBytes { all in
            while index + 1 < count {
                if all[index] == UInt8(ascii: "\n"), all[index + 1] == UInt8(ascii: "\n") {
                    let end = index + 2
                    if Self.isUsageOnly(UnsafeRawBufferPointer(rebasing: all[start..<end])) {
                        if runStart < start { emit(UnsafeRawBufferPointer(rebasing: all[runStart..<start])) }
                        runStart = end
                    }
                    start = end
                    index = end
                } else {
                    index += 1
                }
            }
            if runStart < start { emit(UnsafeRawBufferPointer(rebasing: all[runStart..<start])) }
        }
        self.pending.removeFirst(start)
    }

    /// What is left at the end of the stream (an unterminated last event), passed on as it is.
    public mutating func finish(emit: (UnsafeRawBufferPointer) -> Void) {
        if !self.pending.isEmpty { self.pending.withUnsafeBytes { emit($0) } }
        self.pending.removeAll()
    }

    static let emptyChoices = Array(#""choices":[]"#.utf8)
    static let usageObject = Array(#""usage":{"#.utf8)

    static func isUsageOnly(_ event: UnsafeRawBufferPointer) -> Bool {
        UsageScanner.lastRange(of: Self.emptyChoices, in: event) != nil
            && UsageScanner.lastRange(of: Self.usageObject, in: event) != nil
    }
}
