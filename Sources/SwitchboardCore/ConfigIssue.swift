/// One problem in a configuration file, with where it is.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based, 0 when unknown.
    public var line: Int
    public var column: Int
    /// Dotted key path, e.g. `providers.openai.base_url`.
    public var path: String
    public var message: String

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// `file:line:column: path: message`, the form editors and CI logs link to.
    public var description: String {
        let location = self.line > 0 ? "\(self.file):\(self.line):\(self.column)" : self.file
        return self.path.isEmpty ? "\(location): \(self.message)" : "\(location): \(self.path): \(self.message)"
    }
}

/// Every problem found in a configuration file.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    public var description: String { self.issues.map(\.description).joined(separator: "\n") }
}
