import Foundation

/// What conditional routing looks at (spec/portkey.md B4).
public struct ConditionContext: Sendable {
    /// `x-portkey-metadata`, parsed (invalid JSON counts as `{}`).
    public var metadata: JSONValue
    /// The JSON request body (`{}` when there is none).
    public var params: JSONValue
    /// The request path, e.g. `/v1/chat/completions`.
    public var path: String

    public init(metadata: JSONValue = .object([]), params: JSONValue = .object([]), path: String = "") {
        self.metadata = metadata
        self.params = params
        self.path = path
    }

    /// The value a query key names: `metadata.KEY`, `params.KEY` or `url.pathname`; `nil` when absent.
    func value(of key: String) -> JSONValue? {
        if key == "url.pathname" { return .string(self.path) }
        guard let dot = key.firstIndex(of: ".") else { return nil }
        let scope = key[..<dot]
        let name = String(key[key.index(after: dot)...])
        guard !name.contains(".") else { return nil }
        switch scope {
        case "metadata": return self.metadata[name]
        case "params": return self.params[name]
        default: return nil
        }
    }
}

/// Mongo-style queries of conditional routing: `{"metadata.tier": {"$eq": "paid"}, "$or": [...]}`.
///
/// Every key of a query must hold. Unlike Portkey's gateway, sibling keys next to `$and`/`$or` and operators
/// next to `$regex` are all evaluated, and an unknown operator makes the condition false instead of an error.
public enum ConditionQuery {
    public static func matches(_ query: JSONValue, in context: ConditionContext) -> Bool {
        guard let members = query.members else { return false }
        for (key, operand) in members {
            let holds: Bool
            switch key {
            case "$and": holds = operand.array.map { $0.allSatisfy { matches($0, in: context) } } ?? false
            case "$or": holds = operand.array.map { $0.contains { matches($0, in: context) } } ?? false
            default:
                guard let value = context.value(of: key) else { return false }
                holds = Self.test(value, operand)
            }
            if !holds { return false }
        }
        return true
    }

    /// A plain operand means equality; an object holds operators, all of which must hold.
    private static func test(_ value: JSONValue, _ operand: JSONValue) -> Bool {
        guard let operators = operand.members, operators.contains(where: { $0.key.hasPrefix("$") }) else {
            return value == operand
        }
        for (name, argument) in operators {
            let holds: Bool
            switch name {
            case "$eq": holds = value == argument
            case "$ne": holds = value != argument
            case "$gt": holds = Self.compare(value, argument) { $0 > $1 }
            case "$gte": holds = Self.compare(value, argument) { $0 >= $1 }
            case "$lt": holds = Self.compare(value, argument) { $0 < $1 }
            case "$lte": holds = Self.compare(value, argument) { $0 <= $1 }
            case "$in": holds = argument.array?.contains(value) ?? false
            case "$nin": holds = argument.array.map { !$0.contains(value) } ?? false
            case "$regex": holds = Self.regex(value, argument)
            default: holds = false
            }
            if !holds { return false }
        }
        return true
    }

    private static func compare(_ value: JSONValue, _ argument: JSONValue, _ op: (Double, Double) -> Bool) -> Bool {
        guard let lhs = parseFloat(value), let rhs = parseFloat(argument) else { return false }
        return op(lhs, rhs)
    }

    /// JavaScript's `parseFloat`: a number, or the longest numeric prefix of a string; `nil` for NaN.
    static func parseFloat(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number): return number
        case .string(let text):
            let trimmed = text.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            var end = trimmed.endIndex
            while end > trimmed.startIndex {
                if let number = Double(trimmed[..<end]), number.isFinite || trimmed.hasPrefix("Infinity") {
                    return number
                }
                end = trimmed.index(before: end)
            }
            return nil
        default: return nil
        }
    }

    private static func regex(_ value: JSONValue, _ argument: JSONValue) -> Bool {
        guard let pattern = argument.string,
            let expression = try? NSRegularExpression(pattern: pattern)
        else { return false }
        let subject: String
        switch value {
        case .string(let text): subject = text
        case .number, .bool: subject = value.jsonText
        default: return false
        }
        let range = NSRange(subject.startIndex..., in: subject)
        return expression.firstMatch(in: subject, range: range) != nil
    }
}
