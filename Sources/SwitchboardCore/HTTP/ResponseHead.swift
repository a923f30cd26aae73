/// A parsed response head. Header names and values stay in the head's bytes (``HeaderSpan``), so the gateway
/// can copy header lines through without building strings.
public struct ResponseHead: Sendable {
    public var status: Int
    public var minorVersion: Int
    public var fields: HeaderFields

    public var isKeepAlive: Bool { self.fields.isKeepAlive(minorVersion: self.minorVersion) }

    /// The body's framing; `requestWasHEAD` because a response to HEAD never has a body.
    public func framing(requestWasHEAD: Bool) -> BodyFraming {
        if requestWasHEAD || self.status < 200 || self.status == 204 || self.status == 304 { return .none }
        if self.fields.isChunked { return .chunked }
        if let length = self.fields.contentLength { return length == 0 ? .none : .length(length) }
        return .untilClose
    }
}

/// Parsing of HTTP/1.1 response heads over raw bytes.
public enum ResponseHeadParser {
    /// Parses a complete head (as delimited by ``HTTPHead/length(_:)``).
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
        let fields = try HeaderFields.parse(head, from: HTTPHead.lineEnd(head, from: 12))
        return ResponseHead(status: status, minorVersion: minor, fields: fields)
    }
}
