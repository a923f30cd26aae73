import Foundation

/// The checks that look for JSON in the text (spec/portkey.md B9): the contents of fenced code blocks, else every
/// `{…}` span that parses; `jsonSchema` passes when one of them satisfies the schema (draft 2020-12, the subset
/// ``JSONSchema`` checks), `jsonKeys` when one of them has the keys the operator asks for.
enum JSONChecks {
    static func run(_ check: GuardrailCheck, _ parameters: JSONValue, text: String, not: Bool) -> CheckOutcome {
        guard !text.isEmpty else { return .failure("no text to analyze") }
        let documents = Self.documents(in: text)
        switch check {
        case .jsonSchema:
            guard let schema = parameters["schema"], schema.members != nil else {
                return .failure("needs 'schema' (a JSON Schema object)")
            }
            guard !documents.isEmpty else {
                return CheckOutcome(verdict: not, data: .object([("explanation", "no JSON found in the text")]))
            }
            let validator = JSONSchema(schema)
            var firstViolation: SchemaViolation?
            var valid: JSONValue?
            for document in documents {
                if let violation = validator.violation(of: document) {
                    firstViolation = firstViolation ?? violation
                } else {
                    valid = document
                    break
                }
            }
            let holds = valid != nil
            return CheckOutcome(
                verdict: not ? !holds : holds,
                data: .object([
                    ("matchedJson", valid ?? documents[0]),
                    ("validationErrors", .array(holds ? [] : [.string(firstViolation.map { "\($0)" } ?? "")])),
                    ("not", .bool(not)),
                ])
            )
        case .jsonKeys:
            let keys = (parameters["keys"]?.array ?? []).compactMap(\.string)
            guard !keys.isEmpty else { return .failure("needs 'keys' (a list of strings)") }
            let wanted = parameters["operator"]?.string ?? ""
            guard ["any", "all", "none"].contains(wanted) else {
                return .failure("needs 'operator': \"any\", \"all\" or \"none\"")
            }
            var best: (document: JSONValue, found: [String])?
            for document in documents where document.members != nil {
                let present = Set((document.members ?? []).map(\.key))
                let found = keys.filter { present.contains($0) }
                let holds =
                    switch wanted {
                    case "any": !found.isEmpty
                    case "all": found.count == keys.count
                    default: found.isEmpty
                    }
                if holds {
                    return CheckOutcome(verdict: true, data: Self.keysData(keys, found, document, wanted))
                }
                if best == nil { best = (document, found) }
            }
            guard let best else {
                return CheckOutcome(verdict: false, data: .object([("explanation", "no JSON found in the text")]))
            }
            return CheckOutcome(verdict: false, data: Self.keysData(keys, best.found, best.document, wanted))
        default:
            return .failure("\(check.id) is not a JSON check")
        }
    }

    private static func keysData(
        _ keys: [String],
        _ found: [String],
        _ document: JSONValue,
        _ wanted: String
    )
        -> JSONValue
    {
        .object([
            ("matchedJson", document), ("operator", .string(wanted)),
            ("presentKeys", .array(found.map(JSONValue.string))),
            ("missingKeys", .array(keys.filter { !found.contains($0) }.map(JSONValue.string))),
        ])
    }

    /// The JSON documents in a text: fenced blocks' contents, else each `{` … `}` span (shortest first, as
    /// Portkey's lazy pattern finds them, then the balanced one) that parses.
    static func documents(in text: String) -> [JSONValue] {
        var fenced: [JSONValue] = []
        var inside: [Substring] = []
        var open = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                if open, let value = JSONValue(parsing: Array(inside.joined(separator: "\n").utf8)) {
                    fenced.append(value)
                }
                open.toggle()
                inside = []
            } else if open {
                inside.append(line)
            }
        }
        if !fenced.isEmpty { return fenced }
        var documents: [JSONValue] = []
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            guard bytes[start] == UInt8(ascii: "{") else {
                start += 1
                continue
            }
            // The balanced object from here, skipping braces inside strings.
            var depth = 0
            var inString = false
            var escaped = false
            var end: Int?
            for index in start..<bytes.count {
                let byte = bytes[index]
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 { end = index }
                default: break
                }
                if end != nil { break }
            }
            if let end, let value = JSONValue(parsing: bytes[start...end]) {
                documents.append(value)
                start = end + 1
            } else {
                start += 1
            }
        }
        return documents
    }
}
