/// Puts `"hook_results": {…}` into a JSON answer as it is relayed, right after its opening brace (docs/guardrails.md:
/// a request whose guardrails failed without `deny` is answered 246 with its results in the body, as Portkey does).
/// Bytes pass through unchanged otherwise; nothing is held back.
public struct HookResultsInsert: Sendable {
    private enum State: Sendable {
        /// Before the answer's first `{`.
        case opening
        /// After it: the member goes in with a comma unless the object is empty, which the next byte tells.
        case member
        case done
    }

    private let member: [UInt8]
    private var state = State.opening

    /// - Parameter results: `{before_request_hooks, after_request_hooks}`.
    public init(results: JSONValue) {
        self.member = Array(("\"hook_results\":" + results.jsonText + ",").utf8)
    }

    /// Relays `bytes`, with the member after the first `{` (an answer that is not an object is left as it is).
    public mutating func consume(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        var rest = bytes
        if self.state == .opening {
            guard let first = rest.firstIndex(where: { !Self.isSpace($0) }) else { return emit(rest) }
            guard rest[first] == UInt8(ascii: "{") else {
                self.state = .done
                return emit(rest)
            }
            emit(UnsafeRawBufferPointer(rebasing: rest[...first]))
            rest = UnsafeRawBufferPointer(rebasing: rest[(first + 1)...])
            self.state = .member
        }
        if self.state == .member {
            // The object's next byte may come in a later read.
            guard let next = rest.firstIndex(where: { !Self.isSpace($0) }) else { return emit(rest) }
            // An empty object gets the member without the comma.
            if rest[next] == UInt8(ascii: "}") {
                self.member.dropLast().withUnsafeBytes(emit)
            } else {
                self.member.withUnsafeBytes(emit)
            }
            self.state = .done
        }
        emit(rest)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
