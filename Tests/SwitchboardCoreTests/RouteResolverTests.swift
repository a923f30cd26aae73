import Testing

@testable import SwitchboardCore

@Suite struct RouteResolverTests {
    private let resolver: RouteResolver = {
        let yaml = """
            providers:
              mock:
                kind: mock
                models: [mock-1]
              openai:
                kind: openai
                base_url: https://api.openai.com/v1
                api_key: sk-config
                models: [gpt-4o]
                aliases: {fast: gpt-4o-mini}
              claude:
                kind: anthropic
                base_url: https://api.anthropic.com/v1
            default_route: {provider: mock, model: mock-1}
            """
        var config = try! ConfigLoader.load(yaml: yaml, file: "t", environment: [:])
        config.attachMock(port: 9999)
        return RouteResolver(config: config)
    }()

    /// The target a request goes to first.
    private func resolve(_ request: RoutingRequest) -> Result<RouteTarget, GatewayError> {
        Result { () throws(GatewayError) in
            switch try self.resolver.route(request) {
            case .target(let target): target
            case .plan(let plan): plan.leaves[0].target
            }
        }
    }

    @Test func providerPrefixIsStripped() throws {
        let target = try self.resolve(RoutingRequest(endpoint: .chatCompletions, model: "openai/gpt-4o")).get()
        #expect(target.provider == "openai")
        #expect(target.model == "gpt-4o")
        #expect(target.apiKey == "sk-config")
        #expect(target.upstream.host == "api.openai.com")
    }

    @Test func atSlugAndAliasesResolve() throws {
        let target = try self.resolve(RoutingRequest(endpoint: .chatCompletions, model: "@openai/fast")).get()
        #expect(target.provider == "openai")
        #expect(target.model == "gpt-4o-mini")
    }

    @Test func bareListedModelsGoToTheirProvider() throws {
        #expect(
            try self.resolve(RoutingRequest(endpoint: .chatCompletions, model: "gpt-4o")).get().provider == "openai"
        )
        #expect(
            try self.resolve(RoutingRequest(endpoint: .chatCompletions, model: "fast")).get().model == "gpt-4o-mini"
        )
    }

    @Test func unlistedBareModelsTakeTheDefaultRoute() throws {
        let target = try self.resolve(RoutingRequest(endpoint: .chatCompletions, model: "whatever")).get()
        #expect(target.provider == "mock")
        #expect(target.model == "whatever")
        #expect(target.upstream == UpstreamURL(isTLS: false, host: "127.0.0.1", port: 9999, basePath: "/v1"))
        let noModel = try self.resolve(RoutingRequest(endpoint: .chatCompletions)).get()
        #expect(noModel.model == "mock-1")
    }

    @Test func unknownPrefixNamesTheConfiguredProviders() {
        guard case .failure(let error) = self.resolve(RoutingRequest(endpoint: .chatCompletions, model: "opnai/gpt-4o"))
        else {
            Issue.record("expected an error")
            return
        }
        #expect(error.status == 400)
        #expect(error.message.contains("Unknown provider 'opnai'"))
        #expect(error.message.contains("mock, openai, claude"))
    }

    @Test func portkeyProviderHeaderSendsTheModelAsIs() throws {
        let configured = try self.resolve(RoutingRequest(endpoint: .chatCompletions, model: "x/y", provider: "openai"))
            .get()
        #expect(configured.provider == "openai")
        #expect(configured.model == nil)
        let known = try self.resolve(RoutingRequest(endpoint: .chatCompletions, model: "m", provider: "groq")).get()
        #expect(known.upstream.host == "api.groq.com")
        #expect(known.apiKey == nil)
        guard
            case .failure(let error) = self.resolve(
                RoutingRequest(endpoint: .chatCompletions, model: "m", provider: "nope")
            )
        else {
            Issue.record("expected an error")
            return
        }
        #expect(error.message.hasPrefix("Invalid provider passed"))
        #expect(error.format == .portkey)
    }

    @Test func customHostsAreValidated() throws {
        let local = try self.resolve(
            RoutingRequest(
                endpoint: .chatCompletions,
                model: "m",
                provider: "openai",
                customHost: "http://localhost:11434/v1"
            )
        ).get()
        #expect(local.upstream == UpstreamURL(isTLS: false, host: "localhost", port: 11434, basePath: "/v1"))
        guard
            case .failure(let error) = self.resolve(
                RoutingRequest(
                    endpoint: .chatCompletions,
                    model: "m",
                    provider: "openai",
                    customHost: "http://169.254.169.254/"
                )
            )
        else {
            Issue.record("expected an error")
            return
        }
        #expect(error.message.hasPrefix("Invalid custom host"))
    }

    @Test func inlineConfigNamesOneTarget() throws {
        let config =
            #"{"provider":"openai","api_key":"sk-inline","custom_host":"http://127.0.0.1:1234/v1","override_params":{"temperature":0.5,"model":"o"},"request_timeout":250}"#
        let target = try self.resolve(RoutingRequest(endpoint: .chatCompletions, model: "m", config: config)).get()
        #expect(target.apiKey == "sk-inline")
        #expect(target.upstream.port == 1234)
        #expect(target.overrides.map(\.key) == ["model", "temperature"])
        #expect(target.overrides.map { String(decoding: $0.json, as: UTF8.self) } == [#""o""#, "0.5"])
        #expect(target.requestTimeoutMs == 250)
    }

    @Test(arguments: [
        ("pc-123", "Config 'pc-123' not found"), ("{bad", "valid json"),
        (#"{"api_key":"k"}"#, "Either x-portkey-provider"),
        (#"{"strategy":{"mode":"fallback"}}"#, "needs at least one target"),
        (#"{"provider":"openai","override_params":[1]}"#, "path: override_params, message: must be an object"),
        (#"{"provider":7}"#, "path: provider, message: must be a string"),
        (#"{"provider":"openai","input_guardrails":["x"]}"#, "no saved guardrail 'x'"),
    ])
    func badInlineConfigsAre400(config: String, message: String) {
        guard
            case .failure(let error) = self.resolve(
                RoutingRequest(endpoint: .chatCompletions, model: "m", config: config)
            )
        else {
            Issue.record("expected an error for \(config)")
            return
        }
        #expect(error.status == 400)
        #expect(error.format == .portkey)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func endpointsAProviderDoesNotSpeakAre400() {
        guard case .failure(let error) = self.resolve(RoutingRequest(endpoint: .embeddings, model: "claude/x")) else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == "unsupported_endpoint")
        #expect((try? self.resolve(RoutingRequest(endpoint: .messages, model: "claude/x")).get()) != nil)
    }
}

@Suite struct CustomHostValidatorTests {
    let validator = CustomHostValidator(trustedHosts: ["localhost", "127.0.0.1", "::1", "host.docker.internal"])

    @Test(arguments: [
        "http://localhost:11434", "http://127.0.0.1:1234/v1", "http://[::1]:8000", "https://api.example.com/v1",
        "http://ollama.localhost:1", "https://8.8.8.8",
    ])
    func allows(url: String) {
        #expect((try? self.validator.validate(url).get()) != nil, "\(url)")
    }

    @Test(arguments: [
        "http://169.254.169.254/latest", "http://metadata.google.internal", "http://10.0.0.1", "http://192.168.1.1",
        "http://172.16.0.1", "http://2130706433", "http://0x7f000001", "http://0177.0.0.1", "http://127.1",
        "http://printer.local", "http://a.corp", "http://x.y.", "ftp://a.b", "http://user@a.b", "http://[fd00::1]",
        "http://[fe80::1]", "http://[::ffff:10.0.0.1]", "http://api.portkey.ai", "http://a.b\n",
    ])
    func refuses(url: String) {
        #expect((try? self.validator.validate(url).get()) == nil, "\(url)")
    }
}

extension RouteResolverTests {
    @Test func storedCredentialsResolveByEveryName() throws {
        var resolver = self.resolver
        let credentials: [String: ProviderCredential] = [
            "team": ProviderCredential(
                slug: "team",
                provider: "groq",
                apiKey: "sk-team",
                baseURL: UpstreamURL(parsing: "http://10.0.0.5:8000/v1")
            ),
            "aliased": ProviderCredential(slug: "aliased", provider: "openai", apiKey: "sk-aliased"),
            "off": ProviderCredential(slug: "off", provider: "openai", apiKey: nil, unusable: (400, "it is archived.")),
        ]
        resolver.storedCredentials = { credentials[$0] }
        func route(_ request: RoutingRequest) throws(GatewayError) -> RouteTarget {
            switch try resolver.route(request) {
            case .target(let target): target
            case .plan(let plan): plan.leaves[0].target
            }
        }
        let byModel = try route(RoutingRequest(endpoint: .chatCompletions, model: "@team/llama-3"))
        #expect(byModel.apiKey == "sk-team" && byModel.model == "llama-3" && byModel.upstream.host == "10.0.0.5")
        #expect(byModel.provider == "groq")
        // A credential on a configured provider keeps that provider's aliases.
        #expect(try route(RoutingRequest(endpoint: .chatCompletions, model: "@aliased/fast")).model == "gpt-4o-mini")
        var header = RoutingRequest(endpoint: .chatCompletions, model: "m")
        header.virtualKey = "team"
        #expect(try route(header).apiKey == "sk-team")
        let catalog = RoutingRequest(endpoint: .chatCompletions, model: "m", provider: "@team")
        #expect(try route(catalog).apiKey == "sk-team")
        let config = RoutingRequest(endpoint: .chatCompletions, model: "m", config: #"{"virtual_key":"team"}"#)
        #expect(try route(config).apiKey == "sk-team")

        #expect(throws: GatewayError.self) { try route(RoutingRequest(endpoint: .chatCompletions, model: "@off/m")) }
        do {
            _ = try route(RoutingRequest(endpoint: .chatCompletions, model: "m", config: #"{"virtual_key":"ghost"}"#))
            Issue.record("an unknown virtual key routed")
        } catch {
            #expect(error.status == 400)
            #expect(error.message.contains("'ghost'") && error.message.contains("config.virtual_key"))
        }
        // Without `@`, a slash is a namespaced model name, not a credential.
        #expect(throws: GatewayError.self) { try route(RoutingRequest(endpoint: .chatCompletions, model: "team/m")) }
    }
}
