/// A parsed request head: method, target and header lines as spans into the head's bytes.
public struct RequestHead: Sendable {
    public var method: Range<Int>
    public var target: Range<Int>
    public var minorVersion: Int
    public var fields: HeaderFields

    public var isKeepAlive: Bool { self.fields.isKeepAlive(minorVersion: self.minorVersion) }

    /// A request body's framing (RFC 9112 §6.3): chunked wins over a length; neither means no body.
    public var bodyFraming: BodyFraming {
        if self.fields.isChunked { return .chunked }
        if let length = self.fields.contentLength, length > 0 { return .length(length) }
        return .none
    }
}

/// Parsing of HTTP/1.x request heads over raw bytes.
public enum RequestHeadParser {
    /// Parses a complete head (as delimited by ``HTTPHead/length(_:)``).
    public static func parse(_ head: UnsafeRawBufferPointer) throws(HTTPFramingError) -> RequestHead {
        // Request line: METHOD SP target SP HTTP/1.x CRLF
        let lineEnd = HTTPHead.lineEnd(head, from: 0)
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
        return RequestHead(method: 0..<firstSpace, target: target, minorVersion: minor, fields: fields)
    }
}
