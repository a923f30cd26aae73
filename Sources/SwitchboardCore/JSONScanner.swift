/// The kind of a JSON value found by ``JSONScanner``.
public enum JSONValueKind: Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// Where a JSON value sits in a byte buffer: `range` covers the whole value, quotes and brackets included.
public struct JSONValueSpan: Sendable, Equatable {
    public var range: Range<Int>
    public var kind: JSONValueKind

    public init(range: Range<Int>, kind: JSONValueKind) {
        self.range = range
        self.kind = kind
    }
}

/// A JSON syntax error with the place it was found, for messages such as "line 3, column 14: expected ','".
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var line: Int
    public var column: Int
    public var reason: String

    public var description: String { "line \(self.line), column \(self.column) (byte \(self.offset)): \(self.reason)" }
}

/// The shape of a top-level JSON object: where it closes and whether it has members, for appending fields.
public struct JSONObjectLayout: Sendable, Equatable {
    /// Offset of the closing `}`.
    public var closingBrace: Int
    public var memberCount: Int
}

/// A validating, allocation-free JSON scanner over raw bytes.
///
/// The gateway needs only a few top-level fields of a request body (model, stream, …) but must reject
/// malformed JSON with a precise location. Validating while skipping costs about the same as skipping,
/// so one pass does both; values are never decoded unless a caller asks for one.
public struct JSONScanner: ~Copyable {
    private let bytes: UnsafeRawBufferPointer
    private var index: Int = 0
    private static let maxDepth = 256

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Scans a document whose root must be an object, calling `member` with each top-level key (raw bytes
    /// between the quotes, escapes not decoded) and the span of its value.
    public static func scanObject(
        _ bytes: UnsafeRawBufferPointer,
        member: (_ key: UnsafeRawBufferPointer, _ value: JSONValueSpan) throws -> Void
    ) throws -> JSONObjectLayout {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.index < bytes.count else { throw scanner.error("the body is empty; expected a JSON object") }
        guard bytes[scanner.index] == UInt8(ascii: "{") else {
            throw scanner.error("expected a JSON object at the top level")
        }
        let layout = try scanner.scanObjectMembers(depth: 1, member: member)
        scanner.skipWhitespace()
        if scanner.index < bytes.count { throw scanner.error("unexpected data after the JSON object") }
        return layout
    }

    /// Scans the members of the object that starts at `span` (an object span found by an earlier scan).
    public static func scanNestedObject(
        _ bytes: UnsafeRawBufferPointer,
        at span: JSONValueSpan,
        member: (_ key: UnsafeRawBufferPointer, _ value: JSONValueSpan) throws -> Void
    ) throws {
        var scanner = JSONScanner(bytes)
        scanner.index = span.range.lowerBound
        _ = try scanner.scanObjectMembers(depth: 1, member: member)
    }

    // MARK: - Scanning

    private mutating func scanObjectMembers(
        depth: Int,
        member: (UnsafeRawBufferPointer, JSONValueSpan) throws -> Void
    ) throws -> JSONObjectLayout {
        // At '{'.
        self.index += 1
        self.skipWhitespace()
        var count = 0
        if self.peek() == UInt8(ascii: "}") {
            let layout = JSONObjectLayout(closingBrace: self.index, memberCount: 0)
            self.index += 1
            return layout
        }
        while true {
            guard self.peek() == UInt8(ascii: "\"") else { throw self.error("expected a quoted member name") }
            let keyStart = self.index + 1
            try self.skipString()
            let key = UnsafeRawBufferPointer(rebasing: self.bytes[keyStart..<(self.index - 1)])
            self.skipWhitespace()
            guard self.peek() == UInt8(ascii: ":") else { throw self.error("expected ':' after a member name") }
            self.index += 1
            self.skipWhitespace()
            let valueStart = self.index
            let kind = try self.skipValue(depth: depth)
            try member(key, JSONValueSpan(range: valueStart..<self.index, kind: kind))
            count += 1
            self.skipWhitespace()
            switch self.peek() {
            case UInt8(ascii: ","):
                self.index += 1
                self.skipWhitespace()
            case UInt8(ascii: "}"):
                let layout = JSONObjectLayout(closingBrace: self.index, memberCount: count)
                self.index += 1
                return layout
            default:
                throw self.error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func skipValue(depth: Int) throws -> JSONValueKind {
        guard depth < Self.maxDepth else { throw self.error("nesting deeper than \(Self.maxDepth) levels") }
        guard let byte = self.peek() else { throw self.error("unexpected end of the body; expected a value") }
        switch byte {
        case UInt8(ascii: "{"):
            _ = try self.scanObjectMembers(depth: depth + 1) { _, _ in }
            return .object
        case UInt8(ascii: "["):
            try self.skipArray(depth: depth + 1)
            return .array
        case UInt8(ascii: "\""):
            try self.skipString()
            return .string
        case UInt8(ascii: "t"):
            try self.skipLiteral("true")
            return .bool
        case UInt8(ascii: "f"):
            try self.skipLiteral("false")
            return .bool
        case UInt8(ascii: "n"):
            try self.skipLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try self.skipNumber()
            return .number
        default:
            throw self.error("unexpected character '\(Self.printable(byte))'; expected a value")
        }
    }

    private mutating func skipArray(depth: Int) throws {
        self.index += 1
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "]") {
            self.index += 1
            return
        }
        while true {
            _ = try self.skipValue(depth: depth)
            self.skipWhitespace()
            switch self.peek() {
            case UInt8(ascii: ","):
                self.index += 1
                self.skipWhitespace()
            case UInt8(ascii: "]"):
                self.index += 1
                return
            default:
                throw self.error("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func skipString() throws {
        // At the opening quote.
        self.index += 1
        let count = self.bytes.count
        while self.index < count {
            // Eight bytes at a time while none is a quote, a backslash or a control character: message
            // content is most of a request body, and this makes skipping it about four times faster.
            while self.index + 8 <= count {
                let word = UInt64(littleEndian: self.bytes.loadUnaligned(fromByteOffset: self.index, as: UInt64.self))
                guard !Self.hasSpecialByte(word) else { break }
                self.index += 8
            }
            guard self.index < count else { break }
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                self.index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                self.index += 1
                guard self.index < count else { break }
                switch self.bytes[self.index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    self.index += 1
                case UInt8(ascii: "u"):
                    self.index += 1
                    for _ in 0..<4 {
                        guard self.index < count, Self.isHexDigit(self.bytes[self.index]) else {
                            throw self.error("invalid \\u escape in a string")
                        }
                        self.index += 1
                    }
                default:
                    throw self.error("invalid escape sequence in a string")
                }
                continue
            }
            if byte < 0x20 { throw self.error("unescaped control character in a string") }
            self.index += 1
        }
        throw self.error("unterminated string")
    }

    private mutating func skipLiteral(_ literal: StaticString) throws {
        let length = literal.utf8CodeUnitCount
        guard self.index + length <= self.bytes.count else { throw self.error("invalid literal; expected \(literal)") }
        let base = literal.utf8Start
        for offset in 0..<length where self.bytes[self.index + offset] != base[offset] {
            throw self.error("invalid literal; expected \(literal)")
        }
        self.index += length
    }

    private mutating func skipNumber() throws {
        if self.peek() == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.peek(), Self.isDigit(first) else { throw self.error("invalid number") }
        self.index += 1
        if first != UInt8(ascii: "0") { self.skipDigits() }
        if self.peek() == UInt8(ascii: ".") {
            self.index += 1
            guard let digit = self.peek(), Self.isDigit(digit) else {
                throw self.error("invalid number: digit expected after '.'")
            }
            self.skipDigits()
        }
        if let e = self.peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            self.index += 1
            if let sign = self.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { self.index += 1 }
            guard let digit = self.peek(), Self.isDigit(digit) else {
                throw self.error("invalid number: digit expected in exponent")
            }
            self.skipDigits()
        }
    }

    private mutating func skipDigits() {
        while let byte = self.peek(), Self.isDigit(byte) { self.index += 1 }
    }

    private mutating func skipWhitespace() {
        let count = self.bytes.count
        while self.index < count {
            switch self.bytes[self.index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): self.index += 1
            default: return
            }
        }
    }

    @inline(__always)
    private func peek() -> UInt8? {
        self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    /// Whether any byte of `word` is `"`, `\\` or below 0x20 (SWAR: no false positives or negatives).
    @inline(__always)
    private static func hasSpecialByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word & highs
        return hasZeroByte(quote) || hasZeroByte(backslash) || control != 0
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        Self.isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    private static func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }

    private func error(_ reason: String) -> JSONSyntaxError {
        let offset = min(self.index, self.bytes.count)
        var line = 1
        var column = 1
        for byte in self.bytes[0..<offset] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONSyntaxError(offset: offset, line: line, column: column, reason: reason)
    }
}
