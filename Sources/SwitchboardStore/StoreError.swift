/// An error of the store that callers act on. A struct wrapping a private code (as swift-nio's and
/// async-http-client's errors are), so codes can be added without breaking callers; compare ``code`` with the
/// static codes, or whole errors with `==`.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, without the detail.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case conflict
            case badLocation = "bad_location"
            case inUse = "in_use"
            case sqlite
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A unique value (slug, name) is taken.
        public static let conflict = Code(.conflict)
        /// `--store` / `SWITCHBOARD_STORE` is not a store location.
        public static let badLocation = Code(.badLocation)
        /// A row others still refer to.
        public static let inUse = Code(.inUse)
        /// SQLite refused something the request log's own connection asked.
        public static let sqlite = Code(.sqlite)

        /// A bounded name for logs and metric labels.
        public var description: String { self.base.rawValue }
    }

    public let code: Code
    /// What the error is about: the taken name, the location, the rows that refer, SQLite's message.
    public let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public static func conflict(_ what: String) -> StoreError { StoreError(.conflict, what) }
    public static func badLocation(_ text: String) -> StoreError { StoreError(.badLocation, text) }
    public static func inUse(_ what: String) -> StoreError { StoreError(.inUse, what) }
    public static func sqlite(_ message: String) -> StoreError { StoreError(.sqlite, message) }

    public var description: String {
        switch self.code {
        case .conflict: "\(self.detail) already exists"
        case .sqlite: "SQLite: \(self.detail)"
        case .badLocation:
            "'\(self.detail)' is not a store location; use sqlite:PATH (e.g. sqlite:.switchboard/switchboard.sqlite) "
                + "or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        default: self.detail
        }
    }
}
