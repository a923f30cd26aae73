/// Why an upstream's bytes are not a usable HTTP/1.1 response.
public struct HTTPFramingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "invalid HTTP response from the provider: \(self.reason)" }
}
