/// How a response body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
    /// Read until the upstream closes the connection.
    case untilClose
}

/// Follows a response body's framing over raw bytes, so the gateway knows where the response ends (to reuse
/// the connection) while it forwards the bytes untouched; for chunked bodies it also reports where the data
/// is, for clients that need it unframed.
public struct BodyFramer: Sendable {
    private enum State: Sendable {
        case length(remaining: Int)
        case chunkSize(value: Int, digits: Int, inExtension: Bool, sawCR: Bool)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailerLineStart
        case trailerLine
        case trailerEndLF
        case untilClose
        case complete
    }

    private var state: State

    public init(_ framing: BodyFraming) {
        switch framing {
        case .none: self.state = .complete
        case .length(let length): self.state = length > 0 ? .length(remaining: length) : .complete
        case .chunked: self.state = .chunkSize(value: 0, digits: 0, inExtension: false, sawCR: false)
        case .untilClose: self.state = .untilClose
        }
    }

    /// Whether the body is delimited by the connection closing.
    public var isUntilClose: Bool {
        if case .untilClose = self.state { return true }
        return false
    }

    /// Whether the body has ended (never true for ``BodyFraming/untilClose``: that ends with the connection).
    /// Whether a chunked body stands between two chunks, where a chunk of the gateway's own may be added.
    public var isAtChunkStart: Bool {
        if case .chunkSize(0, 0, false, false) = self.state { return true }
        return false
    }

    public var isComplete: Bool {
        if case .complete = self.state { return true }
        return false
    }

    /// Consumes the body bytes at the start of `bytes`.
    /// - Parameter data: called with each range of `bytes` that is payload (chunk framing excluded).
    /// - Returns: how many bytes belong to this body; fewer than `bytes.count` only when the body ended.
    public mutating func consume(
        _ bytes: UnsafeRawBufferPointer,
        data: (Range<Int>) -> Void = { _ in }
    ) throws(HTTPFramingError) -> Int {
        var index = 0
        let count = bytes.count
        while index < count {
            switch self.state {
            case .complete:
                return index
            case .untilClose:
                data(index..<count)
                return count
            case .length(let remaining):
                let take = min(remaining, count - index)
                data(index..<(index + take))
                index += take
                self.state = remaining == take ? .complete : .length(remaining: remaining - take)
            case .chunkData(let remaining):
                let take = min(remaining, count - index)
                data(index..<(index + take))
                index += take
                self.state = remaining == take ? .chunkDataCR : .chunkData(remaining: remaining - take)
            case .chunkSize(var value, var digits, var inExtension, let sawCR):
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") {
                    guard digits > 0 else { throw HTTPFramingError("empty chunk size") }
                    self.state = value == 0 ? .trailerLineStart : .chunkData(remaining: value)
                    continue
                }
                if sawCR { throw HTTPFramingError("CR without LF after a chunk size") }
                if byte == UInt8(ascii: "\r") {
                    self.state = .chunkSize(value: value, digits: digits, inExtension: inExtension, sawCR: true)
                    continue
                }
                if inExtension { continue }
                if byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    inExtension = true
                } else {
                    guard let digit = Self.hexValue(byte), digits < 15 else {
                        throw HTTPFramingError("invalid chunk size")
                    }
                    value = value * 16 + digit
                    digits += 1
                }
                self.state = .chunkSize(value: value, digits: digits, inExtension: inExtension, sawCR: false)
            case .chunkDataCR:
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\r") {
                    self.state = .chunkDataLF
                } else if byte == UInt8(ascii: "\n") {
                    self.state = .chunkSize(value: 0, digits: 0, inExtension: false, sawCR: false)
                } else {
                    throw HTTPFramingError("chunk data longer than its size")
                }
            case .chunkDataLF:
                guard bytes[index] == UInt8(ascii: "\n") else {
                    throw HTTPFramingError("CR without LF after chunk data")
                }
                index += 1
                self.state = .chunkSize(value: 0, digits: 0, inExtension: false, sawCR: false)
            case .trailerLineStart:
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\r") {
                    self.state = .trailerEndLF
                } else if byte == UInt8(ascii: "\n") {
                    self.state = .complete
                } else {
                    self.state = .trailerLine
                }
            case .trailerLine:
                if bytes[index] == UInt8(ascii: "\n") { self.state = .trailerLineStart }
                index += 1
            case .trailerEndLF:
                guard bytes[index] == UInt8(ascii: "\n") else {
                    throw HTTPFramingError("malformed end of chunked body")
                }
                index += 1
                self.state = .complete
            }
        }
        return index
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}
