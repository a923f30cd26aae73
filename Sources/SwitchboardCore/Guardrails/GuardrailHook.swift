import Foundation

/// A hook of a config (spec/portkey.md B1): checks that run before the request goes upstream
/// (`before_request_hooks`, `input_guardrails`, `input_mutators`) or on the answer (`after_request_hooks`,
/// `output_guardrails`, `output_mutators`). A guardrail passes when every enabled check passes; with `deny` a failed
/// guardrail stops the request (446), without it the request goes on and the answer says so (246).
public struct GuardrailHook: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case guardrail, mutator
    }

    public struct Check: Sendable, Equatable {
        public var check: GuardrailCheck
        public var parameters: JSONValue
        public var isEnabled: Bool
        /// `regexMatch`'s rule, compiled once when the config is read rather than on every request.
        let rule: CompiledRule?

        public init(check: GuardrailCheck, parameters: JSONValue, isEnabled: Bool = true) {
            self.check = check
            self.parameters = parameters
            self.isEnabled = isEnabled
            self.rule = check == .regexMatch ? parameters["rule"]?.string.flatMap(CompiledRule.init) : nil
        }

        public static func == (lhs: Check, rhs: Check) -> Bool {
            lhs.check == rhs.check && lhs.parameters == rhs.parameters && lhs.isEnabled == rhs.isEnabled
        }
    }

    public var id: String
    public var kind: Kind
    public var checks: [Check]
    public var deny: Bool
    /// Runs after the answer, without delaying it or changing it.
    public var async: Bool
    public var onFail: JSONValue?
    public var onSuccess: JSONValue?
    /// A config's reference to a saved guardrail (`"guard_…"`), replaced by it when a plan is made
    /// (``RouteResolver``); where in the config it was, for the error when there is no such guardrail.
    public var savedSlug: String?
    public var location = ""

    public init(
        id: String,
        kind: Kind = .guardrail,
        checks: [Check],
        deny: Bool = false,
        async: Bool = false,
        onFail: JSONValue? = nil,
        onSuccess: JSONValue? = nil
    ) {
        self.id = id
        self.kind = kind
        self.checks = checks
        self.deny = deny
        self.async = async
        self.onFail = onFail
        self.onSuccess = onSuccess
    }
}

/// A regular expression compiled once, by Foundation's ICU engine: it scans a 1 KB message an order of magnitude
/// faster than Swift's `Regex` (benchmarks/RESULTS.md), and reads the JavaScript syntax configs are written in
/// (classes, quantifiers, groups, look-around, named groups). Only read after it is made.
public final class CompiledRule: @unchecked Sendable {
    private let expression: NSRegularExpression

    init?(_ source: String) {
        guard let expression = try? NSRegularExpression(pattern: source) else { return nil }
        self.expression = expression
    }

    /// The first match in `text`.
    func firstMatch(in text: String) -> String? {
        let whole = NSRange(text.startIndex..<text.endIndex, in: text)
        guard let match = self.expression.firstMatch(in: text, range: whole),
            let range = Range(match.range, in: text)
        else { return nil }
        return String(text[range])
    }
}

/// The hooks of a config node: `nil` where the node sets none (a target then has its parent's).
public struct ConfigHooks: Sendable, Equatable {
    public var before: [GuardrailHook]?
    public var after: [GuardrailHook]?

    public init(before: [GuardrailHook]? = nil, after: [GuardrailHook]? = nil) {
        self.before = before
        self.after = after
    }

    /// The keys a config node may carry hooks under.
    static let keys: Set<String> = [
        "before_request_hooks", "after_request_hooks", "input_guardrails", "output_guardrails", "input_mutators",
        "output_mutators",
    ]

    /// Reads one of ``keys`` into the node's hooks.
    /// - Returns: problems as (path, message); `path` is `at` or below it.
    mutating func read(_ key: String, _ value: JSONValue, at: String) -> [(String, String)] {
        guard let items = value.array else { return [(at, "must be an array")] }
        var problems: [(String, String)] = []
        var hooks: [GuardrailHook] = []
        for (index, item) in items.enumerated() {
            let path = "\(at)[\(index)]"
            let kind: GuardrailHook.Kind = key.hasSuffix("mutators") ? .mutator : .guardrail
            let parsed =
                key.hasSuffix("_hooks")
                ? Self.hook(item, path: path) : Self.shorthand(item, kind: kind, index: index, key: key, path: path)
            switch parsed {
            case .success(let hook): hooks.append(hook)
            case .failure(let problem): problems.append(contentsOf: problem.list)
            }
        }
        let before = key == "before_request_hooks" || key.hasPrefix("input_")
        if before { self.before = (self.before ?? []) + hooks } else { self.after = (self.after ?? []) + hooks }
        return problems
    }

    struct Problems: Error {
        var list: [(String, String)]
    }

    /// A full hook object: `{id, type, checks: [{id, parameters, is_enabled}], deny, async, on_fail, on_success}`.
    static func hook(_ value: JSONValue, path: String) -> Result<GuardrailHook, Problems> {
        guard value.members != nil else { return .failure(Problems(list: [(path, "must be a hook object")])) }
        guard let items = value["checks"]?.array, !items.isEmpty else {
            return .failure(Problems(list: [("\(path).checks", "must be a non-empty array of {id, parameters}")]))
        }
        var problems: [(String, String)] = []
        var checks: [GuardrailHook.Check] = []
        for (index, item) in items.enumerated() {
            let at = "\(path).checks[\(index)]"
            guard let id = item["id"]?.string else {
                problems.append(("\(at).id", "is required (a check id such as \"default.regexMatch\")"))
                continue
            }
            switch Self.check(id, item["parameters"] ?? .object([]), path: at) {
            case .success(var check):
                check.isEnabled = item["is_enabled"]?.bool ?? true
                checks.append(check)
            case .failure(let problem): problems.append(contentsOf: problem.list)
            }
        }
        let kind = value["type"]?.string.flatMap(GuardrailHook.Kind.init) ?? .guardrail
        guard problems.isEmpty else { return .failure(Problems(list: problems)) }
        return .success(Self.made(value, id: value["id"]?.string ?? "hook", kind: kind, checks: checks))
    }

    /// Portkey's shorthand: `"guard_slug"` (a saved guardrail), or `{"<checkId>": {…parameters}, deny?, async?, …}`.
    static func shorthand(
        _ value: JSONValue,
        kind: GuardrailHook.Kind,
        index: Int,
        key: String,
        path: String
    ) -> Result<GuardrailHook, Problems> {
        if let slug = value.string {
            var reference = GuardrailHook(id: slug, kind: kind, checks: [])
            reference.savedSlug = slug
            reference.location = path
            return .success(reference)
        }
        guard let members = value.members else {
            return .failure(Problems(list: [(path, "must be an object {\"<check id>\": {…}, deny?} or a slug")]))
        }
        let settings: Set<String> = ["deny", "async", "on_fail", "on_success", "id", "type", "sequential", "name"]
        var problems: [(String, String)] = []
        var checks: [GuardrailHook.Check] = []
        for (id, parameters) in members where !settings.contains(id) {
            switch Self.check(id, parameters, path: "\(path).\(id)") {
            case .success(let check): checks.append(check)
            case .failure(let problem): problems.append(contentsOf: problem.list)
            }
        }
        if checks.isEmpty, problems.isEmpty { problems.append((path, "names no check")) }
        guard problems.isEmpty else { return .failure(Problems(list: problems)) }
        let id = value["id"]?.string ?? "\(key)_\(index)"
        return .success(Self.made(value, id: id, kind: kind, checks: checks))
    }

    private static func made(
        _ value: JSONValue,
        id: String,
        kind: GuardrailHook.Kind,
        checks: [GuardrailHook.Check]
    )
        -> GuardrailHook
    {
        GuardrailHook(
            id: id,
            kind: kind,
            checks: checks,
            deny: value["deny"]?.bool ?? false,
            async: value["async"]?.bool ?? false,
            onFail: value["on_fail"],
            onSuccess: value["on_success"]
        )
    }

    private static func check(
        _ id: String,
        _ parameters: JSONValue,
        path: String
    ) -> Result<GuardrailHook.Check, Problems> {
        guard let check = GuardrailCheck(id: id) else {
            return .failure(
                Problems(list: [
                    (
                        path,
                        "unknown check '\(id)'; Switchboard runs Portkey's default.* checks and default.pii "
                            + "(docs/guardrails.md)"
                    )
                ])
            )
        }
        guard parameters.members != nil else {
            return .failure(Problems(list: [(path, "the parameters of '\(id)' must be an object")]))
        }
        if let problem = check.problem(in: parameters) { return .failure(Problems(list: [(path, problem)])) }
        return .success(GuardrailHook.Check(check: check, parameters: parameters))
    }
}

extension GuardrailHook {
    /// A saved guardrail's document as `POST /v1/guardrails` takes it: `{name, checks: [{id, parameters,
    /// is_enabled}], actions: {deny, async, on_success, on_fail}}`, its checks checked as a config's are.
    /// - Returns: the hook, or the problems with their fields.
    public static func saved(_ document: JSONValue, slug: String) -> Result<GuardrailHook, ConfigValidationError> {
        let actions = document["actions"] ?? .object([])
        guard actions.members != nil else {
            return .failure(ConfigValidationError(problems: [.init(path: "actions", message: "must be an object")]))
        }
        var hook: [(String, JSONValue)] = [("id", .string(slug)), ("checks", document["checks"] ?? .null)]
        for key in ["deny", "async", "on_fail", "on_success"] {
            if let value = actions[key] { hook.append((key, value)) }
        }
        switch ConfigHooks.hook(.object(hook), path: "") {
        case .success(let parsed): return .success(parsed)
        case .failure(let problems):
            let list = problems.list.map {
                ConfigValidationError.Problem(path: String($0.0.drop { $0 == "." }), message: $0.1)
            }
            return .failure(ConfigValidationError(problems: list))
        }
    }
}

extension PortkeyConfig {
    /// The saved guardrails the config and its targets name (references, with where they are).
    public var guardrailReferences: [GuardrailHook] {
        ((self.hooks.before ?? []) + (self.hooks.after ?? [])).filter { $0.savedSlug != nil }
            + self.targets.flatMap(\.guardrailReferences)
    }
}
