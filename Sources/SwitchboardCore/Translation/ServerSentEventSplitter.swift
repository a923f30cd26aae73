/// Splits an event stream into its events as bytes arrive, whatever the pieces' boundaries: each complete event's
/// `event:` name and joined `data:` lines. Lines may end in LF or CRLF.
public struct ServerSentEventSplitter: Sendable {
    private var line: [UInt8] = []
    private var name: String?
    private var data: [UInt8] = []
    private var hasData = false

    public init() {}

    public mutating func consume(_ bytes: UnsafeRawBufferPointer, _ event: (_ name: String?, _ data: [UInt8]) -> Void) {
        for byte in bytes {
            guard byte == UInt8(ascii: "\n") else {
                self.line.append(byte)
                continue
            }
            if self.line.last == UInt8(ascii: "\r") { self.line.removeLast() }
            if self.line.isEmpty {
                if self.hasData || self.name != nil { event(self.name, self.data) }
                self.name = nil
                self.data.removeAll(keepingCapacity: true)
                self.hasData = false
            } else if self.line.starts(with: "data:".utf8) {
                var value = self.line.dropFirst(5)
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                if self.hasData { self.data.append(UInt8(ascii: "\n")) }
                self.data += value
                self.hasData = true
            } else if self.line.starts(with: "event:".utf8) {
                self.name = String(decoding: self.line.dropFirst(6), as: UTF8.self).trimmingSpaces
            }
            self.line.removeAll(keepingCapacity: true)
        }
    }

    /// The data of the complete events in `bytes` that is JSON, in order: what the provider stream readers read
    /// (`[DONE]` and other non-JSON data are left out).
    public mutating func json(_ bytes: UnsafeRawBufferPointer) -> [JSONValue] {
        var events: [JSONValue] = []
        self.consume(bytes) { _, data in
            if let event = JSONValue(parsing: data) { events.append(event) }
        }
        return events
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
