import Foundation
import Testing

@testable import SwitchboardCore

@Suite struct ConfigLoaderTests {
    private func load(_ yaml: String, environment: [String: String] = [:]) -> Result<GatewayConfig, ConfigErrors> {
        Result { () throws(ConfigErrors) in try ConfigLoader.load(yaml: yaml, file: "t.yaml", environment: environment)
        }
    }

    private func issues(_ yaml: String, environment: [String: String] = [:]) -> [ConfigIssue] {
        if case .failure(let errors) = self.load(yaml, environment: environment) { return errors.issues }
        return []
    }

    @Test func theBundledConfigIsValid() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/switchboard.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let config = try self.load(text).get()
        #expect(config.providers.map(\.slug) == ["mock", "openai", "anthropic", "gemini", "ollama"])
        #expect(config.provider("mock")?.kind == .mock)
        #expect(config.provider("openai")?.apiKey == nil)
        #expect(config.defaultRoute?.provider == "mock")
        #expect(config.server.port == 8080)
    }

    @Test func readsEveryKey() throws {
        let yaml = """
            server:
              host: 0.0.0.0
              port: 9000
              event_loop_threads: 2
              max_body_bytes: 2048
              timeouts: {connect_ms: 10, response_ms: 20, idle_ms: 30, shutdown_grace_ms: 40}
              upstream: {max_idle_connections_per_host: 3, idle_connection_timeout_ms: 50}
              trusted_custom_hosts: [localhost]
            log: {level: debug, access_log: false}
            providers:
              openai:
                kind: openai
                base_url: https://api.openai.com/v1/
                api_key: ${KEY}
                headers: {OpenAI-Organization: org-1}
                models: [gpt-4o]
                aliases: {fast: gpt-4o-mini}
            default_route: {provider: openai, model: gpt-4o}
            """
        let config = try self.load(yaml, environment: ["KEY": "sk-1"]).get()
        #expect(config.server.host == "0.0.0.0")
        #expect(config.server.port == 9000)
        #expect(config.server.eventLoopThreads == 2)
        #expect(config.server.maxBodyBytes == 2048)
        #expect(config.server.connectTimeoutMs == 10)
        #expect(config.server.responseTimeoutMs == 20)
        #expect(config.server.idleTimeoutMs == 30)
        #expect(config.server.shutdownGraceMs == 40)
        #expect(config.server.maxIdleConnectionsPerHost == 3)
        #expect(config.server.idleConnectionTimeoutMs == 50)
        #expect(config.server.trustedCustomHosts == ["localhost"])
        #expect(config.log.level == .debug)
        #expect(!config.log.accessLog)
        let openai = try #require(config.provider("openai"))
        #expect(openai.baseURL == UpstreamURL(isTLS: true, host: "api.openai.com", port: 443, basePath: "/v1"))
        #expect(openai.apiKey == "sk-1")
        #expect(openai.headers == [HeaderField(name: "openai-organization", value: "org-1")])
        #expect(openai.models == ["gpt-4o"])
        #expect(openai.aliases == ["fast": "gpt-4o-mini"])
        #expect(config.defaultRoute?.model == "gpt-4o")
    }

    @Test func reportsEveryErrorWithPathAndLine() {
        let yaml = """
            server:
              port: 99999
              colour: blue
            providers:
              openai:
                kind: openai
                base_url: ftp://nowhere
                api_key: ${MISSING_KEY}
              broken:
                base_url: http://x
              mock:
                kind: mock
                base_url: http://127.0.0.1:1
              Bad Slug:
                kind: openai
            default_route:
              provider: nobody
            """
        let issues = self.issues(yaml)
        let byPath = Dictionary(issues.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byPath["server.port"]?.line == 2)
        #expect(byPath["server.port"]?.message.contains("out of range") == true)
        #expect(byPath["server.colour"]?.message.contains("unknown key") == true)
        #expect(byPath["providers.openai.base_url"]?.line == 7)
        #expect(byPath["providers.openai.api_key"]?.message.contains("MISSING_KEY is not set") == true)
        #expect(byPath["providers.broken.kind"]?.message.contains("missing") == true)
        #expect(byPath["providers.mock.base_url"]?.message.contains("in-process") == true)
        #expect(byPath["providers.Bad Slug"]?.message.contains("invalid provider slug") == true)
        #expect(byPath["default_route.provider"]?.message.contains("unknown provider 'nobody'") == true)
        #expect(issues.count == 8)
        #expect(issues.allSatisfy { $0.description.hasPrefix("t.yaml:") })
    }

    @Test func readsConfigsAndRouting() throws {
        let yaml = """
            providers:
              a: {kind: openai, base_url: "http://127.0.0.1:1/v1"}
            configs:
              safe:
                strategy: {mode: fallback}
                retry: {attempts: 2, use_retry_after_headers: true}
                targets:
                  - {provider: a, api_key: "${KEY}", override_params: {model: x, temperature: 0.5}}
                  - {provider: openai, weight: 2}
            routing:
              retry: {initial_backoff_ms: 5, max_backoff_ms: 50, retry_after_budget_ms: 1000}
              circuit_breaker: {failure_threshold: 3, cooldown_interval: 500}
            default_route: {config: safe}
            """
        let config = try self.load(yaml, environment: ["KEY": "sk-x"]).get()
        let safe = try #require(config.configs["safe"])
        #expect(safe.strategy?.mode == .fallback)
        #expect(safe.retry == RetryPolicy(attempts: 2, useRetryAfterHeader: true))
        #expect(safe.targets[0].apiKey == "sk-x")
        #expect(safe.targets[0].overrideParams?.map(\.key) == ["model", "temperature"])
        #expect(safe.targets[1].weight == 2)
        #expect(config.routing.retry.initialBackoffMs == 5)
        #expect(config.routing.retry.retryAfterBudgetMs == 1000)
        #expect(config.routing.circuitBreaker?.failureThreshold == 3)
        #expect(config.routing.circuitBreaker?.cooldownMs == 500)
        #expect(config.defaultRoute?.config == "safe")
        #expect(config.defaultRoute?.provider == nil)
    }

    @Test func reportsConfigProblemsWithTheirPlace() {
        let yaml = """
            providers:
              a: {kind: openai, base_url: "http://127.0.0.1:1/v1"}
            configs:
              broken:
                strategy: {mode: sometimes}
                targets: [{provider: a}]
              unknown:
                provider: nowhere
            default_route: {config: missing}
            """
        let found = self.issues(yaml)
        let text = found.map(\.description).joined(separator: "\n")
        #expect(
            found.contains { $0.path == "configs.broken.strategy.mode" && $0.line == 5 && $0.column == 22 },
            "\(text)"
        )
        #expect(
            found.contains { $0.path == "configs.unknown" && $0.message.contains("unknown provider 'nowhere'") },
            "\(text)"
        )
        #expect(found.contains { $0.path == "default_route.config" }, "\(text)")
    }

    @Test func reportsYAMLSyntaxErrorsWithTheirPlace() {
        let issues = self.issues("providers:\n  a: [1, 2\n")
        #expect(issues.count == 1)
        #expect(issues.first?.message.hasPrefix("invalid YAML") == true)
        #expect((issues.first?.line ?? 0) > 0)
    }

    @Test func requiresProviders() {
        #expect(self.issues("server: {port: 1}").map(\.path) == ["providers"])
        #expect(self.issues("").first?.message.contains("empty") == true)
        #expect(self.issues("providers: []").first?.message.contains("mapping") == true)
    }

    @Test func expandsEnvironmentReferences() throws {
        #expect(try EnvironmentExpansion.expand("a${X}b${Y:-d}c", environment: ["X": "1"]) == "a1bdc")
        #expect(throws: EnvironmentExpansion.Failure.unset("NOPE")) {
            try EnvironmentExpansion.expand("${NOPE}", environment: [:])
        }
        #expect(throws: EnvironmentExpansion.Failure.malformed) {
            try EnvironmentExpansion.expand("${oops", environment: [:])
        }
        #expect(try EnvironmentExpansion.expand("${E:-}", environment: [:]) == "")
    }

    @Test(arguments: [
        ("http://127.0.0.1:9090/v1", UpstreamURL(isTLS: false, host: "127.0.0.1", port: 9090, basePath: "/v1")),
        ("https://api.openai.com", UpstreamURL(isTLS: true, host: "api.openai.com", port: 443, basePath: "")),
        ("http://[::1]:8000/a/b/", UpstreamURL(isTLS: false, host: "::1", port: 8000, basePath: "/a/b")),
    ])
    func parsesUpstreamURLs(text: String, expected: UpstreamURL) {
        #expect(UpstreamURL(parsing: text) == expected)
    }

    @Test(arguments: ["ftp://x", "http://", "http://u@h", "http://h:99999", "http://h?x=1", "h:80"])
    func rejectsBadUpstreamURLs(text: String) {
        #expect(UpstreamURL(parsing: text) == nil)
    }

    @Test func hostHeaderOmitsDefaultPorts() {
        #expect(UpstreamURL(parsing: "https://a.b")?.hostHeader == "a.b")
        #expect(UpstreamURL(parsing: "http://a.b:81")?.hostHeader == "a.b:81")
        #expect(UpstreamURL(parsing: "http://[::1]:81")?.hostHeader == "[::1]:81")
    }
}
