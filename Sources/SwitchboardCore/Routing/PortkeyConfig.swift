/// A Portkey config (spec/portkey.md B1): the routing fields, validated, as one node of a recursive tree.
///
/// Parsed from the `x-portkey-config` header, from `configs:` in the config file, and later from the store.
/// Fields that do not concern routing are accepted and ignored (`strict_open_ai_compliance`), or rejected with a
/// clear message when ignoring them would be unsafe (guardrails and hooks).
public struct PortkeyConfig: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        case single, loadbalance, fallback, conditional
    }

    /// `strategy.conditions[]`: when `query` holds, route to the target named `then`.
    public struct Condition: Sendable, Equatable {
        public var query: JSONValue
        public var then: String
    }

    public struct Strategy: Sendable, Equatable {
        public var mode: Mode
        /// Fallback triggers; `nil` means any non-2xx.
        public var onStatusCodes: [Int]?
        public var conditions: [Condition] = []
        /// The target name used when no condition holds.
        public var defaultTarget: String?
    }

    public var strategy: Strategy?
    public var targets: [PortkeyConfig] = []
    public var name: String?
    /// Load-balancing weight; `nil` counts as 1.
    public var weight: Double?
    public var provider: String?
    public var apiKey: String?
    public var virtualKey: String?
    public var customHost: String?
    /// Raw JSON values that overwrite body fields; merged parent → child, child wins.
    public var overrideParams: [(key: String, value: JSONValue)]?
    public var retry: RetryPolicy?
    public var requestTimeoutMs: Int?
    public var forwardHeaders: [String]?
    public var circuitBreaker: CircuitBreakerSettings?
    /// The response cache for the targets under this node (a child's replaces its parent's).
    public var cache: CacheSettings?
    /// A saved prompt the request's `variables` render (root only; docs/prompts.md).
    public var promptID: String?
    /// Guardrails and mutators (a child's replace its parent's, per event).
    public var hooks = ConfigHooks()

    public init() {}

    public static func == (lhs: PortkeyConfig, rhs: PortkeyConfig) -> Bool {
        lhs.strategy == rhs.strategy && lhs.targets == rhs.targets && lhs.name == rhs.name
            && lhs.weight == rhs.weight && lhs.provider == rhs.provider && lhs.apiKey == rhs.apiKey
            && lhs.virtualKey == rhs.virtualKey && lhs.customHost == rhs.customHost
            && lhs.overrideParams.map(JSONValue.object) == rhs.overrideParams.map(JSONValue.object)
            && lhs.retry == rhs.retry && lhs.requestTimeoutMs == rhs.requestTimeoutMs
            && lhs.forwardHeaders == rhs.forwardHeaders && lhs.circuitBreaker == rhs.circuitBreaker
            && lhs.cache == rhs.cache && lhs.hooks == rhs.hooks
    }
}

/// What is wrong with a config: one entry per problem, each naming its path (`targets[1].weight`).
public struct ConfigValidationError: Error, Sendable, Equatable {
    public struct Problem: Sendable, Equatable {
        /// `targets[1].weight`; empty for the root.
        public var path: String
        public var message: String
    }

    public var problems: [Problem]
    /// Replaces the default "Invalid config passed: …" message.
    public var message: String?

    public init(problems: [Problem], message: String? = nil) {
        self.problems = problems
        self.message = message
    }

    /// Portkey's `errors[]` lines: `path: targets[1].weight, message: …`.
    public var errors: [String] {
        self.problems.map { "path: \($0.path.isEmpty ? "(root)" : $0.path), message: \($0.message)" }
    }

    /// Portkey's 400: `{"status":"failure","message":"Invalid config passed","errors":[…]}`.
    public var gatewayError: GatewayError {
        var error = GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "invalid_config",
            param: "x-portkey-config",
            message: self.message ?? "Invalid config passed: " + self.errors.joined(separator: "; "),
            format: .portkey
        )
        error.details = self.errors
        return error
    }
}

extension PortkeyConfig {
    /// Keys that are accepted without effect (documented in docs/routing.md).
    static let ignoredKeys: Set<String> = [
        "on_status_codes", "strict_open_ai_compliance", "metadata", "id", "fetch_integrated_models",
    ]
    /// Keys whose feature Switchboard does not have yet; ignoring them would silently drop a safety check.
    static let unsupportedKeys: Set<String> = [
        "default_params", "drop_params", "passthrough",
    ]

    /// Parses and validates a config.
    /// - Parameter warnings: receives one line per unknown key (Portkey's schema rejects them; we warn).
    /// - Throws: ``ConfigValidationError`` listing every problem.
    public static func parse(
        _ value: JSONValue,
        warnings: inout [String]
    ) throws(ConfigValidationError) -> PortkeyConfig {
        var parser = Parser()
        let config = parser.node(value, path: "")
        warnings += parser.warnings
        guard parser.errors.isEmpty, let config else { throw ConfigValidationError(problems: parser.errors) }
        return config
    }

    /// Parses the text of an `x-portkey-config` header.
    public static func parse(text: String) throws(ConfigValidationError) -> PortkeyConfig {
        guard let value = JSONValue(parsing: Array(text.utf8)), case .object = value else {
            let message = "Invalid config passed. You need to pass a valid json"
            throw ConfigValidationError(problems: [.init(path: "", message: message)], message: message)
        }
        var warnings: [String] = []
        return try self.parse(value, warnings: &warnings)
    }

    private struct Parser {
        var errors: [ConfigValidationError.Problem] = []
        var warnings: [String] = []

        mutating func fail(_ path: String, _ message: String) {
            self.errors.append(.init(path: path, message: message))
        }

        static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        mutating func node(_ value: JSONValue, path: String) -> PortkeyConfig? {
            guard let members = value.members else {
                self.fail(path, "must be an object, not \(value.typeName)")
                return nil
            }
            var config = PortkeyConfig()
            let before = self.errors.count
            for (key, value) in members {
                let at = Self.join(path, key)
                switch key {
                case "strategy": config.strategy = self.strategy(value, path: at)
                case "targets":
                    guard let items = value.array else {
                        self.fail(at, "must be an array of configs")
                        continue
                    }
                    config.targets = items.enumerated().compactMap { self.node($1, path: "\(at)[\($0)]") }
                case "name": config.name = self.string(value, at)
                case "weight":
                    guard let weight = value.number, weight >= 0 else {
                        self.fail(at, "must be a number ≥ 0")
                        continue
                    }
                    config.weight = weight
                case "provider": config.provider = self.string(value, at)
                case "api_key": config.apiKey = self.string(value, at)
                case "virtual_key": config.virtualKey = self.string(value, at)
                case "custom_host": config.customHost = self.string(value, at)
                case "prompt_id":
                    if path.isEmpty {
                        config.promptID = self.string(value, at)
                    } else {
                        self.fail(at, "is read at the root of a config only (a prompt for the whole request)")
                    }
                case "override_params":
                    guard let params = value.members else {
                        self.fail(at, "must be an object")
                        continue
                    }
                    // Sorted: the decoder's member order is unspecified, and appended fields should be stable.
                    config.overrideParams = params.sorted { $0.key < $1.key }
                case "retry": config.retry = self.retry(value, path: at)
                case "request_timeout":
                    guard let ms = value.int, ms > 0 else {
                        self.fail(at, "must be a positive integer (milliseconds)")
                        continue
                    }
                    config.requestTimeoutMs = ms
                case "forward_headers":
                    guard let names = value.array?.compactMap(\.string), names.count == value.array?.count else {
                        self.fail(at, "must be an array of header names")
                        continue
                    }
                    if names.contains(where: { $0.lowercased() == "x-portkey-forward-headers" }) {
                        self.fail(at, "forward_headers must not contain the 'x-portkey-forward-headers' header")
                    }
                    config.forwardHeaders = names
                case "cb_config": config.circuitBreaker = self.circuitBreaker(value, path: at)
                case "cache":
                    switch CacheSettings.parse(value) {
                    case .success(let settings): config.cache = settings
                    case .failure(let problem):
                        self.fail(problem.field.isEmpty ? at : "\(at).\(problem.field)", problem.message)
                    }
                case _ where ConfigHooks.keys.contains(key):
                    for (where_, message) in config.hooks.read(key, value, at: at) { self.fail(where_, message) }
                case _ where PortkeyConfig.unsupportedKeys.contains(key):
                    self.fail(at, "'\(key)' is not supported by Switchboard yet; remove it from the config")
                case _ where PortkeyConfig.ignoredKeys.contains(key):
                    continue
                case "options", "mode":
                    self.fail(
                        at,
                        "This version of config is not supported in this route. Please migrate to the latest version"
                    )
                default:
                    self.warnings.append("unknown config key '\(at)' ignored")
                }
            }
            if let cb = members.first(where: { $0.key == "strategy" })?.value["cb_config"] {
                config.circuitBreaker = self.circuitBreaker(cb, path: Self.join(path, "strategy.cb_config"))
            }
            guard self.errors.count == before else { return nil }
            self.checkStructure(config, members: members, path: path)
            return config
        }

        mutating func checkStructure(_ config: PortkeyConfig, members: [(key: String, value: JSONValue)], path: String)
        {
            let keys = Set(members.map(\.key))
            if keys.contains("options") { return }
            let meaningful = Set<String>([
                "provider", "virtual_key", "targets", "strategy", "cache", "retry", "request_timeout", "custom_host",
                "forward_headers", "override_params", "api_key", "cb_config", "prompt_id",
            ]).union(ConfigHooks.keys)
            if keys.isDisjoint(with: meaningful) {
                self.fail(
                    path,
                    "Invalid configuration. It must have either 'provider' and 'api_key', or 'strategy' and "
                        + "'targets', or 'cache', or 'retry', or 'request_timeout'"
                )
                return
            }
            guard let strategy = config.strategy else {
                if keys.contains("targets") {
                    self.fail(
                        Self.join(path, "strategy"),
                        "required when 'targets' is given (mode: single, "
                            + "loadbalance, fallback or conditional)"
                    )
                }
                return
            }
            let targetsPath = Self.join(path, "targets")
            if config.targets.isEmpty {
                self.fail(targetsPath, "strategy '\(strategy.mode.rawValue)' needs at least one target")
                return
            }
            if config.provider != nil || config.virtualKey != nil {
                self.fail(path, "a node with 'targets' cannot also name a 'provider' or 'virtual_key'")
            }
            switch strategy.mode {
            case .loadbalance:
                if config.targets.allSatisfy({ ($0.weight ?? 1) == 0 }) {
                    self.fail(targetsPath, "every loadbalance weight is 0, so no target can be chosen")
                }
            case .conditional:
                var names: [String: Int] = [:]
                for (index, target) in config.targets.enumerated() {
                    guard let name = target.name else { continue }
                    if names[name] != nil {
                        self.fail("\(targetsPath)[\(index)].name", "duplicate target name '\(name)'")
                    }
                    names[name] = index
                }
                if strategy.conditions.isEmpty {
                    self.fail(Self.join(path, "strategy.conditions"), "conditional routing needs conditions")
                }
                for (index, condition) in strategy.conditions.enumerated() where names[condition.then] == nil {
                    self.fail(
                        Self.join(path, "strategy.conditions[\(index)].then"),
                        "Invalid target name found in the query router: \(condition.then)"
                    )
                }
                if let name = strategy.defaultTarget, names[name] == nil {
                    self.fail(Self.join(path, "strategy.default"), "no target is named '\(name)'")
                }
            case .single, .fallback:
                break
            }
        }

        mutating func string(_ value: JSONValue, _ path: String) -> String? {
            guard let text = value.string else {
                self.fail(path, "must be a string, not \(value.typeName)")
                return nil
            }
            return text
        }

        mutating func statusCodes(_ value: JSONValue, _ path: String) -> [Int]? {
            guard let items = value.array else {
                self.fail(path, "must be an array of HTTP status codes")
                return nil
            }
            var codes: [Int] = []
            for (index, item) in items.enumerated() {
                guard let code = item.int, (100...599).contains(code) else {
                    self.fail("\(path)[\(index)]", "must be an HTTP status code (100-599)")
                    continue
                }
                codes.append(code)
            }
            return codes
        }

        mutating func strategy(_ value: JSONValue, path: String) -> Strategy? {
            guard value.members != nil else {
                self.fail(path, "must be an object with a 'mode'")
                return nil
            }
            guard let modeText = value["mode"]?.string else {
                self.fail(Self.join(path, "mode"), "required: one of single, loadbalance, fallback, conditional")
                return nil
            }
            guard let mode = Mode(rawValue: modeText) else {
                self.fail(
                    Self.join(path, "mode"),
                    "'\(modeText)' is not a strategy; use single, loadbalance, fallback or conditional"
                )
                return nil
            }
            var strategy = Strategy(mode: mode)
            if let codes = value["on_status_codes"] {
                strategy.onStatusCodes = self.statusCodes(codes, Self.join(path, "on_status_codes"))
            }
            if let conditions = value["conditions"] {
                guard let items = conditions.array else {
                    self.fail(Self.join(path, "conditions"), "must be an array of {query, then}")
                    return strategy
                }
                for (index, item) in items.enumerated() {
                    let at = Self.join(path, "conditions[\(index)]")
                    guard let query = item["query"], query.members != nil else {
                        self.fail(Self.join(at, "query"), "required: an object of conditions")
                        continue
                    }
                    guard let then = item["then"]?.string else {
                        self.fail(Self.join(at, "then"), "required: the name of a target")
                        continue
                    }
                    strategy.conditions.append(Condition(query: query, then: then))
                }
            }
            if let target = value["default"] {
                strategy.defaultTarget = self.string(target, Self.join(path, "default"))
            }
            return strategy
        }

        mutating func retry(_ value: JSONValue, path: String) -> RetryPolicy? {
            guard let members = value.members else {
                self.fail(path, "must be an object like {\"attempts\": 3}")
                return nil
            }
            var policy = RetryPolicy(attempts: 0)
            for (key, item) in members {
                let at = Self.join(path, key)
                switch key {
                case "attempts":
                    guard let attempts = item.int, attempts >= 0 else {
                        self.fail(at, "must be an integer ≥ 0 (at most 5 retries are made)")
                        continue
                    }
                    policy.attempts = min(attempts, RetryPolicy.maxAttempts)
                case "on_status_codes":
                    policy.onStatusCodes = self.statusCodes(item, at) ?? RetryPolicy.defaultStatusCodes
                case "use_retry_after_header", "use_retry_after_headers":
                    guard let flag = item.bool else {
                        self.fail(at, "must be a boolean")
                        continue
                    }
                    policy.useRetryAfterHeader = flag
                default:
                    self.warnings.append("unknown config key '\(at)' ignored")
                }
            }
            return policy
        }

        mutating func circuitBreaker(_ value: JSONValue, path: String) -> CircuitBreakerSettings? {
            guard let members = value.members else {
                self.fail(path, "must be an object like {\"failure_threshold\": 5, \"cooldown_interval\": 30000}")
                return nil
            }
            var settings = CircuitBreakerSettings()
            for (key, item) in members {
                let at = Self.join(path, key)
                switch key {
                case "failure_threshold":
                    guard let count = item.int, count >= 1 else {
                        self.fail(at, "must be an integer ≥ 1")
                        continue
                    }
                    settings.failureThreshold = count
                case "failure_threshold_percentage":
                    guard let percent = item.number, percent > 0, percent <= 100 else {
                        self.fail(at, "must be a number in (0, 100]")
                        continue
                    }
                    settings.failureRatePercent = percent
                case "minimum_requests":
                    guard let count = item.int, count >= 1 else {
                        self.fail(at, "must be an integer ≥ 1")
                        continue
                    }
                    settings.minimumRequests = count
                case "cooldown_interval":
                    guard let ms = item.int, ms >= 1 else {
                        self.fail(at, "must be a positive integer (milliseconds)")
                        continue
                    }
                    settings.cooldownMs = ms
                case "window", "window_ms":
                    guard let ms = item.int, ms >= 1 else {
                        self.fail(at, "must be a positive integer (milliseconds)")
                        continue
                    }
                    settings.windowMs = ms
                case "failure_status_codes":
                    settings.failureStatusCodes = self.statusCodes(item, at)
                default:
                    self.warnings.append("unknown config key '\(at)' ignored")
                }
            }
            return settings
        }
    }
}
