import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardMock
import SwitchboardStore
import SwitchboardTestSupport
import Testing

/// Every client protocol against every provider kind, JSON and SSE, through the real server and the mock
/// speaking each provider protocol (issue 20): the answer's text, reasoning, tool call, stop reason and usage
/// arrive in the client's own shape, the provider is called in its own protocol with its own credentials, and
/// errors, cut streams and untranslatable bodies come back in the client's error shape.
@Suite struct TranslationMatrixTests {
    static let yaml = """
        providers:
          chat: {kind: openai-chat, base_url: "http://{MOCK}/v1", api_key: sk-oai}
          resp: {kind: openai-responses, base_url: "http://{MOCK}/v1", api_key: sk-oai}
          ant: {kind: anthropic, base_url: "http://{MOCK}/v1", api_key: sk-ant}
          gem: {kind: gemini, base_url: "http://{MOCK}/v1beta", api_key: sk-gem}
        default_route: {provider: chat}
        """

    enum Client: String, CaseIterable, CustomTestStringConvertible {
        case chat, responses, messages, gemini
        var endpoint: Endpoint {
            switch self {
            case .chat: .chatCompletions
            case .responses: .responses
            case .messages: .messages
            case .gemini: .generateContent
            }
        }
        func path(model: String, stream: Bool) -> String {
            switch self {
            case .chat: "/v1/chat/completions"
            case .responses: "/v1/responses"
            case .messages: "/v1/messages"
            case .gemini: "/v1beta" + GeminiPath(model: model, stream: stream).path
            }
        }
        var testDescription: String { self.rawValue }
    }

    enum Provider: String, CaseIterable, CustomTestStringConvertible {
        case chat, resp, ant, gem
        var kind: ProviderKind {
            switch self {
            case .chat: .openaiChat
            case .resp: .openaiResponses
            case .ant: .anthropic
            case .gem: .gemini
            }
        }
        func path(model: String, stream: Bool) -> String {
            switch self {
            case .chat: "/v1/chat/completions"
            case .resp: "/v1/responses"
            case .ant: "/v1/messages"
            case .gem: "/v1beta" + GeminiPath(model: model, stream: stream).path
            }
        }
        var testDescription: String { self.rawValue }
    }

    /// A client's request for `model` (mock options included), with a tool the mock may call.
    static func body(_ client: Client, model: String, stream: Bool) -> String {
        switch client {
        case .chat:
            return
                #"{"model":"\#(model)","stream":\#(stream),"stream_options":\#(stream ? #"{"include_usage":true}"# : "null"),"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Weather in Paris?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}"#
        case .responses:
            return
                #"{"model":"\#(model)","stream":\#(stream),"instructions":"Be brief.","input":"Weather in Paris?","tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]}"#
        case .gemini:
            return
                #"{"systemInstruction":{"parts":[{"text":"Be brief."}]},"contents":[{"role":"user","parts":[{"text":"Weather in Paris?"}]}],"tools":[{"functionDeclarations":[{"name":"get_weather","parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}}}}]}]}"#
        case .messages:
            return
                #"{"model":"\#(model)","max_tokens":256,"stream":\#(stream),"system":"Be brief.","messages":[{"role":"user","content":"Weather in Paris?"}],"tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]}"#
        }
    }

    static let cases: [(Client, Provider, Bool)] = Client.allCases.flatMap { client in
        Provider.allCases.flatMap { provider in [false, true].map { (client, provider, $0) } }
    }

    @Test(arguments: cases)
    func plainAnswer(client: Client, provider: Provider, stream: Bool) async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                client.path(model: "\(provider.rawValue)/m1;tokens=3", stream: stream),
                body: Self.body(client, model: "\(provider.rawValue)/m1;tokens=3", stream: stream)
            )
            #expect(response.status == 200, "\(response.text)")
            #expect(response.complete)
            let answer = try ClientAnswer.read(response, client: client, stream: stream)
            #expect(answer.text == "Hello from the")
            #expect(answer.stop == .endTurn)
            #expect(answer.toolCalls.isEmpty)
            #expect(answer.outputTokens == 3)
            // The provider was called in its own protocol, with its own key, and reported the prompt it got.
            let sent = try #require(fixture.mock.recorder.requests.last)
            #expect(sent.uri == provider.path(model: "m1;tokens=3", stream: stream))
            #expect(answer.inputTokens == MockResponses.promptTokens(bodyBytes: sent.bodyLength))
            switch provider {
            case .chat, .resp: #expect(sent.header("authorization") == "Bearer sk-oai")
            case .ant:
                #expect(sent.header("x-api-key") == "sk-ant")
                #expect(sent.header("anthropic-version") == "2023-06-01")
            case .gem: #expect(sent.header("x-goog-api-key") == "sk-gem")
            }
            let contentType = response.header("content-type") ?? ""
            #expect(contentType.hasPrefix(stream ? "text/event-stream" : "application/json"))
        }
    }

    @Test(arguments: cases)
    func toolCallAndReasoning(client: Client, provider: Provider, stream: Bool) async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                client.path(model: "\(provider.rawValue)/m1;tokens=2;tool=1;thinking=1", stream: stream),
                body: Self.body(client, model: "\(provider.rawValue)/m1;tokens=2;tool=1;thinking=1", stream: stream)
            )
            #expect(response.status == 200, "\(response.text)")
            let answer = try ClientAnswer.read(response, client: client, stream: stream)
            #expect(answer.text == "Hello from")
            #expect(answer.thinking == "Let me think.")
            #expect(answer.stop == .toolUse)
            try #require(answer.toolCalls.count == 1)
            // Gemini gives no call ids: the gateway makes one for other clients.
            let id = provider != .gem ? "call_mock_1" : client == .gemini ? "" : "call_0"
            #expect(answer.toolCalls[0].id == id)
            #expect(answer.toolCalls[0].name == "get_weather")
            #expect(JSONValue(parsing: Array(answer.toolCalls[0].arguments.utf8)) == .object([("city", "Paris")]))
            // A signature (Anthropic's, or OpenAI's encrypted reasoning) reaches every client: chat clients in
            // thinking_blocks, Responses clients as encrypted_content; chat providers send none.
            if provider != .chat { #expect(answer.signature == "sig-mock") }
            // The tool the client declared reached the provider in its protocol.
            let last = try #require(fixture.mock.recorder.requests.last)
            let sent = try #require(JSONValue(parsing: last.body))
            let tool = sent["tools"]?.array?.first
            let name =
                switch provider {
                case .chat: tool?["function"]?["name"]
                case .gem: tool?["functionDeclarations"]?.array?.first?["name"]
                default: tool?["name"]
                }
            #expect(name == "get_weather")
        }
    }

    /// A translated request is logged and counted with the provider's own token counts, streams included.
    @Test(arguments: [
        (Client.messages, Provider.chat), (Client.chat, Provider.ant), (Client.responses, Provider.ant),
        (Client.messages, Provider.resp), (Client.gemini, Provider.ant), (Client.chat, Provider.gem),
    ])
    func translatedRequestsAreCountedExactly(client: Client, provider: Provider) async throws {
        try await GatewayFixture.with(yaml: Self.yaml, storeKind: .sqlite) { fixture in
            let response = try await fixture.client.request(
                client.path(model: "\(provider.rawValue)/m1;tokens=5;cached=4", stream: true),
                body: Self.body(client, model: "\(provider.rawValue)/m1;tokens=5;cached=4", stream: true)
            )
            #expect(response.status == 200)
            let id = try #require(response.header("x-request-id"))
            var logged: RequestLogRecord?
            try await FlowControlTests.eventually("the request is logged") {
                logged = try await fixture.store!.requestLog(id: id)
                return logged != nil
            }
            let record = try #require(logged)
            let sent = try #require(fixture.mock.recorder.requests.last)
            #expect(record.complete)
            #expect(record.usageSource == "reported")
            #expect(record.completionTokens == 5)
            #expect(
                record.promptTokens == MockResponses.promptTokens(bodyBytes: sent.bodyLength)
                    + (provider == .ant ? 4 : 0)
            )
            #expect(record.cachedTokens == 4)
            #expect(record.stream)
            let metrics = try await fixture.client.request("/metrics", method: .GET).text
            let pair = try #require(TranslationPair(endpoint: client.endpoint, kind: provider.kind))
            #expect(
                metrics.contains(
                    #"switchboard_translated_attempts_total{client="\#(pair.client.rawValue)",provider="\#(pair.provider.rawValue)"} 1"#
                ),
                "\(metrics.split(separator: "\n").filter { $0.contains("translated") })"
            )
        }
    }

    /// A provider error reaches the client with the provider's status and message, in the client's shape.
    @Test(arguments: Client.allCases, Provider.allCases)
    func providerErrorsInTheClientsShape(client: Client, provider: Provider) async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                client.path(model: "\(provider.rawValue)/m1;status=429", stream: false),
                body: Self.body(client, model: "\(provider.rawValue)/m1;status=429", stream: false)
            )
            #expect(response.status == 429)
            let json = try #require(JSONValue(parsing: response.body))
            if client == .gemini {
                #expect(json["error"]?["code"] == 429)
                #expect(json["error"]?["status"] == "RESOURCE_EXHAUSTED")
                #expect(json["error"]?["message"] == "mock fault: status 429")
            } else if client == .messages {
                #expect(json["type"] == "error")
                #expect(json["error"]?["type"] == "rate_limit_error")
                #expect(json["error"]?["message"] == "mock fault: status 429")
            } else {
                #expect(json["error"]?["message"] == "mock fault: status 429")
                #expect(json["error"]?["type"] == "rate_limit_error")
            }
        }
    }

    /// A translated stream the provider cuts ends with the client protocol's own error event, and the response
    /// is left incomplete.
    @Test(arguments: [
        (Client.messages, Provider.chat), (Client.chat, Provider.ant), (Client.responses, Provider.ant),
        (Client.chat, Provider.resp), (Client.gemini, Provider.chat), (Client.messages, Provider.gem),
    ])
    func aCutStreamEndsWithTheClientsErrorEvent(client: Client, provider: Provider) async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let response = try await fixture.client.request(
                client.path(model: "\(provider.rawValue)/m1;tokens=20;reset_after=4", stream: true),
                body: Self.body(client, model: "\(provider.rawValue)/m1;tokens=20;reset_after=4", stream: true)
            )
            #expect(response.status == 200)
            #expect(!response.complete)
            let last = try #require(response.sseData.last)
            let json = try #require(JSONValue(parsing: Array(last.utf8)))
            switch client {
            case .gemini:
                #expect(json["error"]?["status"] == "INTERNAL")
            case .messages:
                #expect(json["type"] == "error")
                #expect(response.text.contains("event: error\n"))
            case .responses:
                #expect(json["type"] == "error")
                #expect(json["code"] == "stream_interrupted")
            case .chat:
                #expect(json["error"]?["code"] == "stream_interrupted")
            }
            #expect(!response.text.contains("message_stop") && !response.text.contains("[DONE]"))
            #expect(!response.text.contains("response.completed"))
        }
    }

    /// What cannot be translated is refused before any upstream is tried, naming the field, in the client's shape.
    @Test func untranslatableBodiesAreRefusedBeforeTheUpstream() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let messages = try await fixture.client.request(
                "/v1/messages",
                body:
                    #"{"model":"chat/m1","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}"#
            )
            #expect(messages.status == 400)
            let error = try #require(JSONValue(parsing: messages.body))
            #expect(error["type"] == "error")
            #expect(error["error"]?["message"]?.string?.contains("'tools[0].type'") == true)
            let chat = try await fixture.client.request(
                "/v1/chat/completions",
                body: #"{"model":"ant/m1","n":3,"messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(chat.status == 400)
            #expect(JSONValue(parsing: chat.body)?["error"]?["param"] == "n")
            #expect(fixture.mock.recorder.requestCount == 0)
        }
    }

    /// Translation is decided per attempt: a config that falls back from a chat provider to an Anthropic one
    /// sends each attempt in its own provider's protocol, and the client gets the answer in its own.
    @Test func aFallbackTranslatesEachAttemptForItsProvider() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let config =
                #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"chat","override_params":{"model":"m1;status=503"}},{"provider":"ant","override_params":{"model":"m2;tokens=2"}}]}"#
            let response = try await fixture.client.request(
                "/v1/responses",
                headers: [("x-portkey-config", config)],
                body: Self.body(.responses, model: "any", stream: true)
            )
            #expect(response.status == 200)
            #expect(response.header("x-portkey-last-used-option-index") == "config.targets[1]")
            let answer = try ClientAnswer.read(response, client: .responses, stream: true)
            #expect(answer.text == "Hello from")
            let sent = fixture.mock.recorder.requests.suffix(2).map(\.uri)
            #expect(sent == ["/v1/chat/completions", "/v1/messages"])
        }
    }

    /// `GET /v1/models`, the same with `anthropic-version` (Anthropic's SDKs) and `GET /v1beta/models` (Gemini's)
    /// list the same models, each in its client's shape.
    @Test func modelListsInEveryClientsShape() async throws {
        let yaml = Self.yaml.replacingOccurrences(of: "api_key: sk-ant}", with: "api_key: sk-ant, models: [claude-x]}")
        try await GatewayFixture.with(yaml: yaml) { fixture in
            let openAI = try #require(
                JSONValue(parsing: try await fixture.client.request("/v1/models", method: .GET).body)
            )
            #expect(openAI["data"]?.array?.map { $0["id"] } == ["ant/claude-x"])
            let anthropic = try #require(
                JSONValue(
                    parsing: try await fixture.client.request(
                        "/v1/models",
                        method: .GET,
                        headers: [("anthropic-version", "2023-06-01")]
                    ).body
                )
            )
            #expect(anthropic["data"]?.array?.map { $0["id"] } == ["ant/claude-x"])
            #expect(anthropic["data"]?.array?.first?["type"] == "model")
            #expect(anthropic["has_more"] == .bool(false))
            let gemini = try #require(
                JSONValue(parsing: try await fixture.client.request("/v1beta/models", method: .GET).body)
            )
            #expect(gemini["models"]?.array?.map { $0["name"] } == ["models/ant/claude-x"])
        }
    }

    /// `count_tokens` goes to an Anthropic provider (which counts); for any other it is estimated locally.
    @Test func countTokensIsForwardedToAnthropicAndEstimatedElsewhere() async throws {
        try await GatewayFixture.with(yaml: Self.yaml) { fixture in
            let body = #"{"model":"ant/claude-x","messages":[{"role":"user","content":"hi"}]}"#
            let forwarded = try await fixture.client.request("/v1/messages/count_tokens", body: body)
            #expect(forwarded.status == 200)
            let sent = try #require(fixture.mock.recorder.requests.last)
            #expect(sent.uri == "/v1/messages/count_tokens")
            #expect(sent.bodyString.contains(#""model":"claude-x""#))
            let chatBody = body.replacingOccurrences(of: "ant/", with: "chat/")
            let estimated = try await fixture.client.request("/v1/messages/count_tokens", body: chatBody)
            #expect(estimated.status == 200)
            #expect(JSONValue(parsing: estimated.body)?["input_tokens"]?.int == chatBody.utf8.count / 4)
            #expect(fixture.mock.recorder.requestCount == 1)
        }
    }

    /// A chat client's key goes to an Anthropic provider as `x-api-key` when the provider has none configured,
    /// and an Anthropic client's to an OpenAI provider as a bearer token.
    @Test func theClientsOwnKeyIsSentInTheProvidersHeader() async throws {
        let yaml = """
            providers:
              chat: {kind: openai-chat, base_url: "http://{MOCK}/v1"}
              ant: {kind: anthropic, base_url: "http://{MOCK}/v1"}
            default_route: {provider: chat}
            """
        try await GatewayFixture.with(yaml: yaml) { fixture in
            _ = try await fixture.client.request(
                "/v1/chat/completions",
                headers: [("authorization", "Bearer sk-client")],
                body: Self.body(.chat, model: "ant/m1", stream: false)
            )
            var sent = try #require(fixture.mock.recorder.requests.last)
            #expect(sent.header("x-api-key") == "sk-client")
            #expect(sent.header("authorization") == nil)
            _ = try await fixture.client.request(
                "/v1/messages",
                headers: [("x-api-key", "sk-client-2"), ("anthropic-version", "2023-06-01")],
                body: Self.body(.messages, model: "chat/m1", stream: false)
            )
            sent = try #require(fixture.mock.recorder.requests.last)
            #expect(sent.header("authorization") == "Bearer sk-client-2")
            #expect(sent.header("x-api-key") == nil)
            #expect(sent.header("anthropic-version") == nil)
        }
    }
}

/// A response read in its client protocol's shape, down to what every protocol has.
struct ClientAnswer {
    var text = ""
    var thinking = ""
    var signature = ""
    var toolCalls: [(id: String, name: String, arguments: String)] = []
    var stop: StopReason?
    var inputTokens = 0
    var outputTokens = 0

    struct Unreadable: Error { var text: String }

    static func read(
        _ response: TestResponse,
        client: TranslationMatrixTests.Client,
        stream: Bool
    ) throws -> ClientAnswer {
        var answer = ClientAnswer()
        let items: [JSONValue] =
            stream
            ? response.sseData.filter { $0 != "[DONE]" }.compactMap { JSONValue(parsing: Array($0.utf8)) }
            : [JSONValue(parsing: response.body)].compactMap { $0 }
        guard !items.isEmpty else { throw Unreadable(text: response.text) }
        for item in items {
            switch (client, stream) {
            case (.chat, false): answer.chatMessage(item)
            case (.chat, true): answer.chatChunk(item)
            case (.messages, false): answer.message(item)
            case (.messages, true): answer.messageEvent(item)
            case (.responses, false): answer.response(item)
            case (.responses, true): answer.responseEvent(item)
            case (.gemini, _): answer.geminiChunk(item)
            }
        }
        return answer
    }

    private mutating func chatUsage(_ usage: JSONValue?) {
        guard let usage else { return }
        self.inputTokens = usage["prompt_tokens"]?.int ?? 0
        self.outputTokens = usage["completion_tokens"]?.int ?? 0
    }

    mutating func chatMessage(_ body: JSONValue) {
        let choice = body["choices"]?.array?.first
        let message = choice?["message"]
        self.text = message?["content"]?.string ?? ""
        self.thinking = message?["reasoning_content"]?.string ?? ""
        self.signature = message?["thinking_blocks"]?.array?.first?["signature"]?.string ?? ""
        for call in message?["tool_calls"]?.array ?? [] {
            self.toolCalls.append(
                (
                    call["id"]?.string ?? "", call["function"]?["name"]?.string ?? "",
                    call["function"]?["arguments"]?.string ?? ""
                )
            )
        }
        self.stop = choice?["finish_reason"]?.string.map(StopReason.init(openAI:))
        self.chatUsage(body["usage"])
    }

    mutating func chatChunk(_ chunk: JSONValue) {
        for choice in chunk["choices"]?.array ?? [] {
            let delta = choice["delta"]
            self.text += delta?["content"]?.string ?? ""
            self.thinking += delta?["reasoning_content"]?.string ?? ""
            for block in delta?["thinking_blocks"]?.array ?? [] {
                self.signature += block["signature"]?.string ?? ""
            }
            for call in delta?["tool_calls"]?.array ?? [] {
                let index = call["index"]?.int ?? 0
                if index == self.toolCalls.count { self.toolCalls.append(("", "", "")) }
                if let id = call["id"]?.string { self.toolCalls[index].id = id }
                if let name = call["function"]?["name"]?.string { self.toolCalls[index].name = name }
                self.toolCalls[index].arguments += call["function"]?["arguments"]?.string ?? ""
            }
            if let reason = choice["finish_reason"]?.string { self.stop = StopReason(openAI: reason) }
        }
        if let usage = chunk["usage"], usage != .null { self.chatUsage(usage) }
    }

    mutating func geminiChunk(_ chunk: JSONValue) {
        let candidate = chunk["candidates"]?.array?.first
        for part in candidate?["content"]?["parts"]?.array ?? [] {
            if let text = part["text"]?.string {
                if part["thought"] == .bool(true) { self.thinking += text } else { self.text += text }
            }
            self.signature += part["thoughtSignature"]?.string ?? ""
            if let call = part["functionCall"] {
                self.toolCalls.append(
                    (call["id"]?.string ?? "", call["name"]?.string ?? "", (call["args"] ?? .null).jsonText)
                )
            }
        }
        if let reason = candidate?["finishReason"]?.string {
            self.stop = reason == "MAX_TOKENS" ? .maxTokens : self.toolCalls.isEmpty ? .endTurn : .toolUse
        }
        if let usage = chunk["usageMetadata"] {
            self.inputTokens = usage["promptTokenCount"]?.int ?? 0
            self.outputTokens = (usage["candidatesTokenCount"]?.int ?? 0) + (usage["thoughtsTokenCount"]?.int ?? 0)
        }
    }

    mutating func response(_ body: JSONValue) {
        for item in body["output"]?.array ?? [] {
            switch item["type"]?.string {
            case "message":
                for part in item["content"]?.array ?? [] { self.text += part["text"]?.string ?? "" }
            case "reasoning":
                for part in item["summary"]?.array ?? [] { self.thinking += part["text"]?.string ?? "" }
                self.signature += item["encrypted_content"]?.string ?? ""
            case "function_call":
                self.toolCalls.append(
                    (item["call_id"]?.string ?? "", item["name"]?.string ?? "", item["arguments"]?.string ?? "")
                )
            default: break
            }
        }
        self.responseEnd(body)
    }

    private mutating func responseEnd(_ body: JSONValue) {
        self.stop = body["status"] == "incomplete" ? .maxTokens : self.toolCalls.isEmpty ? .endTurn : .toolUse
        self.inputTokens = body["usage"]?["input_tokens"]?.int ?? 0
        self.outputTokens = body["usage"]?["output_tokens"]?.int ?? 0
    }

    mutating func responseEvent(_ event: JSONValue) {
        switch event["type"]?.string {
        case "response.output_text.delta": self.text += event["delta"]?.string ?? ""
        case "response.reasoning_summary_text.delta": self.thinking += event["delta"]?.string ?? ""
        case "response.output_item.added":
            if let item = event["item"], item["type"] == "function_call" {
                self.toolCalls.append((item["call_id"]?.string ?? "", item["name"]?.string ?? "", ""))
            }
        case "response.function_call_arguments.delta":
            if !self.toolCalls.isEmpty {
                self.toolCalls[self.toolCalls.count - 1].arguments += event["delta"]?.string ?? ""
            }
        case "response.output_item.done":
            self.signature += event["item"]?["encrypted_content"]?.string ?? ""
        case "response.completed", "response.incomplete": self.responseEnd(event["response"] ?? .null)
        default: break
        }
    }

    private mutating func anthropicUsage(_ usage: JSONValue?) {
        guard let usage else { return }
        if let input = usage["input_tokens"]?.int {
            self.inputTokens =
                input + (usage["cache_read_input_tokens"]?.int ?? 0) + (usage["cache_creation_input_tokens"]?.int ?? 0)
        }
        if let output = usage["output_tokens"]?.int { self.outputTokens = output }
    }

    mutating func message(_ body: JSONValue) {
        for block in body["content"]?.array ?? [] {
            switch block["type"]?.string {
            case "text": self.text += block["text"]?.string ?? ""
            case "thinking":
                self.thinking += block["thinking"]?.string ?? ""
                self.signature += block["signature"]?.string ?? ""
            case "tool_use":
                self.toolCalls.append(
                    (block["id"]?.string ?? "", block["name"]?.string ?? "", (block["input"] ?? .null).jsonText)
                )
            default: break
            }
        }
        self.stop = body["stop_reason"]?.string.map(StopReason.init(anthropic:))
        self.anthropicUsage(body["usage"])
    }

    mutating func messageEvent(_ event: JSONValue) {
        switch event["type"]?.string {
        case "message_start": self.anthropicUsage(event["message"]?["usage"])
        case "content_block_start":
            if let block = event["content_block"], block["type"] == "tool_use" {
                self.toolCalls.append((block["id"]?.string ?? "", block["name"]?.string ?? "", ""))
            }
        case "content_block_delta":
            let delta = event["delta"]
            self.text += delta?["text"]?.string ?? ""
            self.thinking += delta?["thinking"]?.string ?? ""
            self.signature += delta?["signature"]?.string ?? ""
            if let json = delta?["partial_json"]?.string, !self.toolCalls.isEmpty {
                self.toolCalls[self.toolCalls.count - 1].arguments += json
            }
        case "message_delta":
            self.stop = event["delta"]?["stop_reason"]?.string.map(StopReason.init(anthropic:))
            self.anthropicUsage(event["usage"])
        default: break
        }
    }
}
