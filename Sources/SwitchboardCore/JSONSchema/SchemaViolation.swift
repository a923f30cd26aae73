/// Where a value breaks its ``JSONSchema`` and how, in words a user can act on:
/// `'tools[0].function.name' is required.`
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    public enum Problem: Sendable, Equatable {
        case type(expected: [String], found: JSONValue)
        case notOneOf([JSONValue], found: JSONValue? = nil)
        case required
        case requiredWith(String)
        case unknownField
        case notAllowed
        indirect case badName(Problem)
        /// Too few or too many of a unit (`item`, `property`, `character`).
        case tooFew(String, Int)
        case tooMany(String, Int)
        case duplicate
        case containsTooFew(Int)
        case containsTooMany(Int)
        case pattern(String)
        case below(Double, equal: Bool)
        case above(Double, equal: Bool)
        case multipleOf(Double)
        case matchesNot
        case ambiguous
        case noBranch
        case unresolvable(String)
        case tooDeep

        /// The predicate, after the field's name.
        var phrase: String {
            switch self {
            case .type(let expected, let found):
                "must be \(Self.list(expected.map(Self.typePhrase), joiner: "or")), not \(found.typeName)"
            case .notOneOf(let choices, _):
                choices.count == 1
                    ? "must be \(choices[0].jsonText)"
                    : "must be one of \(choices.map(\.jsonText).joined(separator: ", "))"
            case .required: "is required"
            case .requiredWith(let other): "is required when '\(other)' is given"
            case .unknownField: "is not a field of this object: leave it out"
            case .notAllowed: "is not allowed here"
            case .badName(let problem): "is not an allowed name: it \(problem.phrase)"
            case .tooFew(let unit, let least): "must have at least \(Self.count(least, unit))"
            case .tooMany(let unit, let most): "must have at most \(Self.count(most, unit))"
            case .duplicate: "repeats an earlier item: items must be unique"
            case .containsTooFew(let least): "must contain at least \(least) matching item\(least == 1 ? "" : "s")"
            case .containsTooMany(let most): "must contain at most \(most) matching items"
            case .pattern(let pattern): "must match the pattern \(pattern)"
            case .below(let bound, let equal): "must be \(equal ? "at least" : "more than") \(Self.number(bound))"
            case .above(let bound, let equal): "must be \(equal ? "at most" : "less than") \(Self.number(bound))"
            case .multipleOf(let divisor): "must be a multiple of \(Self.number(divisor))"
            case .matchesNot: "has a form that is not allowed here"
            case .ambiguous: "matches more than one of the allowed forms: make it match exactly one"
            case .noBranch: "matches none of the allowed forms"
            case .unresolvable(let reference): "cannot be checked: the schema's reference \(reference) is missing"
            case .tooDeep: "is nested too deeply to check"
            }
        }

        private static func typePhrase(_ type: String) -> String {
            switch type {
            case "null": "null"
            case "boolean": "true or false"
            case "integer": "an integer"
            case "array": "an array"
            case "object": "an object"
            default: "a \(type)"
            }
        }

        private static func list(_ items: [String], joiner: String) -> String {
            items.count <= 1
                ? items.first ?? "nothing"
                : items.dropLast().joined(separator: ", ") + " \(joiner) " + items[items.count - 1]
        }

        /// `1 item`, `2 items`, `3 properties`.
        private static func count(_ count: Int, _ unit: String) -> String {
            count == 1 ? "1 \(unit)" : unit.hasSuffix("y") ? "\(count) \(unit.dropLast())ies" : "\(count) \(unit)s"
        }

        private static func number(_ value: Double) -> String { JSONValue.number(value).jsonText }
    }

    public var path: [Step]
    public var problem: Problem

    public init(_ path: [Step], _ problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// The path as a field name: `messages[0].content`; empty at the root.
    public var field: String {
        var out = ""
        for step in self.path {
            switch step {
            case .key(let key): out += out.isEmpty ? key : ".\(key)"
            case .index(let index): out += "[\(index)]"
            }
        }
        return out
    }

    /// `'field' must …`, or `<root> must …` at the root (e.g. "The body").
    public func message(root: String = "The value") -> String {
        let subject = self.path.isEmpty ? root : "'\(self.field)'"
        return "\(subject) \(self.problem.phrase)."
    }

    public var description: String { self.message() }

    /// One message for a value none of the branches accept: when every branch refused its type, the types they
    /// take together; otherwise the branch that got furthest into the value (its problem is the likeliest
    /// mistake).
    static func best(of failures: [SchemaViolation], at path: [Step]) -> SchemaViolation {
        var types: [String] = []
        var found: JSONValue?
        for failure in failures {
            guard failure.path == path, case .type(let expected, let value) = failure.problem else {
                types = []
                break
            }
            types += expected.filter { !types.contains($0) }
            found = value
        }
        if let found, !types.isEmpty { return SchemaViolation(path, .type(expected: types, found: found)) }
        return failures.max { $0.path.count < $1.path.count } ?? SchemaViolation(path, .noBranch)
    }
}
