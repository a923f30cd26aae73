/// Helpers shared by request and response head parsing.
public enum HTTPHead {
    /// The length of the head (through the blank line) if `bytes` holds a complete one, else `nil`.
    public static func length(_ bytes: UnsafeRawBufferPointer) -> Int? {
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
                // Neither CR nor LF: no terminator ends here or at the next byte ("\n\n" may end two further).
                index += 2
            }
        }
        return nil
    }

    /// The index just after the LF that ends the line starting at `from` (or the end of the bytes).
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        bytes.firstIndex(of: UInt8(ascii: "\n"), from: from).map { $0 + 1 } ?? max(from, bytes.count)
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

/// Where one header line sits in a head: offsets into the head's bytes.
public struct HeaderSpan: Sendable, Equatable {
    public var name: Range<Int>
    public var value: Range<Int>
    /// The whole line including its CRLF, for copying it unchanged.
    public var line: Range<Int>
}

/// The header lines of an HTTP/1.x head, as spans, with the fields that decide framing and connection reuse;
/// shared by ``RequestHead`` and ``ResponseHead``.
public struct HeaderFields: Sendable {
    public var headers: [HeaderSpan] = []
    public var contentLength: Int?
    public var isChunked = false
    public var connectionClose = false
    public var connectionKeepAlive = false
    public var expectsContinue = false

    /// HTTP/1.1 is persistent unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    /// The value of the first header named `lowercaseName` (compared ignoring case); `head` is the bytes the
    /// spans point into.
    public func value(of lowercaseName: StaticString, in head: UnsafeRawBufferPointer) -> String? {
        self.valueBytes(of: lowercaseName, in: head).map { String(decoding: $0, as: UTF8.self) }
    }

    /// ``value(of:in:)`` as the bytes in `head`, for tests that need no string.
    public func valueBytes(of lowercaseName: StaticString, in head: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        for span in self.headers
        where UnsafeRawBufferPointer(rebasing: head[span.name]).equalsIgnoringCase(lowercaseName) {
            return UnsafeRawBufferPointer(rebasing: head[span.value])
        }
        return nil
    }

    public func isKeepAlive(minorVersion: Int) -> Bool {
        minorVersion >= 1 ? !self.connectionClose : self.connectionKeepAlive
    }

    /// Parses header lines from `start` to the blank line.
    static func parse(_ head: UnsafeRawBufferPointer, from start: Int) throws(HTTPFramingError) -> HeaderFields {
        var result = HeaderFields()
        result.headers.reserveCapacity(16)
        var index = start
        while index < head.count {
            let lineStart = index
            let end = HTTPHead.lineEnd(head, from: index)
            var contentEnd = end
            while contentEnd > lineStart,
                head[contentEnd - 1] == UInt8(ascii: "\n") || head[contentEnd - 1] == UInt8(ascii: "\r")
            {
                contentEnd -= 1
            }
            if contentEnd == lineStart { break }  // the blank line
            guard let colon = (lineStart..<contentEnd).first(where: { head[$0] == UInt8(ascii: ":") }),
                colon > lineStart
            else { throw HTTPFramingError("a header line has no name") }
            guard head[colon - 1] != UInt8(ascii: " "), head[colon - 1] != UInt8(ascii: "\t") else {
                throw HTTPFramingError("whitespace before a header's colon")
            }
            var valueStart = colon + 1
            while valueStart < contentEnd,
                head[valueStart] == UInt8(ascii: " ") || head[valueStart] == UInt8(ascii: "\t")
            {
                valueStart += 1
            }
            var valueEnd = contentEnd
            while valueEnd > valueStart,
                head[valueEnd - 1] == UInt8(ascii: " ") || head[valueEnd - 1] == UInt8(ascii: "\t")
            {
                valueEnd -= 1
            }
            let span = HeaderSpan(name: lineStart..<colon, value: valueStart..<valueEnd, line: lineStart..<end)
            result.headers.append(span)
            let name = UnsafeRawBufferPointer(rebasing: head[span.name])
            let value = UnsafeRawBufferPointer(rebasing: head[span.value])
            switch name.count {
            case 14 where name.equalsIgnoringCase("content-length"):
                guard let length = HTTPHead.decimal(value) else {
                    throw HTTPFramingError("invalid content-length")
                }
                if let previous = result.contentLength, previous != length {
                    throw HTTPFramingError("conflicting content-length headers")
                }
                result.contentLength = length
            case 17 where name.equalsIgnoringCase("transfer-encoding"):
                result.isChunked = value.containsIgnoringCase("chunked")
            case 10 where name.equalsIgnoringCase("connection"):
                if value.containsIgnoringCase("close") { result.connectionClose = true }
                if value.containsIgnoringCase("keep-alive") { result.connectionKeepAlive = true }
            case 6 where name.equalsIgnoringCase("expect"):
                result.expectsContinue = value.equalsIgnoringCase("100-continue")
            default:
                break
            }
            index = end
        }
        return result
    }
}
