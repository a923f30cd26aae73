/// A provider base URL split into what a connection needs: scheme, host, port and the path prefix.
public struct UpstreamURL: Sendable, Hashable, CustomStringConvertible {
    public let isTLS: Bool
    public let host: String
    public let port: Int
    /// Path prefix without a trailing slash, e.g. `/v1`, or empty.
    public var basePath: String
    /// The `Host` header value: the port is omitted when it is the scheme's default. Kept, as every request
    /// sends it.
    public let hostHeader: String

    public init(isTLS: Bool, host: String, port: Int, basePath: String) {
        self.isTLS = isTLS
        self.host = host
        self.port = port
        self.basePath = basePath
        let name = host.contains(":") ? "[\(host)]" : host
        self.hostHeader = port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// Parses `http(s)://host[:port][/path]`. Query strings, fragments and user info are rejected.
    public init?(parsing text: String) {
        let isTLS: Bool
        var rest: Substring
        if text.hasPrefix("https://") {
            isTLS = true
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            isTLS = false
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        guard !rest.contains("?"), !rest.contains("#"), !rest.contains("@") else { return nil }
        let authority: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            rest = rest[slash...]
        } else {
            authority = rest
            rest = ""
        }
        var host: Substring
        var port = isTLS ? 443 : 80
        if authority.hasPrefix("[") {
            // IPv6 literal.
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = Int(after.dropFirst()), (1...65535).contains(parsed) else { return nil }
                port = parsed
            } else if !after.isEmpty {
                return nil
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                return nil
            }
            port = parsed
        } else {
            host = authority
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0.isNewline }) else { return nil }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        self.init(isTLS: isTLS, host: String(host), port: port, basePath: String(rest))
    }

    public var description: String { "\(self.isTLS ? "https" : "http")://\(self.hostHeader)\(self.basePath)" }
}
