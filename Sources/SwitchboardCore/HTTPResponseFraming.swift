/// Why an upstream's bytes are not a usable HTTP/1.1 response.
public struct HTTPFramingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "invalid HTTP response from the provider: \(self.reason)" }
}

/// Where one header line sits in a response head: offsets into the head's bytes.
public struct HeaderSpan: Sendable, Equatable {
    public var name: Range<Int>
    public var value: Range<Int>
    /// The whole line including its CRLF, for copying it unchanged.
    public var line: Range<Int>
}

/// How a response body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
    /// Read until the upstream closes the connection.
    case untilClose
}

/// A parsed response head. Header names and values stay in the head's bytes (``HeaderSpan``), so the gateway
/// can copy header lines through without building strings.
public struct ResponseHead: Sendable {
    public var status: Int
    public var minorVersion: Int
    public var headers: [HeaderSpan]
    public var contentLength: Int?
    public var isChunked: Bool
    public var connectionClose: Bool
    public var connectionKeepAlive: Bool

    public var isKeepAlive: Bool { self.minorVersion >= 1 ? !self.connectionClose : self.connectionKeepAlive }

    /// The body's framing; `requestWasHEAD` because a response to HEAD never has a body.
    public func framing(requestWasHEAD: Bool) -> BodyFraming {
        if requestWasHEAD || self.status < 200 || self.status == 204 || self.status == 304 { return .none }
        if self.isChunked { return .chunked }
        if let length = self.contentLength { return length == 0 ? .none : .length(length) }
        return .untilClose
    }
}

/// Parsing of HTTP/1.1 response heads over raw bytes.
public enum ResponseHeadParser {
    /// The length of the head (through the blank line) if `bytes` holds a complete one, else `nil`.
    public static func headLength(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = 3
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                if bytes[index - 1] == UInt8(ascii: "\n") { return index + 1 }
                if bytes[index - 1] == UInt8(ascii: "\r"), bytes[index - 2] == UInt8(ascii: "\n") { return index + 1 }
                index += 1
            } else if byte == UInt8(ascii: "\r") {
                index += 1
            } else {
                // Neither CR nor LF: the earliest possible end is three bytes further.
                index += 3
            }
        }
        return nil
    }

    /// Parses a complete head (as delimited by ``headLength(_:)``).
    public static func parse(_ head: UnsafeRawBufferPointer) throws(HTTPFramingError) -> ResponseHead {
        // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
        guard head.count >= 12, head[0] == UInt8(ascii: "H"), head[1] == UInt8(ascii: "T"),
            head[2] == UInt8(ascii: "T"),
            head[3] == UInt8(ascii: "P"), head[4] == UInt8(ascii: "/"), head[5] == UInt8(ascii: "1"),
            head[6] == UInt8(ascii: "."), head[8] == UInt8(ascii: " ")
        else { throw HTTPFramingError("the status line does not start with HTTP/1.x") }
        let minor = Int(head[7]) - Int(UInt8(ascii: "0"))
        var status = 0
        for offset in 9..<12 {
            let digit = Int(head[offset]) - Int(UInt8(ascii: "0"))
            guard (0...9).contains(digit) else { throw HTTPFramingError("the status code is not three digits") }
            status = status * 10 + digit
        }
        guard (100...999).contains(status), (0...1).contains(minor) else {
            throw HTTPFramingError("unsupported version or status")
        }
        var result = ResponseHead(
            status: status,
            minorVersion: minor,
            headers: [],
            contentLength: nil,
            isChunked: false,
            connectionClose: false,
            connectionKeepAlive: false
        )
        let fields = try HeaderFields.parse(head, from: Self.lineEnd(head, from: 12))
        result.headers = fields.spans
        result.contentLength = fields.contentLength
        result.isChunked = fields.isChunked
        result.connectionClose = fields.connectionClose
        result.connectionKeepAlive = fields.connectionKeepAlive
        return result
    }

    /// The index just after the LF that ends the line starting at `from` (or the end of the bytes).
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        var index = from
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { return index + 1 }
            index += 1
        }
        return index
    }

    static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
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

extension UnsafeRawBufferPointer {
    /// ASCII case-insensitive equality with a lowercase literal.
    @inlinable
    public func equalsIgnoringCase(_ lowercase: StaticString) -> Bool {
        let length = lowercase.utf8CodeUnitCount
        guard self.count == length else { return false }
        let base = lowercase.utf8Start
        for offset in 0..<length {
            var byte = self[offset]
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if byte != base[offset] { return false }
        }
        return true
    }

    /// Whether a lowercase ASCII `word` occurs in these bytes, ignoring case.
    @inlinable
    public func containsIgnoringCase(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard self.count >= length else { return false }
        let base = word.utf8Start
        outer: for start in 0...(self.count - length) {
            for offset in 0..<length {
                var byte = self[start + offset]
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                if byte != base[offset] { continue outer }
            }
            return true
        }
        return false
    }
}
