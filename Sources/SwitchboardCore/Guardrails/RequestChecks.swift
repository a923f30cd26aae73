import Foundation

/// The checks that judge the request rather than its text (spec/portkey.md B9): its type, its model, and its
/// metadata (`x-portkey-metadata`).
enum RequestChecks {
    static func run(
        _ check: GuardrailCheck,
        _ parameters: JSONValue,
        _ context: GuardrailContext,
        _ event: HookEvent,
        not: Bool
    ) -> CheckOutcome {
        func judged(_ holds: Bool, _ data: [(String, JSONValue)]) -> CheckOutcome {
            CheckOutcome(verdict: not ? !holds : holds, data: .object(data + [("not", .bool(not))]))
        }
        switch check {
        case .allowedRequestTypes:
            let allowed =
                Self.list(parameters["allowedTypes"]) ?? Self.list(Self.metadata(context, "supported_endpoints")) ?? []
            let blocked =
                Self.list(parameters["blockedTypes"]) ?? Self.list(Self.metadata(context, "blocked_endpoints")) ?? []
            let conflicts = allowed.filter(blocked.contains)
            guard conflicts.isEmpty else {
                return .failure("types in both allowedTypes and blockedTypes: \(conflicts.joined(separator: ", "))")
            }
            let type = context.requestType
            let holds = !blocked.contains(type) && (allowed.isEmpty || allowed.contains(type))
            return CheckOutcome(
                verdict: holds,
                data: .object([
                    ("requestType", .string(type)), ("allowedTypes", .array(allowed.map(JSONValue.string))),
                    ("blockedTypes", .array(blocked.map(JSONValue.string))),
                ])
            )
        case .modelWhitelist:
            guard let models = Self.list(parameters["models"]) else { return .failure("needs 'models'") }
            guard let model = context.model else { return .failure("the request names no model") }
            return judged(models.contains(model), [("requestedModel", .string(model))])
        case .modelRules:
            guard let rules = parameters["rules"], rules.members != nil else { return .failure("needs 'rules'") }
            guard let model = context.model else { return .failure("the request names no model") }
            var allowed: [String] = []
            var matchedRules: [String] = []
            for (key, mapping) in rules["metadata"]?.members ?? [] {
                guard let value = Self.metadata(context, key), value != .null else { continue }
                let values = value.array?.map { $0.string ?? $0.jsonText } ?? [value.string ?? value.jsonText]
                for item in values {
                    guard let models = mapping[item]?.array else { continue }
                    matchedRules.append("\(key):\(item)")
                    allowed += models.compactMap(\.string)
                }
            }
            let usingDefaults = allowed.isEmpty
            if usingDefaults { allowed = (rules["defaults"]?.array ?? []).map { $0.string ?? $0.jsonText } }
            guard !allowed.isEmpty else { return .failure("no allowed models resolved from the rules") }
            return judged(
                allowed.contains(model),
                [
                    ("requestedModel", .string(model)), ("allowedModels", .array(allowed.map(JSONValue.string))),
                    ("matchedRules", .array(matchedRules.map(JSONValue.string))),
                    ("usingDefaults", .bool(usingDefaults)),
                ]
            )
        case .requiredMetadataKeys:
            guard event == .beforeRequest else { return .failure("requiredMetadataKeys runs on the request only") }
            guard let keys = Self.list(parameters["metadataKeys"]), !keys.isEmpty else {
                return .failure("needs 'metadataKeys'")
            }
            let present = Set(context.metadata.map(\.key))
            let found = keys.filter(present.contains)
            let holds: Bool
            switch parameters["operator"]?.string {
            case "any": holds = !found.isEmpty
            case "all": holds = found.count == keys.count
            case "none": holds = found.isEmpty
            default: return .failure("needs 'operator': \"any\", \"all\" or \"none\"")
            }
            return CheckOutcome(
                verdict: holds,
                data: .object([
                    ("foundKeys", .array(found.map(JSONValue.string))),
                    ("missingKeys", .array(keys.filter { !present.contains($0) }.map(JSONValue.string))),
                    ("operator", parameters["operator"] ?? .null),
                ])
            )
        default:
            return .failure("\(check.id) is not a request check")
        }
    }

    private static func metadata(_ context: GuardrailContext, _ key: String) -> JSONValue? {
        context.metadata.first { $0.key == key }?.value
    }

    /// A list of strings, or a comma-separated string.
    private static func list(_ value: JSONValue?) -> [String]? {
        if let text = value?.string {
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard let items = value?.array else { return nil }
        let strings = items.compactMap(\.string)
        return strings.isEmpty ? nil : strings
    }
}
