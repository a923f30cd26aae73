import Benchmark
import SwitchboardCore

/// The Core functions every proxied request runs, measured without sockets.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.instructions, .mallocCountTotal, .wallClock, .throughput],
        warmupIterations: 1_000,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    // A ~1 KB chat request, as in the load benchmark.
    let chat = Array(
        (#"{"model":"bench/bench-model","messages":[{"role":"system","content":"You are a helpful assistant."},"#
            + #"{"role":"user","content":""# + String(repeating: "y", count: 820) + #""}],"temperature":0.7}"#)
            .utf8
    )
    let inspection = chat.withUnsafeBytes { raw in
        try! Result { () throws(GatewayError) in try RequestInspection.inspect(raw) }.get()
    }

    Benchmark("RequestInspection:chat1KB") { benchmark in
        for _ in benchmark.scaledIterations {
            chat.withUnsafeBytes { raw in
                blackHole(try? Result { () throws(GatewayError) in try RequestInspection.inspect(raw) }.get())
            }
        }
    }

    Benchmark("BodyPatch:modelRewrite") { benchmark in
        for _ in benchmark.scaledIterations {
            chat.withUnsafeBytes { raw in
                blackHole(BodyPatch.make(body: raw, inspection: inspection, model: "bench-model"))
            }
        }
    }

    let config: GatewayConfig = {
        let yaml = """
            providers:
              mock: {kind: mock, models: [mock-1]}
              openai: {kind: openai, base_url: "https://api.openai.com/v1", api_key: sk-x, models: [gpt-4o]}
              bench: {kind: openai, base_url: "http://127.0.0.1:18191/v1"}
            default_route: {provider: mock}
            """
        var config = try! ConfigLoader.load(yaml: yaml, file: "bench", environment: [:])
        config.attachMock(port: 9999)
        return config
    }()
    let resolver = RouteResolver(config: config)

    Benchmark("RouteResolver:providerPrefix") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? resolver.resolve(RoutingRequest(endpoint: .chatCompletions, model: "bench/bench-model")))
        }
    }

    Benchmark("RouteResolver:defaultRoute") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? resolver.resolve(RoutingRequest(endpoint: .chatCompletions, model: "some-model")))
        }
    }

    // A Portkey config as SDKs send it: a two-target fallback with retries.
    let configText =
        #"{"strategy":{"mode":"fallback"},"retry":{"attempts":2},"targets":[{"provider":"bench","override_params":{"model":"bench-model"}},{"provider":"mock"}]}"#
    let parsedConfig = try! PortkeyConfig.parse(text: configText)

    Benchmark("PortkeyConfig:parseInline") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? PortkeyConfig.parse(text: configText))
        }
    }

    Benchmark("RouteResolver:configPlan") { benchmark in
        var request = RoutingRequest(endpoint: .chatCompletions, model: "bench-model", config: configText)
        request.parsedConfig = parsedConfig
        for _ in benchmark.scaledIterations {
            blackHole(try? resolver.route(request))
        }
    }

    let plan: RoutePlan = {
        var request = RoutingRequest(endpoint: .chatCompletions, model: "bench-model", config: configText)
        request.parsedConfig = parsedConfig
        guard case .plan(let plan) = try! resolver.route(request) else { fatalError("expected a plan") }
        return plan
    }()

    // What a request with a cached plan pays: start the execution, decide on a 200.
    Benchmark("RouteExecution:fallbackStartAndDeliver") { benchmark in
        var random = SystemRandomNumberGenerator()
        for _ in benchmark.scaledIterations {
            var execution = try! RouteExecution(plan: plan, breakers: NoOpenCircuits(), random: &random)
            blackHole(
                execution.decide(
                    .response(status: 200, retryAfterMs: nil),
                    timing: RetryTiming(),
                    breakers: NoOpenCircuits(),
                    random: &random
                )
            )
        }
    }

    let head = Array(
        ("HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Sat, 21 Nov 2026 23:00:01 GMT\r\n"
            + "Content-Type: application/json\r\nContent-Length: 522\r\nConnection: keep-alive\r\n"
            + "x-request-id: 1234\r\nopenai-processing-ms: 120\r\n\r\n").utf8
    )

    Benchmark("ResponseHead:parse") { benchmark in
        for _ in benchmark.scaledIterations {
            head.withUnsafeBytes { raw in
                blackHole(HTTPHead.length(raw))
                blackHole(try? Result { () throws(HTTPFramingError) in try ResponseHeadParser.parse(raw) }.get())
            }
        }
    }

    // A streamed chat response: 64 SSE events, each in its own HTTP chunk.
    var sse: [UInt8] = []
    for index in 0..<64 {
        let event = Array(
            (#"data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tok\#(index)"}}]}"#
                + "\n\n").utf8
        )
        sse += Array(String(event.count, radix: 16).utf8) + [13, 10] + event + [13, 10]
    }
    sse += Array("0\r\n\r\n".utf8)
    let stream = sse

    Benchmark("BodyFramer:chunkedSSE64") { benchmark in
        for _ in benchmark.scaledIterations {
            var framer = BodyFramer(.chunked)
            stream.withUnsafeBytes { raw in
                blackHole(try? Result { () throws(HTTPFramingError) in try framer.consume(raw) }.get())
            }
            blackHole(framer.isComplete)
        }
    }

    // The same stream's payload (chunk framing removed) with the usage event at its end: what the usage
    // scanner reads and, when the client did not ask for usage, what the event filter relays.
    var payload: [UInt8] = []
    for index in 0..<64 {
        payload += Array(
            (#"data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tok\#(index)"}}]}"#
                + "\n\n").utf8
        )
    }
    payload += Array(
        (#"data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":250,"#
            + #""completion_tokens":64,"total_tokens":314}}"# + "\n\ndata: [DONE]\n\n").utf8
    )
    let events = payload

    Benchmark("UsageScanner:sse64") { benchmark in
        for _ in benchmark.scaledIterations {
            var scanner = UsageScanner(format: .eventStream)
            events.withUnsafeBytes { scanner.consume($0) }
            blackHole(scanner.result(requestBytes: 1_000))
        }
    }

    Benchmark("UsageEventFilter:sse64") { benchmark in
        for _ in benchmark.scaledIterations {
            var filter = UsageEventFilter()
            var relayed = 0
            events.withUnsafeBytes { raw in filter.consume(raw) { relayed += $0.count } }
            blackHole(relayed)
        }
    }

    // The semantic cache's brute-force scan: one scope holding the default bound of 10,000 prompts, as vectors of
    // 1,536 dimensions (OpenAI's text-embedding-3-small), against one query. Deterministic pseudo-random vectors.
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func nextVector() -> [Float] {
        SemanticVectors<Int>.unit(
            (0..<1_536).map { _ in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(bitPattern: seed >> 11) % 2_000) / 1_000 - 1
            }
        )!
    }
    var vectors = SemanticVectors<Int>(maxCount: 10_000)
    for key in 0..<10_000 {
        vectors.insert(scope: 0, key: key, vector: nextVector(), namespace: "", expiresAt: .max)
    }
    let scope = vectors.entries(in: 0)
    let query = nextVector()

    Benchmark(
        "SemanticVectors:nearest10kx1536",
        configuration: .init(scalingFactor: .one, maxDuration: .seconds(3), maxIterations: 200)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(SemanticVectors.nearest(in: scope, to: query, threshold: 0.95, now: 0))
        }
    }

    // One input guardrail as a request pays for it: the 1 KB chat body read as JSON, then one regexMatch hook.
    let regexHooks = try! PortkeyConfig.parse(
        text: #"{"provider":"bench","input_guardrails":[{"default.regexMatch":{"rule":"\\d{16}","not":true},"deny":true}]}"#
    ).hooks.before!

    Benchmark("JSONValue:parseChat1KB") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(JSONValue(parsing: chat))
        }
    }

    Benchmark("HookRunner:regexMatch1KB") { benchmark in
        for _ in benchmark.scaledIterations {
            let context = GuardrailContext(requestType: "chatComplete", request: JSONValue(parsing: chat)!)
            blackHole(HookRunner.run(regexHooks, event: .beforeRequest, context: context, now: "2026-12-03T00:00:00Z"))
        }
    }
}
