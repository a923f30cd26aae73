import Foundation

/// A JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it) and the document its `$ref`s point into, checking JSON
/// values and naming the first place one breaks it. Used where a body must be what its API accepts (preset source
/// bodies, guardrail checks); never on the request path of a plain request.
///
/// Keywords checked: `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`,
/// `patternProperties`, `propertyNames`, `minProperties`, `maxProperties`, `dependentRequired`, `items`,
/// `prefixItems`, `contains`, `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`,
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `allOf`, `anyOf`, `oneOf`, `not`,
/// `if` / `then` / `else`, `$ref` (a JSON pointer into the document, `#` for its root) and OpenAPI's
/// `discriminator` (a `oneOf` / `anyOf` with one picks its branch by the property's value, so the message is that
/// branch's). Annotations (`format`, `description`, `default` …) are not assertions, as in the specification;
/// `unevaluated*`, `$dynamicRef` and remote references are not supported.
public struct JSONSchema: Sendable {
    public let schema: JSONValue
    /// Where `#/…` references resolve: the schema itself, or the document it was taken from.
    public let document: JSONValue

    public init(_ schema: JSONValue, in document: JSONValue? = nil) {
        self.schema = schema
        self.document = document ?? schema
    }

    /// The schema at `pointer` (`#/components/schemas/ChatRequest`) in `document`, with the same document.
    public init?(pointer: String, in document: JSONValue) {
        guard let schema = Self.resolve(pointer, in: document) else { return nil }
        self.init(schema, in: document)
    }

    /// The first place `instance` breaks the schema; `nil` when it is valid.
    public func violation(of instance: JSONValue) -> SchemaViolation? {
        var checker = Checker(document: self.document)
        return checker.check(instance, self.schema, at: [])
    }

    static func resolve(_ pointer: String, in document: JSONValue) -> JSONValue? {
        guard pointer.hasPrefix("#") else { return nil }
        var node = document
        for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let array = node.array {
                guard let index = Int(key), array.indices.contains(index) else { return nil }
                node = array[index]
            } else if let next = node[key.removingPercentEncoding ?? key] {
                node = next
            } else {
                return nil
            }
        }
        return node
    }
}

/// Walks an instance and a schema together. `depth` bounds `$ref` chains that consume no input.
private struct Checker {
    typealias Path = [SchemaViolation.Step]

    let document: JSONValue
    var depth = 0

    mutating func check(_ value: JSONValue, _ schema: JSONValue, at path: Path) -> SchemaViolation? {
        if let accepts = schema.bool { return accepts ? nil : SchemaViolation(path, .notAllowed) }
        guard schema.members != nil else { return nil }
        self.depth += 1
        defer { self.depth -= 1 }
        if self.depth > 512 { return SchemaViolation(path, .tooDeep) }

        if let reference = schema["$ref"]?.string {
            guard let target = JSONSchema.resolve(reference, in: self.document) else {
                return SchemaViolation(path, .unresolvable(reference))
            }
            if let violation = self.check(value, target, at: path) { return violation }
        }
        if let violation = self.checkType(value, schema, at: path) { return violation }
        if let choices = schema["enum"]?.array, !choices.contains(value) {
            return SchemaViolation(path, .notOneOf(choices))
        }
        if let constant = schema["const"], constant != value { return SchemaViolation(path, .notOneOf([constant])) }
        switch value {
        case .object(let members):
            if let violation = self.checkObject(members, schema, at: path) { return violation }
        case .array(let items):
            if let violation = self.checkArray(items, schema, at: path) { return violation }
        case .string(let text):
            if let violation = Self.checkString(text, schema, at: path) { return violation }
        case .number(let number):
            if let violation = Self.checkNumber(number, schema, at: path) { return violation }
        case .null, .bool: break
        }
        return self.checkCombinators(value, schema, at: path)
    }

    private func checkType(_ value: JSONValue, _ schema: JSONValue, at path: Path) -> SchemaViolation? {
        guard let type = schema["type"] else { return nil }
        let types = type.array?.compactMap(\.string) ?? type.string.map { [$0] } ?? []
        guard !types.contains(where: { Self.value(value, hasType: $0) }) else { return nil }
        return SchemaViolation(path, .type(expected: types, found: value))
    }

    static func value(_ value: JSONValue, hasType type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array),
            ("object", .object):
            true
        case ("integer", .number(let number)): number.rounded() == number && number.isFinite
        default: false
        }
    }

    private mutating func checkObject(
        _ members: [(key: String, value: JSONValue)],
        _ schema: JSONValue,
        at path: Path
    ) -> SchemaViolation? {
        for name in schema["required"]?.array?.compactMap(\.string) ?? []
        where !members.contains(where: { $0.key == name }) {
            return SchemaViolation(path + [.key(name)], .required)
        }
        if let least = schema["minProperties"]?.int, members.count < least {
            return SchemaViolation(path, .tooFew("property", least))
        }
        if let most = schema["maxProperties"]?.int, members.count > most {
            return SchemaViolation(path, .tooMany("property", most))
        }
        if let dependencies = schema["dependentRequired"]?.members {
            for (name, needed) in dependencies where members.contains(where: { $0.key == name }) {
                for other in needed.array?.compactMap(\.string) ?? []
                where !members.contains(where: { $0.key == other }) {
                    return SchemaViolation(path + [.key(other)], .requiredWith(name))
                }
            }
        }
        let properties = schema["properties"]
        let patterns = schema["patternProperties"]?.members ?? []
        let additional = schema["additionalProperties"]
        for (key, value) in members {
            let at = path + [.key(key)]
            if let names = schema["propertyNames"], let violation = self.check(.string(key), names, at: at) {
                return SchemaViolation(at, .badName(violation.problem))
            }
            var matched = false
            if let property = properties?[key] {
                matched = true
                if let violation = self.check(value, property, at: at) { return violation }
            }
            for (pattern, property) in patterns where Self.matches(key, pattern) {
                matched = true
                if let violation = self.check(value, property, at: at) { return violation }
            }
            if !matched, let additional {
                if additional.bool == false { return SchemaViolation(at, .unknownField) }
                if let violation = self.check(value, additional, at: at) { return violation }
            }
        }
        return nil
    }

    private mutating func checkArray(
        _ items: [JSONValue],
        _ schema: JSONValue,
        at path: Path
    )
        -> SchemaViolation?
    {
        if let least = schema["minItems"]?.int, items.count < least {
            return SchemaViolation(path, .tooFew("item", least))
        }
        if let most = schema["maxItems"]?.int, items.count > most {
            return SchemaViolation(path, .tooMany("item", most))
        }
        let prefix = schema["prefixItems"]?.array ?? []
        for (index, item) in items.enumerated() {
            let itemSchema = index < prefix.count ? prefix[index] : schema["items"]
            if let itemSchema, let violation = self.check(item, itemSchema, at: path + [.index(index)]) {
                return violation
            }
        }
        if schema["uniqueItems"]?.bool == true {
            for index in items.indices.dropFirst() where items[..<index].contains(items[index]) {
                return SchemaViolation(path + [.index(index)], .duplicate)
            }
        }
        if let contains = schema["contains"] {
            let count = items.indices.count { self.check(items[$0], contains, at: path + [.index($0)]) == nil }
            let least = schema["minContains"]?.int ?? 1
            if count < least { return SchemaViolation(path, .containsTooFew(least)) }
            if let most = schema["maxContains"]?.int, count > most {
                return SchemaViolation(path, .containsTooMany(most))
            }
        }
        return nil
    }

    private static func checkString(
        _ text: String,
        _ schema: JSONValue,
        at path: Path
    )
        -> SchemaViolation?
    {
        // Lengths count code points, as the specification does.
        let length = text.unicodeScalars.count
        if let least = schema["minLength"]?.int, length < least {
            return SchemaViolation(path, .tooFew("character", least))
        }
        if let most = schema["maxLength"]?.int, length > most {
            return SchemaViolation(path, .tooMany("character", most))
        }
        if let pattern = schema["pattern"]?.string, !Self.matches(text, pattern) {
            return SchemaViolation(path, .pattern(pattern))
        }
        return nil
    }

    private static func checkNumber(
        _ number: Double,
        _ schema: JSONValue,
        at path: Path
    )
        -> SchemaViolation?
    {
        if let bound = schema["minimum"]?.number, number < bound {
            return SchemaViolation(path, .below(bound, equal: true))
        }
        if let bound = schema["maximum"]?.number, number > bound {
            return SchemaViolation(path, .above(bound, equal: true))
        }
        if let bound = schema["exclusiveMinimum"]?.number, number <= bound {
            return SchemaViolation(path, .below(bound, equal: false))
        }
        if let bound = schema["exclusiveMaximum"]?.number, number >= bound {
            return SchemaViolation(path, .above(bound, equal: false))
        }
        if let divisor = schema["multipleOf"]?.number, divisor > 0 {
            let quotient = number / divisor
            if quotient.isFinite, abs(quotient - quotient.rounded()) > 1e-9 {
                return SchemaViolation(path, .multipleOf(divisor))
            }
        }
        return nil
    }

    private mutating func checkCombinators(
        _ value: JSONValue,
        _ schema: JSONValue,
        at path: Path
    )
        -> SchemaViolation?
    {
        for part in schema["allOf"]?.array ?? [] {
            if let violation = self.check(value, part, at: path) { return violation }
        }
        if let negated = schema["not"], self.check(value, negated, at: path) == nil {
            return SchemaViolation(path, .matchesNot)
        }
        if let condition = schema["if"] {
            let branch = self.check(value, condition, at: path) == nil ? schema["then"] : schema["else"]
            if let branch, let violation = self.check(value, branch, at: path) { return violation }
        }
        if let branches = schema["anyOf"]?.array ?? schema["oneOf"]?.array {
            let exactlyOne = schema["anyOf"] == nil
            if let picked = self.discriminated(value, schema) {
                return self.check(value, picked, at: path)
            }
            var failures: [SchemaViolation] = []
            var matches = 0
            for branch in branches {
                if let violation = self.check(value, branch, at: path) {
                    failures.append(violation)
                } else {
                    matches += 1
                    if !exactlyOne { return nil }
                }
            }
            if matches > 1 { return SchemaViolation(path, .ambiguous) }
            if matches == 0 {
                return self.discriminatorViolation(value, schema, at: path)
                    ?? SchemaViolation.best(of: failures, at: path)
            }
        }
        return nil
    }

    /// The branch OpenAPI's `discriminator` names for `value`, when it names one.
    private func discriminated(_ value: JSONValue, _ schema: JSONValue) -> JSONValue? {
        guard let discriminator = schema["discriminator"], let property = discriminator["propertyName"]?.string,
            let tag = value[property]?.string, let target = discriminator["mapping"]?[tag]?.string
        else { return nil }
        return .object([("$ref", .string(target))])
    }

    /// A discriminated value whose tag is missing or unknown.
    private func discriminatorViolation(
        _ value: JSONValue,
        _ schema: JSONValue,
        at path: Path
    )
        -> SchemaViolation?
    {
        guard let discriminator = schema["discriminator"], let property = discriminator["propertyName"]?.string,
            let mapping = discriminator["mapping"]?.members, value.members != nil
        else { return nil }
        guard let tag = value[property] else { return SchemaViolation(path + [.key(property)], .required) }
        return SchemaViolation(
            path + [.key(property)],
            .notOneOf(mapping.map(\.key).sorted().map(JSONValue.string), found: tag)
        )
    }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        // A pattern the engine cannot compile constrains nothing.
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return true }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, range: range) != nil
    }
}
