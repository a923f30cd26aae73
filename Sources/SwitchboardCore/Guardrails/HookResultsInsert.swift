/// Puts `"hook_results": {…}` into a JSON answer as it is relayed, right after its opening brace (docs/guardrails.md:
/// a request whose guardrails failed without `deny` is answered 246 with its results in the body, as Portkey does).
/// Bytes pass through unchanged otherwise; nothing is held back.
public struct HookResultsInsert: Sendable {
    private let member: [UInt8]
    private var done = false

    /// - Parameter results: `{before_request_hooks, after_request_hooks}`.
    public init(results: JSONValue) {
        self.member = Array(("\"hook_results\":" + results.jsonText + ",").utf8)
    }

    /// Relays `bytes`, with the member after the first `{` (an answer that is not an object is left as it is).
    public mutating func consume(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        guard !self.done else { return emit(bytes) }
        guard let first = bytes.firstIndex(where: { !Self.isSpace($0) }) else { return emit(bytes) }
        self.done = true
        guard bytes[first] == UInt8(ascii: "{") else { return emit(bytes) }
        emit(UnsafeRawBufferPointer(rebasing: bytes[...first]))
        // An empty object gets the member without the comma.
        let rest = UnsafeRawBufferPointer(rebasing: bytes[(first + 1)...])
        let next = rest.firstIndex { !Self.isSpace($0) }
        if let next, rest[next] == UInt8(ascii: "}") {
            self.member.dropLast().withUnsafeBytes(emit)
        } else {
            self.member.withUnsafeBytes(emit)
        }
        emit(rest)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
