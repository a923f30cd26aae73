/// The request log write failed after the first `stored` records were committed; retry only the rest.
public struct RequestLogPartialWrite: Error, Sendable, CustomStringConvertible {
    public let stored: Int
    public let error: any Error

    public var description: String { "\(self.error) (after storing \(self.stored) records)" }
}
