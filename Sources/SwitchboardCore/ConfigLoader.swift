import Yams

/// Reads a YAML configuration into a ``GatewayConfig``, collecting every problem with its key path and line
/// rather than stopping at the first.
public struct ConfigLoader {
    private let file: String
    private let environment: [String: String]
    private var issues: [ConfigIssue] = []

    /// Parses and validates `yaml`.
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the path shown in messages.
    ///   - environment: used to expand `${NAME}` references.
    /// - Throws: ``ConfigErrors`` listing every problem.
    public static func load(
        yaml: String,
        file: String,
        environment: [String: String]
    ) throws(ConfigErrors)
        -> GatewayConfig
    {
        var loader = ConfigLoader(file: file, environment: environment)
        let config = loader.read(yaml: yaml)
        guard loader.issues.isEmpty, let config else { throw ConfigErrors(issues: loader.issues) }
        return config
    }

    private init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    // MARK: - Sections

    private mutating func read(yaml: String) -> GatewayConfig? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            self.report(yamlError: error)
            return nil
        } catch {
            self.issue(nil, "", "cannot parse YAML: \(error)")
            return nil
        }
        var config = GatewayConfig()
        guard let root, let top = self.mapping(root, "") else {
            if root == nil { self.issue(nil, "", "the file is empty; it needs at least a 'providers' section") }
            return nil
        }
        let sections = ["server", "log", "cache", "providers", "default_route", "configs", "routing", "pricing"]
        for (key, value) in self.pairs(top, "", allowed: sections) {
            switch key {
            case "server": self.readServer(value, into: &config.server)
            case "log": self.readLog(value, into: &config.log)
            case "cache": self.readCache(value, into: &config.cache)
            case "providers": config.providers = self.readProviders(value)
            case "default_route": config.defaultRoute = self.readDefaultRoute(value)
            case "configs": config.configs = self.readConfigs(value)
            case "routing": self.readRouting(value, into: &config.routing)
            case "pricing": config.pricing = config.pricing.merging(self.readPricing(value))
            default: break
            }
        }
        self.checkConfigReferences(config, top: top)
        if config.providers.isEmpty, !self.issues.contains(where: { $0.path.hasPrefix("providers") }) {
            self.issue(root, "providers", "at least one provider is required")
        }
        if let provider = config.defaultRoute?.provider, config.provider(provider) == nil {
            let node = top.first { $0.key.string == "default_route" }?.value
            self.issue(
                node,
                "default_route.provider",
                "unknown provider '\(provider)'; configured: \(config.providerSlugs.joined(separator: ", "))"
            )
        }
        return config
    }

    private mutating func readServer(_ node: Node, into server: inout ServerSettings) {
        guard let map = self.mapping(node, "server") else { return }
        let keys = [
            "host", "port", "event_loop_threads", "max_body_bytes", "high_water_mark_bytes", "timeouts", "upstream",
            "trusted_custom_hosts",
        ]
        for (key, value) in self.pairs(map, "server", allowed: keys) {
            let path = "server.\(key)"
            switch key {
            case "host": server.host = self.string(value, path) ?? server.host
            case "port": server.port = self.int(value, path, in: 0...65535) ?? server.port
            case "event_loop_threads": server.eventLoopThreads = self.int(value, path, in: 0...256) ?? 0
            case "max_body_bytes":
                server.maxBodyBytes = self.int(value, path, in: 1024...(1 << 31)) ?? server.maxBodyBytes
            case "high_water_mark_bytes":
                server.highWaterMark = self.int(value, path, in: 4096...(64 << 20)) ?? server.highWaterMark
            case "timeouts":
                guard let timeouts = self.mapping(value, path) else { continue }
                let names = ["connect_ms", "response_ms", "idle_ms", "keepalive_ms", "head_ms", "shutdown_grace_ms"]
                for (name, value) in self.pairs(timeouts, path, allowed: names) {
                    guard let ms = self.int(value, "\(path).\(name)", in: 1...86_400_000) else { continue }
                    switch name {
                    case "connect_ms": server.connectTimeoutMs = ms
                    case "response_ms": server.responseTimeoutMs = ms
                    case "idle_ms": server.idleTimeoutMs = ms
                    case "keepalive_ms": server.keepAliveTimeoutMs = ms
                    case "head_ms": server.headReadTimeoutMs = ms
                    default: server.shutdownGraceMs = ms
                    }
                }
            case "upstream":
                guard let upstream = self.mapping(value, path) else { continue }
                let names = ["max_idle_connections_per_host", "idle_connection_timeout_ms"]
                for (name, value) in self.pairs(upstream, path, allowed: names) {
                    if name == "max_idle_connections_per_host" {
                        server.maxIdleConnectionsPerHost =
                            self.int(value, "\(path).\(name)", in: 0...10_000) ?? server.maxIdleConnectionsPerHost
                    } else {
                        server.idleConnectionTimeoutMs =
                            self.int(value, "\(path).\(name)", in: 1...86_400_000) ?? server.idleConnectionTimeoutMs
                    }
                }
            case "trusted_custom_hosts":
                server.trustedCustomHosts = self.stringList(value, path) ?? server.trustedCustomHosts
            default: break
            }
        }
    }

    private mutating func readLog(_ node: Node, into log: inout LogSettings) {
        guard let map = self.mapping(node, "log") else { return }
        for (key, value) in self.pairs(map, "log", allowed: ["level", "access_log", "requests", "bodies"]) {
            if key == "requests" {
                log.requests = self.bool(value, "log.requests") ?? log.requests
            } else if key == "bodies" {
                log.bodies = self.bool(value, "log.bodies") ?? log.bodies
            } else if key == "level" {
                guard let text = self.string(value, "log.level") else { continue }
                if let level = LogSettings.Level(rawValue: text.lowercased()) {
                    log.level = level
                } else {
                    let names = LogSettings.Level.allCases.map(\.rawValue).joined(separator: ", ")
                    self.issue(value, "log.level", "unknown level '\(text)'; use one of \(names)")
                }
            } else {
                log.accessLog = self.bool(value, "log.access_log") ?? log.accessLog
            }
        }
    }

    private mutating func readCache(_ node: Node, into cache: inout CacheStoreSettings) {
        guard let map = self.mapping(node, "cache") else { return }
        let keys = ["max_bytes", "shared", "max_vectors", "embedding_timeout_ms"]
        for (key, value) in self.pairs(map, "cache", allowed: keys) {
            switch key {
            case "max_bytes":
                cache.maxBytes = self.int(value, "cache.max_bytes", in: 1 << 16...1 << 40) ?? cache.maxBytes
            case "max_vectors":
                cache.maxVectors = self.int(value, "cache.max_vectors", in: 1...10_000_000) ?? cache.maxVectors
            case "embedding_timeout_ms":
                cache.embeddingTimeoutMs =
                    self.int(value, "cache.embedding_timeout_ms", in: 1...600_000) ?? cache.embeddingTimeoutMs
            default:
                cache.shared = self.bool(value, "cache.shared") ?? cache.shared
            }
        }
    }

    /// `pricing: {PROVIDER: {MODEL: {request_token: CENTS, response_token: CENTS, cache_read_input_token: …}}}`,
    /// cents per token; Portkey's `pay_as_you_go` form is read too.
    private mutating func readPricing(_ node: Node) -> PricingTable {
        var table = PricingTable()
        guard let map = self.mapping(node, "pricing") else { return table }
        for (provider, models) in self.pairs(map, "pricing", allowed: nil) {
            guard let models = self.mapping(models, "pricing.\(provider)") else { continue }
            for (model, value) in self.pairs(models, "pricing.\(provider)", allowed: nil) {
                let path = "pricing.\(provider).\(model)"
                guard let json = self.jsonValue(value, path) else { continue }
                guard let price = ModelPrice(json) else {
                    self.issue(value, path, "needs request_token and response_token prices (US cents per token)")
                    continue
                }
                table.set(price, provider: provider, model: model)
            }
        }
        return table
    }

    private mutating func readProviders(_ node: Node) -> [ProviderConfig] {
        guard let map = self.mapping(node, "providers") else { return [] }
        var providers: [ProviderConfig] = []
        for (slug, value) in self.pairs(map, "providers", allowed: nil) {
            let path = "providers.\(slug)"
            if !Self.isValidSlug(slug) {
                self.issue(
                    value,
                    path,
                    "invalid provider slug; use lowercase letters, digits, '-' and '_' (it is the prefix in \"\(slug)/MODEL\")"
                )
                continue
            }
            if slug == "preset" {
                self.issue(value, path, "'preset' is reserved for OpenRouter presets (@preset/NAME)")
                continue
            }
            if let provider = self.readProvider(value, slug: slug, path: path) { providers.append(provider) }
        }
        return providers
    }

    private mutating func readProvider(_ node: Node, slug: String, path: String) -> ProviderConfig? {
        guard let map = self.mapping(node, path) else { return nil }
        let keys = ["kind", "base_url", "api_key", "headers", "models", "aliases", "ca_file", "description"]
        var kind: ProviderKind?
        var baseURL: UpstreamURL?
        var baseURLNode: Node?
        var apiKey: String?
        var headers: [HeaderField] = []
        var models: [String] = []
        var aliases: [String: String] = [:]
        var caFile: String?
        for (key, value) in self.pairs(map, path, allowed: keys) {
            let keyPath = "\(path).\(key)"
            switch key {
            case "kind":
                guard let text = self.string(value, keyPath) else { continue }
                kind = ProviderKind(rawValue: text)
                if kind == nil {
                    let kinds = ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")
                    self.issue(value, keyPath, "unknown kind '\(text)'; use one of \(kinds)")
                }
            case "base_url":
                baseURLNode = value
                guard let text = self.expandedString(value, keyPath) else { continue }
                baseURL = UpstreamURL(parsing: text)
                if baseURL == nil {
                    self.issue(value, keyPath, "'\(text)' is not an absolute http:// or https:// URL")
                }
            case "api_key":
                guard let text = self.expandedString(value, keyPath) else { continue }
                guard Self.isHeaderSafe(text) else {
                    self.issue(value, keyPath, "the key contains control characters (a stray newline?)")
                    continue
                }
                apiKey = text.isEmpty ? nil : text
            case "headers":
                guard let headerMap = self.mapping(value, keyPath) else { continue }
                for (name, headerValue) in self.pairs(headerMap, keyPath, allowed: nil) {
                    guard let text = self.expandedString(headerValue, "\(keyPath).\(name)") else { continue }
                    guard Self.isHeaderSafe(name), !name.isEmpty, Self.isHeaderSafe(text) else {
                        self.issue(
                            headerValue,
                            "\(keyPath).\(name)",
                            "header names and values cannot contain control characters"
                        )
                        continue
                    }
                    headers.append(HeaderField(name: name, value: text))
                }
            case "ca_file":
                caFile = self.expandedString(value, keyPath)
            case "models":
                models = self.stringList(value, keyPath) ?? []
            case "aliases":
                guard let aliasMap = self.mapping(value, keyPath) else { continue }
                for (alias, target) in self.pairs(aliasMap, keyPath, allowed: nil) {
                    if let text = self.string(target, "\(keyPath).\(alias)") { aliases[alias] = text }
                }
            default:
                break
            }
        }
        guard let kind else {
            if !self.issues.contains(where: { $0.path == "\(path).kind" }) {
                let kinds = ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")
                self.issue(node, "\(path).kind", "missing; use one of \(kinds)")
            }
            return nil
        }
        if kind == .mock, baseURLNode != nil {
            self.issue(
                baseURLNode,
                "\(path).base_url",
                "a 'mock' provider is started in-process and takes no base_url; to reach a separate "
                    + "switchboard-mock process use kind: openai"
            )
        } else if kind != .mock, baseURLNode == nil {
            self.issue(node, "\(path).base_url", "missing; e.g. https://api.openai.com/v1")
        }
        var provider = ProviderConfig(slug: slug, kind: kind, baseURL: baseURL, apiKey: apiKey)
        provider.headers = headers
        provider.models = models
        provider.aliases = aliases
        provider.caFile = caFile
        return provider
    }

    private mutating func readDefaultRoute(_ node: Node) -> DefaultRoute? {
        guard let map = self.mapping(node, "default_route") else { return nil }
        var route = DefaultRoute(provider: nil)
        for (key, value) in self.pairs(map, "default_route", allowed: ["provider", "model", "config"]) {
            switch key {
            case "provider": route.provider = self.string(value, "default_route.provider")
            case "model": route.model = self.string(value, "default_route.model")
            default: route.config = self.string(value, "default_route.config")
            }
        }
        guard route.provider != nil || route.config != nil else {
            self.issue(node, "default_route.provider", "missing; name one of the providers (or a config)")
            return nil
        }
        return route
    }

    /// `configs:` — Portkey configs by slug, written in YAML (or JSON, which is YAML too).
    private mutating func readConfigs(_ node: Node) -> [String: PortkeyConfig] {
        guard let map = self.mapping(node, "configs") else { return [:] }
        var configs: [String: PortkeyConfig] = [:]
        for (slug, value) in self.pairs(map, "configs", allowed: nil) {
            let path = "configs.\(slug)"
            guard Self.isValidSlug(slug) else {
                self.issue(value, path, "config slugs use a-z, 0-9, '-', '_' and '.' (at most 64 characters)")
                continue
            }
            guard let json = self.jsonValue(value, path) else { continue }
            var warnings: [String] = []
            do {
                configs[slug] = try PortkeyConfig.parse(json, warnings: &warnings)
            } catch {
                for problem in error.problems {
                    let at = problem.path.isEmpty ? path : "\(path).\(problem.path)"
                    self.issue(Self.node(at: problem.path, in: value) ?? value, at, problem.message)
                }
            }
            for warning in warnings { self.issue(value, path, warning) }
        }
        return configs
    }

    /// Every provider a config names exists, and `default_route.config` names a config.
    private mutating func checkConfigReferences(_ config: GatewayConfig, top: Node.Mapping) {
        for (slug, portkey) in config.configs.sorted(by: { $0.key < $1.key }) {
            for provider in config.unknownProviders(in: portkey) {
                let place = top.first { $0.key.string == "configs" }?.value.mapping?.first {
                    $0.key.string == slug
                }?.value
                self.issue(
                    place,
                    "configs.\(slug)",
                    "unknown provider '\(provider)'; configured: \(config.providerSlugs.joined(separator: ", "))"
                )
            }
        }
        if let slug = config.defaultRoute?.config, config.configs[slug] == nil {
            self.issue(
                top.first { $0.key.string == "default_route" }?.value,
                "default_route.config",
                "unknown config '\(slug)'; define it under 'configs:'"
            )
        }
    }

    private mutating func readRouting(_ node: Node, into routing: inout RoutingSettings) {
        guard let map = self.mapping(node, "routing") else { return }
        for (key, value) in self.pairs(map, "routing", allowed: ["retry", "circuit_breaker"]) {
            let path = "routing.\(key)"
            if key == "retry" {
                guard let retry = self.mapping(value, path) else { continue }
                let names = ["initial_backoff_ms", "max_backoff_ms", "retry_after_budget_ms"]
                for (name, value) in self.pairs(retry, path, allowed: names) {
                    guard let ms = self.int(value, "\(path).\(name)", in: 0...3_600_000) else { continue }
                    switch name {
                    case "initial_backoff_ms": routing.retry.initialBackoffMs = ms
                    case "max_backoff_ms": routing.retry.maxBackoffMs = ms
                    default: routing.retry.retryAfterBudgetMs = ms
                    }
                }
                continue
            }
            // The same fields as a config's cb_config, so one spelling works in both places.
            guard let json = self.jsonValue(value, path) else { continue }
            let wrapped = JSONValue.object([("cb_config", json), ("retry", .object([("attempts", .number(0))]))])
            var warnings: [String] = []
            do {
                routing.circuitBreaker = try PortkeyConfig.parse(wrapped, warnings: &warnings).circuitBreaker
            } catch {
                for problem in error.problems {
                    let field =
                        problem.path.hasPrefix("cb_config") ? problem.path.dropFirst(9) : Substring(problem.path)
                    self.issue(value, path + field, problem.message)
                }
            }
            for warning in warnings { self.issue(value, path, warning) }
        }
    }

    /// The node a config path such as `targets[1].weight` names inside `root`, for the line of an error.
    private static func node(at path: String, in root: Node) -> Node? {
        var node = root
        for component in path.split(separator: ".") {
            var name = Substring(component)
            var indices: [Int] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                guard let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) else { break }
                indices.insert(index, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty {
                guard let next = node.mapping?.first(where: { $0.key.string == String(name) })?.value else {
                    return node
                }
                node = next
            }
            for index in indices {
                guard let items = node.sequence, index < items.count else { return node }
                node = items[index]
            }
        }
        return node
    }

    /// A YAML node as JSON: scalars typed by YAML's core schema, `${VAR}` expanded in strings.
    private mutating func jsonValue(_ node: Node, _ path: String) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if node.null != nil { return .null }
                if let flag = node.bool { return .bool(flag) }
                if let int = node.int { return .number(Double(int)) }
                if let float = node.float { return .number(float) }
            }
            return self.expandedString(node, path).map(JSONValue.string)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                guard let value = self.jsonValue(item, "\(path)[\(index)]") else { return nil }
                items.append(value)
            }
            return .array(items)
        case .mapping(let map):
            var members: [(key: String, value: JSONValue)] = []
            for (key, value) in self.pairs(map, path, allowed: nil) {
                guard let json = self.jsonValue(value, "\(path).\(key)") else { return nil }
                members.append((key, json))
            }
            return .object(members)
        case .alias:
            self.issue(node, path, "YAML aliases are not supported here")
            return nil
        }
    }

    // MARK: - Typed reads

    private mutating func mapping(_ node: Node, _ path: String) -> Node.Mapping? {
        if let map = node.mapping { return map }
        if node.null != nil, path.isEmpty == false { return Node.Mapping([]) }
        self.issue(node, path, "expected a mapping (key: value pairs)")
        return nil
    }

    /// The pairs of `map` with string keys; unknown keys are reported when `allowed` is given.
    private mutating func pairs(_ map: Node.Mapping, _ path: String, allowed: [String]?) -> [(String, Node)] {
        var out: [(String, Node)] = []
        var seen = Set<String>()
        for (keyNode, value) in map {
            let keyPath = path.isEmpty ? "" : "\(path)."
            guard let key = keyNode.string else {
                self.issue(keyNode, path, "keys must be strings")
                continue
            }
            if !seen.insert(key).inserted {
                self.issue(keyNode, keyPath + key, "duplicate key")
                continue
            }
            if let allowed, !allowed.contains(key) {
                self.issue(keyNode, keyPath + key, "unknown key; expected one of \(allowed.joined(separator: ", "))")
                continue
            }
            out.append((key, value))
        }
        return out
    }

    private mutating func string(_ node: Node, _ path: String) -> String? {
        if let scalar = node.scalar, node.null == nil || scalar.style != .plain { return scalar.string }
        self.issue(node, path, "expected a string")
        return nil
    }

    private mutating func expandedString(_ node: Node, _ path: String) -> String? {
        guard let text = self.string(node, path) else { return nil }
        do {
            return try EnvironmentExpansion.expand(text, environment: self.environment)
        } catch .unset(let name) {
            self.issue(
                node,
                path,
                "environment variable \(name) is not set; set it, or write ${\(name):-} to allow it to be empty"
            )
        } catch {
            self.issue(node, path, "malformed ${...} reference; write ${NAME} or ${NAME:-default}")
        }
        return nil
    }

    private mutating func int(_ node: Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, scalar.style == .plain, let value = Int(scalar.string) else {
            self.issue(node, path, "expected an integer")
            return nil
        }
        guard range.contains(value) else {
            self.issue(node, path, "\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    private mutating func bool(_ node: Node, _ path: String) -> Bool? {
        if let value = node.bool, node.scalar?.style == .plain { return value }
        self.issue(node, path, "expected true or false")
        return nil
    }

    private mutating func stringList(_ node: Node, _ path: String) -> [String]? {
        guard let sequence = node.sequence else {
            self.issue(node, path, "expected a list")
            return nil
        }
        var out: [String] = []
        for (index, item) in sequence.enumerated() {
            if let text = self.string(item, "\(path)[\(index)]") { out.append(text) }
        }
        return out
    }

    // MARK: - Issues

    private mutating func issue(_ node: Node?, _ path: String, _ message: String) {
        let mark = node?.mark
        self.issues.append(
            ConfigIssue(file: self.file, line: mark?.line ?? 0, column: mark?.column ?? 0, path: path, message: message)
        )
    }

    private mutating func report(yamlError error: YamlError) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            self.issues.append(
                ConfigIssue(
                    file: self.file,
                    line: mark.line,
                    column: mark.column,
                    path: "",
                    message: "invalid YAML: \(problem)"
                )
            )
        default:
            self.issue(nil, "", "invalid YAML: \(error)")
        }
    }

    /// No CR, LF or other control characters, which would break (or inject) header lines.
    static func isHeaderSafe(_ text: String) -> Bool {
        !text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }
    }

    static func isValidSlug(_ slug: String) -> Bool { Slug.isValid(slug) }
}

/// The one rule for slugs (providers, configs): a-z, 0-9, `-`, `_` (and `.` where allowed), at most 64.
public enum Slug {
    public static func isValid(_ slug: String, allowingDots: Bool = true) -> Bool {
        !slug.isEmpty && slug.count <= 64
            && slug.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                    || (allowingDots && byte == UInt8(ascii: "."))
            }
    }
}
