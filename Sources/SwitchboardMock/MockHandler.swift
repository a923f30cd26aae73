import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SwitchboardCore

#if canImport(Glibc)
import Glibc
#endif

/// Serves one connection of the mock provider.
///
/// A request may ask the mock to read its body slowly (`x-mock-read-pause-ms`: no read for that long after the
/// head; `x-mock-read-delay-ms`: that long before each read), as an overloaded upstream would: the gateway's
/// flow control for uploads is tested against it.
final class MockHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let defaults: MockBehavior
    private let recorder: MockRecorder
    private let cache: MockBodyCache
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// Reads of the current request's body wait this long each (`x-mock-read-delay-ms`).
    private var readDelay: TimeAmount?
    /// The next read waits until then (`x-mock-read-pause-ms`).
    private var readPausedUntil: NIODeadline?
    private var readScheduled = false
    private var responseCounter = 0
    /// The last unpaced stream, rendered: a load test repeats the same request, and rendering 64 events per
    /// request would make the mock slower than the proxies it measures.
    private var cachedStream: (key: StreamKey, events: [ByteBuffer])?

    private struct StreamKey: Equatable {
        var kind: Kind
        var model: String
        var tokens: Int
        var includeUsage: Bool
        var promptTokens: Int
        var cachedTokens: Int
    }

    init(defaults: MockBehavior, recorder: MockRecorder, cache: MockBodyCache) {
        self.defaults = defaults
        self.recorder = recorder
        self.cache = cache
    }

    func channelActive(context: ChannelHandlerContext) {
        self.recorder.connectionOpened()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.recorder.connectionClosed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body.clear()
            if let ms = head.headers.first(name: "x-mock-read-pause-ms").flatMap(Int64.init), ms > 0 {
                self.readPausedUntil = .now() + .milliseconds(ms)
            }
            if let ms = head.headers.first(name: "x-mock-read-delay-ms").flatMap(Int64.init), ms > 0 {
                self.readDelay = .milliseconds(ms)
            }
        case .body(var buffer):
            self.body.writeBuffer(&buffer)
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            self.readDelay = nil
            self.readPausedUntil = nil
            self.serve(context: context, head: head)
        }
    }

    func read(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        var wait: TimeAmount?
        if let until = self.readPausedUntil, until > now { wait = until - now }
        if let delay = self.readDelay { wait = max(wait ?? .zero, delay) }
        guard let wait else {
            context.read()
            return
        }
        guard !self.readScheduled else { return }
        self.readScheduled = true
        context.eventLoop.assumeIsolated().scheduleTask(in: wait) {
            self.readScheduled = false
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// A guardrail webhook for the gateway's `webhook` and `log` checks: `/guardrail/webhook` judges a request
    /// that mentions "forbidden" as failing, `/guardrail/slow` answers after two seconds, anything else under
    /// `/guardrail/` (a log) answers `{}`.
    private func answerGuardrail(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, path: String, body: [UInt8])
    {
        let forbidden = String(decoding: body, as: UTF8.self).contains("forbidden")
        switch path {
        case "/guardrail/webhook":
            self.respond(context, head, status: .ok, body: Array(#"{"verdict":\#(!forbidden)}"#.utf8))
        case "/guardrail/slow":
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .seconds(2)) {
                let (handler, context) = loopBound.value
                handler.respond(context, head, status: .ok, body: Array(#"{"verdict":true}"#.utf8))
            }
        default:
            self.respond(context, head, status: .ok, body: Array("{}".utf8))
        }
    }

    // MARK: - Routing

    private func serve(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = head.uri.firstIndex(of: "?").map { String(head.uri[..<$0]) } ?? head.uri
        switch (head.method, path) {
        case (.GET, "/mock/requests"):
            return self.respond(context, head, status: .ok, body: self.recorder.renderRequests())
        case (.DELETE, "/mock/requests"):
            self.recorder.reset()
            return self.respond(context, head, status: .ok, body: Array(#"{"deleted":true}"#.utf8))
        case (.GET, "/mock/stats"):
            return self.respond(context, head, status: .ok, body: self.recorder.renderStats())
        case (.GET, "/healthz"):
            return self.respond(context, head, status: .ok, body: Array(#"{"status":"ok"}"#.utf8))
        default:
            break
        }
        let bodyBytes = Array(self.body.readableBytesView.prefix(MockRecorder.maxBodyBytes))
        let bodyLength = self.body.readableBytes
        let checksum = self.body.withUnsafeReadableBytes { MockChecksum.of($0) }
        let sequence = self.recorder.record(
            MockRecorder.Request(
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) },
                body: bodyBytes,
                bodyLength: bodyLength,
                receivedAt: .now()
            )
        )
        if path.hasPrefix("/guardrail/") { return self.answerGuardrail(context, head, path: path, body: bodyBytes) }
        if head.method == .GET, path.hasSuffix("/models") {
            return self.respond(context, head, status: .ok, body: Array(MockResponses.models.utf8))
        }
        let kind: Kind
        // Gemini: `/v1beta/models/{model}:generateContent` or `:streamGenerateContent`.
        let gemini = path.range(of: "/models/").flatMap { GeminiPath(path[$0.lowerBound...]) }
        if gemini != nil {
            kind = .gemini
        } else if path.hasSuffix("/chat/completions") {
            kind = .chat
        } else if path.hasSuffix("/completions") {
            kind = .completion
        } else if path.hasSuffix("/embeddings") {
            kind = .embeddings
        } else if path.hasSuffix("/messages") {
            kind = .messages
        } else if path.hasSuffix("/responses") {
            kind = .responses
        } else {
            // Anything else echoes what it received, so pass-through can be checked end to end.
            let echo =
                #"{"object":"mock.echo","method":"# + JSONString.quote(head.method.rawValue) + #","uri":"#
                + JSONString.quote(head.uri)
                + #","body_bytes":\#(bodyLength),"body_checksum":"\#(String(checksum, radix: 16))"}"#
            return self.respond(context, head, status: .ok, body: Array(echo.utf8))
        }
        let inspected = bodyBytes.withUnsafeBytes { bytes in
            Result { () throws(GatewayError) in try RequestInspection.inspect(bytes) }
        }
        var inspection: RequestInspection
        switch inspected {
        case .success(let value): inspection = value
        case .failure(let error): return self.respond(context, head, status: .badRequest, body: error.jsonBody)
        }
        if let gemini {
            inspection.model = gemini.model
            inspection.stream = gemini.stream
        }
        var behavior = MockBehavior.parse(
            model: inspection.model,
            header: { head.headers.first(name: $0) },
            defaults: self.defaults
        )
        if let failFirst = behavior.failFirst, self.recorder.countCall(inspection.model ?? "") > failFirst {
            behavior.status = nil
        }
        self.responseCounter += 1
        let plan = Plan(
            kind: kind,
            behavior: behavior,
            stream: inspection.stream,
            sequence: sequence,
            context: MockResponses.Context(
                // A stable id, so identical streams can be served from the cache below.
                id: "mock-\(kind)",
                model: behavior.model,
                created: 1_700_000_000,
                promptTokens: MockResponses.promptTokens(bodyBytes: bodyLength),
                completionTokens: behavior.tokens,
                includeUsage: inspection.includeUsage ?? false,
                cachedTokens: behavior.cachedTokens
            ),
            embeddingInputs: kind == .embeddings ? Self.embeddingInputs(bodyBytes) : [],
            base64: kind == .embeddings && Self.wantsBase64(bodyBytes)
        )
        if behavior.headerDelayMs > 0 {
            let loop = context.eventLoop.assumeIsolated()
            loop.scheduleTask(in: .milliseconds(Int64(behavior.headerDelayMs))) {
                guard context.channel.isActive else { return }
                self.answer(context, head, plan)
            }
        } else {
            self.answer(context, head, plan)
        }
    }

    private enum Kind: Equatable { case chat, completion, embeddings, messages, responses, gemini }

    private struct Plan {
        var kind: Kind
        var behavior: MockBehavior
        var stream: Bool
        var sequence: Int
        var context: MockResponses.Context
        var embeddingInputs: [String]
        var base64: Bool
    }

    // MARK: - Answers

    private func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ plan: Plan) {
        let behavior = plan.behavior
        if behavior.resetAfter == 0 {
            return Self.reset(context)
        }
        if let status = behavior.status {
            var headers = HTTPHeaders()
            if let retryAfter = behavior.retryAfter { headers.add(name: "retry-after", value: retryAfter) }
            if let retryAfterMs = behavior.retryAfterMs { headers.add(name: "retry-after-ms", value: retryAfterMs) }
            let body =
                plan.kind == .gemini
                ? MockResponses.geminiError(status: status)
                : MockResponses.error(status: status, anthropic: plan.kind == .messages)
            return self.respond(
                context,
                head,
                status: HTTPResponseStatus(statusCode: status),
                body: Array(body.utf8),
                extra: headers
            )
        }
        if behavior.malformed && !plan.stream {
            return self.respond(context, head, status: .ok, body: Array(#"{"id":"mock-broken","choices":[{"#.utf8))
        }
        let c = plan.context
        if behavior.tool || behavior.thinking, plan.kind != .completion, plan.kind != .embeddings {
            let rich = MockResponses.Rich(context: c, tool: behavior.tool, thinking: behavior.thinking)
            guard plan.stream else {
                let body =
                    switch plan.kind {
                    case .chat: rich.chatCompletion
                    case .messages: rich.message
                    case .gemini: rich.geminiAnswer
                    default: rich.response
                    }
                return self.respond(context, head, status: .ok, body: Array(body.utf8))
            }
            let events =
                switch plan.kind {
                case .chat: rich.chatEvents
                case .messages: rich.messageEvents
                case .gemini: rich.geminiEvents
                default: rich.responseEvents
                }
            return self.stream(context, head, events: { $0 < events.count ? events[$0] : nil }, plan: plan)
        }
        if plan.stream {
            let source: (Int) -> String?
            switch plan.kind {
            case .chat: source = { MockResponses.chatEvent(c, $0) }
            case .completion: source = { MockResponses.completionEvent(c, $0) }
            case .messages: source = { MockResponses.messageEvent(c, $0) }
            case .responses: source = { MockResponses.responseEvent(c, $0) }
            case .gemini: source = { MockResponses.geminiEvent(c, $0) }
            case .embeddings:
                return self.respond(
                    context,
                    head,
                    status: .badRequest,
                    body: Array(MockResponses.error(status: 400, anthropic: false).utf8)
                )
            }
            if behavior.intervalMs == 0, behavior.resetAfter == nil, !behavior.malformed, !behavior.spaced,
                c.completionTokens <= 4096
            {
                let key = StreamKey(
                    kind: plan.kind,
                    model: c.model,
                    tokens: c.completionTokens,
                    includeUsage: c.includeUsage,
                    promptTokens: c.promptTokens,
                    cachedTokens: c.cachedTokens
                )
                if self.cachedStream?.key != key {
                    var events: [ByteBuffer] = []
                    var index = 0
                    while let event = source(index) {
                        events.append(ByteBuffer(string: event))
                        index += 1
                    }
                    self.cachedStream = (key, events)
                }
                return self.streamRendered(context, head, events: self.cachedStream!.events)
            }
            if behavior.intervalMs == 0, behavior.resetAfter == nil, !behavior.malformed, !behavior.spaced {
                // Megabytes of events: rendered once, in chunks of whole events (a busy provider's reads).
                let key =
                    "stream|\(plan.kind)|\(c.model)|\(c.completionTokens)|\(c.includeUsage)|\(c.promptTokens)|\(c.cachedTokens)"
                let chunks = self.cache.parts(key) { Self.renderChunks(source) }
                return self.streamRendered(context, head, events: chunks)
            }
            // A malformed stream has one event that is not JSON, right after the first.
            let events: (Int) -> String? =
                behavior.malformed
                ? { index in index == 1 ? "data: {\"choices\": [oops\n\n" : source(index > 1 ? index - 1 : index) }
                : behavior.spaced ? { source($0).map(MockResponses.spaced) } : source
            return self.stream(context, head, events: events, plan: plan)
        }
        func render() -> String {
            switch plan.kind {
            case .chat: MockResponses.chatCompletion(c)
            case .completion: MockResponses.completion(c)
            case .embeddings:
                MockResponses.embeddings(
                    model: c.model,
                    inputs: plan.embeddingInputs,
                    promptTokens: c.promptTokens,
                    base64: plan.base64
                )
            case .messages: MockResponses.message(c)
            case .responses: MockResponses.response(c)
            case .gemini: MockResponses.geminiAnswer(c)
            }
        }
        guard c.completionTokens > 4096 || plan.embeddingInputs.count > 512, !behavior.spaced else {
            let body = behavior.spaced ? MockResponses.spaced(render()) : render()
            return self.respond(context, head, status: .ok, body: Array(body.utf8))
        }
        // A large answer: rendered once and shared, since tests repeat it many times.
        let key =
            "json|\(plan.kind)|\(c.model)|\(c.completionTokens)|\(c.promptTokens)|\(c.cachedTokens)|"
            + "\(plan.embeddingInputs.count)|\(plan.embeddingInputs.hashValue)|\(plan.base64)"
        let parts = self.cache.parts(key) { [ByteBuffer(string: render())] }
        self.respond(context, head, status: .ok, parts: parts)
    }

    /// All events of a stream, gathered into chunks of whole events of up to 16 KiB.
    private static func renderChunks(_ source: (Int) -> String?) -> [ByteBuffer] {
        var chunks: [ByteBuffer] = []
        var chunk = ByteBuffer()
        var index = 0
        while let event = source(index) {
            if chunk.readableBytes > 0, chunk.readableBytes + event.utf8.count > 16 * 1024 {
                chunks.append(chunk)
                chunk = ByteBuffer()
            }
            chunk.writeString(event)
            index += 1
        }
        if chunk.readableBytes > 0 { chunks.append(chunk) }
        return chunks
    }

    private func respond(
        _ context: ChannelHandlerContext,
        _ head: HTTPRequestHead,
        status: HTTPResponseStatus,
        body: [UInt8],
        extra: HTTPHeaders = [:]
    ) {
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        self.respond(context, head, status: status, parts: [buffer], extra: extra)
    }

    private func respond(
        _ context: ChannelHandlerContext,
        _ head: HTTPRequestHead,
        status: HTTPResponseStatus,
        parts: [ByteBuffer],
        extra: HTTPHeaders = [:]
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(parts.reduce(0) { $0 + $1.readableBytes }))
        headers.add(contentsOf: extra)
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil
        )
        for part in parts { context.write(self.wrapOutboundOut(.body(.byteBuffer(part))), promise: nil) }
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    private static func streamHead(_ head: HTTPRequestHead) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-cache")
        headers.add(name: "transfer-encoding", value: "chunked")
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        return HTTPResponseHead(version: head.version, status: .ok, headers: headers)
    }

    /// An unpaced stream from rendered events: each event its own HTTP chunk, one flush.
    private func streamRendered(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, events: [ByteBuffer]) {
        context.write(self.wrapOutboundOut(.head(Self.streamHead(head))), promise: nil)
        for event in events { context.write(self.wrapOutboundOut(.body(.byteBuffer(event))), promise: nil) }
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    private func stream(
        _ context: ChannelHandlerContext,
        _ head: HTTPRequestHead,
        events: @escaping (Int) -> String?,
        plan: Plan
    ) {
        context.write(self.wrapOutboundOut(.head(Self.streamHead(head))), promise: nil)
        let interval = plan.behavior.intervalMs
        let resetAfter = plan.behavior.resetAfter
        let keepAlive = head.isKeepAlive
        let recorder = self.recorder
        let sequence = plan.sequence
        func finish() {
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        }
        /// Writes event `index`; false when the stream is over (ended or reset).
        func write(_ index: Int) -> Bool {
            if let resetAfter, index >= resetAfter {
                context.flush()
                Self.reset(context)
                return false
            }
            guard let event = events(index) else {
                finish()
                return false
            }
            var buffer = context.channel.allocator.buffer(capacity: event.utf8.count)
            buffer.writeString(event)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            return true
        }
        guard interval > 0 else {
            var index = 0
            while write(index) { index += 1 }
            return
        }
        func paced(_ index: Int) {
            guard context.channel.isActive, write(index) else { return }
            context.flush()
            recorder.chunkSent(sequence: sequence)
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(interval))) { paced(index + 1) }
        }
        context.flush()
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(interval))) { paced(0) }
    }

    /// Closes with a TCP reset (SO_LINGER 0), as a crashed or overloaded upstream would.
    private static func reset(_ context: ChannelHandlerContext) {
        guard let provider = context.channel as? any SocketOptionProvider else {
            context.close(promise: nil)
            return
        }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    // MARK: - Embedding inputs

    /// The texts to embed: `input` as a string, strings, or token lists (their JSON text stands for them).
    private static func embeddingInputs(_ body: [UInt8]) -> [String] {
        guard let input = JSONValue(parsing: body)?["input"] else { return [] }
        if let text = input.string { return [text] }
        return input.array?.map { $0.string ?? $0.jsonText } ?? [input.jsonText]
    }

    private static func wantsBase64(_ body: [UInt8]) -> Bool {
        var result = false
        body.withUnsafeBytes { bytes in
            _ = try? JSONScanner.scanObject(bytes) { key, value in
                if key.equals("encoding_format"), value.kind == .string {
                    result = UnsafeRawBufferPointer(rebasing: bytes[value.range]).equals("\"base64\"")
                }
            }
        }
        return result
    }
}
