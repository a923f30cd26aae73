/// The header lines of an HTTP/1.x head, as spans, with the fields that decide framing and connection reuse.
struct HeaderFields {
    var spans: [HeaderSpan] = []
    var contentLength: Int?
    var isChunked = false
    var connectionClose = false
    var connectionKeepAlive = false
    var expectsContinue = false

    /// Parses header lines from `start` to the blank line.
    static func parse(_ head: UnsafeRawBufferPointer, from start: Int) throws(HTTPFramingError) -> HeaderFields {
        var result = HeaderFields()
        result.spans.reserveCapacity(16)
        var index = start
        while index < head.count {
            let lineStart = index
            let end = ResponseHeadParser.lineEnd(head, from: index)
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
            result.spans.append(span)
            let name = UnsafeRawBufferPointer(rebasing: head[span.name])
            let value = UnsafeRawBufferPointer(rebasing: head[span.value])
            switch name.count {
            case 14 where name.equalsIgnoringCase("content-length"):
                guard let length = ResponseHeadParser.decimal(value) else {
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

/// A parsed request head: method, target and header lines as spans into the head's bytes.
public struct RequestHead: Sendable {
    public var method: Range<Int>
    public var target: Range<Int>
    public var minorVersion: Int
    public var headers: [HeaderSpan]
    public var contentLength: Int?
    public var isChunked: Bool
    public var connectionClose: Bool
    public var connectionKeepAlive: Bool
    public var expectsContinue: Bool

    public var isKeepAlive: Bool { self.minorVersion >= 1 ? !self.connectionClose : self.connectionKeepAlive }

    /// A request body's framing (RFC 9112 §6.3): chunked wins over a length; neither means no body.
    public var bodyFraming: BodyFraming {
        if self.isChunked { return .chunked }
        if let length = self.contentLength, length > 0 { return .length(length) }
        return .none
    }
}

/// Parsing of HTTP/1.x request heads over raw bytes.
public enum RequestHeadParser {
    /// Parses a complete head (as delimited by ``ResponseHeadParser/headLength(_:)``).
    public static func parse(_ head: UnsafeRawBufferPointer) throws(HTTPFramingError) -> RequestHead {
        // Request line: METHOD SP target SP HTTP/1.x CRLF
        let lineEnd = ResponseHeadParser.lineEnd(head, from: 0)
        guard let firstSpace = (0..<lineEnd).first(where: { head[$0] == UInt8(ascii: " ") }), firstSpace > 0 else {
            throw HTTPFramingError("malformed request line")
        }
        for index in 0..<firstSpace {
            let byte = head[index]
            guard byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") || byte == UInt8(ascii: "-") else {
                throw HTTPFramingError("malformed method")
            }
        }
        var contentEnd = lineEnd
        while contentEnd > 0, head[contentEnd - 1] == UInt8(ascii: "\n") || head[contentEnd - 1] == UInt8(ascii: "\r") {
            contentEnd -= 1
        }
        guard contentEnd - firstSpace > 10, head[contentEnd - 9] == UInt8(ascii: " ") else {
            throw HTTPFramingError("malformed request line")
        }
        let version = UnsafeRawBufferPointer(rebasing: head[(contentEnd - 8)..<contentEnd])
        let minor: Int
        if version.equals("HTTP/1.1") {
            minor = 1
        } else if version.equals("HTTP/1.0") {
            minor = 0
        } else {
            throw HTTPFramingError("unsupported HTTP version")
        }
        let target = (firstSpace + 1)..<(contentEnd - 9)
        guard !target.isEmpty, !head[target].contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw HTTPFramingError("malformed request target")
        }
        let fields = try HeaderFields.parse(head, from: lineEnd)
        if fields.isChunked, fields.contentLength != nil {
            // RFC 9112 §6.3: a request with both is a smuggling risk; refuse it.
            throw HTTPFramingError("both transfer-encoding and content-length")
        }
        return RequestHead(
            method: 0..<firstSpace,
            target: target,
            minorVersion: minor,
            headers: fields.spans,
            contentLength: fields.contentLength,
            isChunked: fields.isChunked,
            connectionClose: fields.connectionClose,
            connectionKeepAlive: fields.connectionKeepAlive,
            expectsContinue: fields.expectsContinue
        )
    }
}

extension UnsafeRawBufferPointer {
    /// ASCII case-insensitive prefix test with a lowercase literal.
    @inlinable
    public func hasPrefixIgnoringCase(_ lowercase: StaticString) -> Bool {
        let length = lowercase.utf8CodeUnitCount
        guard self.count >= length else { return false }
        return UnsafeRawBufferPointer(rebasing: self[0..<length]).equalsIgnoringCase(lowercase)
    }

    /// ASCII case-insensitive equality with a string.
    public func elementsEqualIgnoringCase(_ other: String) -> Bool {
        guard self.count == other.utf8.count else { return false }
        return zip(self, other.utf8).allSatisfy { a, b in
            let lowerA = a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a
            let lowerB = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
            return lowerA == lowerB
        }
    }
}
