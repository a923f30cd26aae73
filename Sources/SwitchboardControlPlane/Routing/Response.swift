import SwitchboardCore

extension ControlPlane {
    /// An answer: status, body and headers beyond the gateway's own.
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var contentType = "application/json"
        public var headers: [(String, String)] = []

        /// `value` as JSON (keys sorted, so answers are stable byte for byte).
        static func json(_ value: some Encodable, status: Int = 200, headers: [(String, String)] = []) -> Self {
            Self(status: status, body: SortedJSON.bytes(value), headers: headers)
        }

        /// `{"success":true}`: what Portkey answers a delete with.
        static let success = Self.json(Success())

        static let noContent = Self(status: 204, body: [])
    }
}

/// Portkey's bare acknowledgement.
struct Success: Encodable {
    var success = true
}
