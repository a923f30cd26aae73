import Foundation
import Logging
import NIOCore
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// Each request and response stage on its own, without sockets: a request made from its head's bytes, a runtime
/// that serves nothing.
@Suite struct StageTests {
    static let yaml = """
        server: {host: 127.0.0.1, port: 0}
        providers:
          openai: {kind: openai, base_url: "http://127.0.0.1:9/v1", api_key: sk-test, aliases: {fast: gpt-fast}}
          claude: {kind: anthropic, base_url: "http://127.0.0.1:9", api_key: sk-test}
        """

    static func runtime(host: String = "127.0.0.1", adminKey: String? = nil) throws -> GatewayRuntime {
        var config = try ConfigLoader.load(yaml: Self.yaml, file: "stages.yaml", environment: [:])
        config.server.host = host
        return GatewayRuntime(config: config, adminKey: adminKey, logger: Logger(label: "stages"))
    }

    /// A request to `/v1/chat/completions` with `headers`, as the handler makes it from the head's bytes.
    static func request(_ headers: [(String, String)] = [], mode: BodyMode = .buffered) throws -> GatewayRequest {
        var text = "POST /v1/chat/completions HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "content-length: 2\r\n\r\n"
        let bytes = ByteBuffer(string: text)
        let parsed = try bytes.withUnsafeReadableBytes { try RequestHeadParser.parse($0) }
        let head = ClientRequestHead(bytes: bytes, parsed: parsed)
        let request = GatewayRequest(
            head: head,
            portkey: bytes.withUnsafeReadableBytes { PortkeyHeaders(head: $0, headers: parsed.fields.headers) },
            id: "req-1",
            traceID: "req-1",
            start: .now(),
            serial: 1,
            mode: mode,
            keepAlive: true,
            exchange: Exchange(timing: Exchange.Timing(responseTimeoutMs: 1_000, idleTimeoutNs: 1_000_000_000))
        )
        request.endpoint = .chatCompletions
        return request
    }

    static func source(_ body: String) throws -> AttemptSource {
        let buffer = ByteBuffer(string: body)
        let inspection = try buffer.withUnsafeReadableBytes { bytes throws(GatewayError) in
            try RequestInspection.inspect(bytes)
        }
        return AttemptSource(body: buffer, inspection: inspection)
    }

    static func target(_ runtime: GatewayRuntime, _ provider: String) throws -> RouteTarget {
        guard
            case .target(let target) = try runtime.resolver.route(
                RoutingRequest(endpoint: .chatCompletions, model: "\(provider)/fast")
            )
        else { throw GatewayError.invalidField("model", "expected one target") }
        return target
    }

    // MARK: - Auth

    @Test func authIsOpenOnLoopbackWithoutKeys() throws {
        var request = try Self.request([("authorization", "Bearer anything")])
        try AuthStage().headRead(&request, runtime: try Self.runtime())
        #expect(request.grant == nil && request.gatewayKeyHeader == nil)
    }

    @Test func authBeyondLoopbackNeedsAKeyAndNamesHowToSendIt() throws {
        var request = try Self.request()
        #expect {
            try AuthStage().headRead(&request, runtime: try Self.runtime(host: "0.0.0.0"))
        } throws: { error in
            let error = error as? GatewayError
            return error?.status == 401 && error?.code == "missing_api_key"
                && error?.message.contains("Authorization: Bearer") == true
        }
    }

    @Test func authTakesTheAdminKeyFromEitherHeaderAndRemembersWhich() throws {
        let runtime = try Self.runtime(host: "0.0.0.0", adminKey: "sb-admin-key")
        var bearer = try Self.request([("authorization", "Bearer sb-admin-key")])
        try AuthStage().headRead(&bearer, runtime: runtime)
        #expect(bearer.grant?.id == "admin-key" && bearer.gatewayKeyHeader == .authorization)
        var portkey = try Self.request([("x-portkey-api-key", "sb-admin-key")])
        try AuthStage().headRead(&portkey, runtime: runtime)
        #expect(portkey.gatewayKeyHeader == .portkey)
        var wrong = try Self.request([("x-api-key", "sb-other")])
        #expect(throws: GatewayError.self) { try AuthStage().headRead(&wrong, runtime: runtime) }
    }

    // MARK: - Presets

    @Test func anUnknownPresetIsA404NamingHowToCreateIt() throws {
        var request = try Self.request()
        var source = try Self.source(#"{"model":"@preset/nope","messages":[]}"#)
        #expect {
            try PresetStage().bodyRead(&source, request: &request, runtime: try Self.runtime())
        } throws: { error in
            let error = error as? GatewayError
            return error?.status == 404 && error?.code == "preset_not_found"
                && error?.message.contains("POST /api/v1/presets/nope") == true
        }
    }

    @Test func aBodyWithoutAPresetIsLeftAlone() throws {
        var request = try Self.request()
        var source = try Self.source(#"{"model":"openai/fast","messages":[]}"#)
        try PresetStage().bodyRead(&source, request: &request, runtime: try Self.runtime())
        #expect(String(buffer: source.body) == #"{"model":"openai/fast","messages":[]}"#)
        #expect(request.preset == nil)
    }

    // MARK: - Attempt stages

    @Test func theProvidersModelIsWhatTheUpstreamGetsAndWhatIsCounted() throws {
        let runtime = try Self.runtime()
        var request = try Self.request()
        request.source = try Self.source(#"{"model":"openai/fast","messages":[]}"#)
        // A config's target maps the request's model when the attempt is prepared.
        var routing = RoutingRequest(endpoint: .chatCompletions, model: "openai/fast")
        routing.config = #"{"provider":"openai"}"#
        routing.parsedConfig = try PortkeyConfig.parse(text: routing.config!)
        guard case .target(let target) = try runtime.resolver.route(routing) else {
            Issue.record("expected one target")
            return
        }
        #expect(target.model == nil)
        var attempt = AttemptPreparation(target: target)
        ModelRewriteStage().preparing(&attempt, request: &request, runtime: runtime)
        #expect(attempt.target.model == "gpt-fast")
        #expect(request.model == "gpt-fast")
        let body = request.source!.prepared(for: attempt)
        #expect(String(buffer: body) == #"{"model":"gpt-fast","messages":[]}"#)
    }

    @Test func aStreamThatDidNotAskForUsageIsAskedForIt() throws {
        let runtime = try Self.runtime()
        var request = try Self.request()
        request.source = try Self.source(#"{"model":"openai/fast","stream":true,"messages":[]}"#)
        var attempt = AttemptPreparation(target: try Self.target(runtime, "openai"))
        UsageOptionStage().preparing(&attempt, request: &request, runtime: runtime)
        #expect(attempt.asksForUsage)
        #expect(attempt.overrides.map(\.key) == ["stream_options"])
        let body = String(buffer: request.source!.prepared(for: attempt))
        #expect(body.contains(#""stream_options":{"include_usage":true}"#))

        var asked = try Self.request()
        asked.source = try Self.source(
            #"{"model":"openai/fast","stream":true,"stream_options":{"include_usage":true},"messages":[]}"#
        )
        var unchanged = AttemptPreparation(target: try Self.target(runtime, "openai"))
        UsageOptionStage().preparing(&unchanged, request: &asked, runtime: runtime)
        #expect(!unchanged.asksForUsage && unchanged.overrides.isEmpty)

        var plain = try Self.request()
        plain.source = try Self.source(#"{"model":"openai/fast","messages":[]}"#)
        var none = AttemptPreparation(target: try Self.target(runtime, "openai"))
        UsageOptionStage().preparing(&none, request: &plain, runtime: runtime)
        #expect(!none.asksForUsage)
    }

    @Test func consumedMembersAreTakenOutOfEveryAttempt() throws {
        let runtime = try Self.runtime()
        var source = try Self.source(#"{"model":"openai/fast","models":["a","b"],"messages":[]}"#)
        source.consumedBodyKeys = ["models"]
        let attempt = AttemptPreparation(target: try Self.target(runtime, "openai"))
        #expect(String(buffer: source.prepared(for: attempt)) == #"{"model":"gpt-fast","messages":[]}"#)
    }

    @Test func theStagesRunInTheirOrder() {
        let names = RequestStages.all.map { String(describing: type(of: $0)) }
        #expect(
            names == [
                "AuthStage", "PromptStage", "PresetStage", "CacheControlStage", "ModelRewriteStage", "UsageOptionStage",
            ]
        )
    }

    // MARK: - Response stages

    static func responseHead(_ text: String) throws -> (ResponseHead, ByteBuffer) {
        let bytes = ByteBuffer(string: text)
        return (try bytes.withUnsafeReadableBytes { try ResponseHeadParser.parse($0) }, bytes)
    }

    @Test func aJSONAnswersUsageIsReadAsItPasses() throws {
        let (head, bytes) = try Self.responseHead(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n"
        )
        var stages = ResponseStages()
        stages.keptBody = []
        let stream = stages.start(
            head: head,
            bytes: bytes,
            framing: .length(10),
            asksForUsage: false,
            clientMinorVersion: 1
        )
        #expect(!stream && !stages.filters)
        let body = #"{"id":"x","usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}"#
        for part in [body.prefix(20), body.dropFirst(20)] {
            Array(part.utf8).withUnsafeBytes { stages.payload($0) }
        }
        let usage = stages.usage!.result(requestBytes: 100)
        #expect(usage.promptTokens == 12 && usage.completionTokens == 7 && usage.source == .reported)
        #expect(stages.keptBody == Array(body.utf8))
    }

    @Test func aStreamWhoseUsageTheGatewayAskedForIsFilteredAndReframed() throws {
        let (head, bytes) = try Self.responseHead(
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        )
        var stages = ResponseStages()
        let isStream = stages.start(
            head: head,
            bytes: bytes,
            framing: .chunked,
            asksForUsage: true,
            clientMinorVersion: 1
        )
        #expect(isStream)
        #expect(stages.filters && stages.reframes)
        var old = ResponseStages()
        _ = old.start(head: head, bytes: bytes, framing: .chunked, asksForUsage: true, clientMinorVersion: 0)
        #expect(old.filters && !old.reframes)
        var own = ResponseStages()
        _ = own.start(head: head, bytes: bytes, framing: .chunked, asksForUsage: false, clientMinorVersion: 1)
        #expect(!own.filters)
    }

    @Test func errorAnswersAreNotScannedForUsage() throws {
        let (head, bytes) = try Self.responseHead(
            "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n"
        )
        var stages = ResponseStages()
        _ = stages.start(head: head, bytes: bytes, framing: .length(2), asksForUsage: true, clientMinorVersion: 1)
        #expect(stages.usage == nil && !stages.filters)
    }

    @Test func theKeptBodyStopsAtItsLimit() {
        var stages = ResponseStages()
        stages.keptBody = []
        let chunk = [UInt8](repeating: 0x61, count: 100_000)
        for _ in 0..<3 { chunk.withUnsafeBytes { stages.payload($0) } }
        #expect(stages.keptBody?.count == ResponseStages.maxLoggedBody)
    }
}
