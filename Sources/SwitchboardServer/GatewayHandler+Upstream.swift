import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore
import Synchronization

extension GatewayHandler {
    // MARK: - Routing and sending

    /// A JSON request whose body is complete: inspect it, route it, rewrite the model, send it.
    func dispatchBuffered() {
        // Fields are read through `self.request!` rather than a local copy, which would retain every one of them.
        guard let endpoint = self.request?.endpoint else { return }
        var body = self.request!.body ?? ByteBuffer()
        self.request!.body = nil
        self.noteRequestBody(body)
        var inspection: RequestInspection?
        do {
            inspection = try body.withUnsafeReadableBytes { bytes throws(GatewayError) in
                try RequestInspection.inspect(bytes)
            }
            if let found = inspection,
                let reference = PresetReference.find(model: found.model, presetField: found.preset)
            {
                (body, inspection) = try self.applyPreset(reference, to: body, inspection: found, endpoint: endpoint)
                self.request!.accounting.preset = reference.slug
            }
        } catch {
            // Pass-through JSON the gateway cannot read is still forwarded; the provider judges it.
            guard endpoint == .passthrough else {
                self.sendError(error)
                return
            }
            inspection = nil
        }
        self.request!.model = inspection?.model
        self.request!.stream = inspection?.stream ?? false
        let route: Route
        do {
            var routing = self.routingRequest(endpoint: endpoint, model: inspection?.model)
            if let inspection {
                routing.models = inspection.models
                if let span = inspection.providerSpan {
                    routing.providerPreferences = body.withUnsafeReadableBytes { bytes in
                        JSONValue(parsing: UnsafeRawBufferPointer(rebasing: bytes[span.range]))
                    }
                }
            }
            route = try self.route(&routing)
        } catch {
            self.sendError(error)
            return
        }
        switch route {
        case .target(var target):
            target.model = self.runtime.resolver.upstreamModel(for: target, requestModel: inspection?.model)
            self.request!.target = target
            if let inspection {
                body = self.body(body, for: target, inspection: inspection)
                if let model = target.model { self.request!.model = model }
            }
            let head = self.upstreamHead(target: target, bodyLength: body.readableBytes)
            self.request!.body = body
            self.connectAndSend(head: head, target: target, fresh: false)
        case .plan(let plan):
            self.startPlan(plan, body: body, inspection: inspection)
        }
    }

    /// The body with preset `reference` applied (its model, parameters and system prompt under the request's
    /// own), inspected again.
    private func applyPreset(
        _ reference: PresetReference,
        to body: ByteBuffer,
        inspection: RequestInspection,
        endpoint: Endpoint
    ) throws(GatewayError) -> (ByteBuffer, RequestInspection) {
        guard let preset = self.runtime.snapshot.preset(reference.slug) else {
            throw GatewayError(
                status: 404,
                type: "invalid_request_error",
                code: "preset_not_found",
                param: "model",
                message: "Preset '\(reference.slug)' not found. Create it with POST /api/v1/presets/\(reference.slug)"
                    + "/chat/completions, or list presets with GET /api/v1/presets."
            )
        }
        let patch = try body.withUnsafeReadableBytes { bytes throws(GatewayError) in
            BodyPatch.make(
                body: bytes,
                inspection: inspection,
                model: nil,
                overrides: try PresetApplication.overrides(
                    preset,
                    reference: reference,
                    body: bytes,
                    endpoint: endpoint
                ),
                removing: ["preset"]
            )
        }
        let patched = Self.apply(patch, to: body)
        let again = try patched.withUnsafeReadableBytes { bytes throws(GatewayError) in
            try RequestInspection.inspect(bytes)
        }
        return (patched, again)
    }

    /// A request whose body streams through: route by headers alone and open the upstream right away.
    func startStreamedUpload() {
        guard let endpoint = self.request?.endpoint else { return }
        let route: Route
        do {
            var routing = self.routingRequest(endpoint: endpoint, model: nil)
            route = try self.route(&routing)
        } catch {
            self.request!.mode = .local(.error(error))
            return
        }
        switch route {
        case .target(let target):
            self.request!.target = target
            let head = self.upstreamHead(target: target, bodyLength: nil)
            self.connectAndSend(head: head, target: target, fresh: false)
        case .plan(let plan):
            self.startPlan(plan, body: nil, inspection: nil)
        }
    }

    private func routingRequest(endpoint: Endpoint, model: String?) -> RoutingRequest {
        var routing = RoutingRequest(endpoint: endpoint, model: model)
        let head = self.request!.head
        // One pass over the header lines picks out every routing header (the first of each name wins).
        head.bytes.withUnsafeReadableBytes { raw in
            for span in head.parsed.fields.headers {
                let name = UnsafeRawBufferPointer(rebasing: raw[span.name])
                guard name.count > 10, name.hasPrefixIgnoringCase("x-portkey-") else { continue }
                let suffix = UnsafeRawBufferPointer(rebasing: name[10...])
                let value = String(decoding: UnsafeRawBufferPointer(rebasing: raw[span.value]), as: UTF8.self)
                if suffix.equalsIgnoringCase("config") {
                    routing.config = routing.config ?? value
                } else if suffix.equalsIgnoringCase("provider") {
                    routing.provider = routing.provider ?? value
                } else if suffix.equalsIgnoringCase("virtual-key") {
                    routing.virtualKey = routing.virtualKey ?? value
                } else if suffix.equalsIgnoringCase("custom-host") {
                    routing.customHost = routing.customHost ?? value
                } else if suffix.equalsIgnoringCase("request-timeout") {
                    routing.requestTimeout = routing.requestTimeout ?? value
                } else if suffix.equalsIgnoringCase("forward-headers") {
                    routing.forwardHeaders = routing.forwardHeaders ?? value
                }
            }
        }
        if let grant = self.request!.grant, let config = grant.defaultConfig,
            routing.config == nil || !grant.allowConfigOverride
        {
            routing.config = config
        }
        return routing
    }

    /// Resolves a request, reusing the loop's plan for a config it has seen when the plan cannot differ.
    private func route(_ routing: inout RoutingRequest) throws(GatewayError) -> Route {
        guard let config = routing.config else { return try self.runtime.resolver.route(routing) }
        let key = LoopContext.PlanKey(config: config, endpoint: routing.endpoint, hasModel: routing.model != nil)
        let reusable = RouteResolver.planIsReusable(routing)
        let generation = self.runtime.snapshot.generation.load(ordering: .acquiring)
        if generation != self.loop.plansGeneration {
            // The stored configs changed: plans built from the old ones must go.
            self.loop.plans.removeAll()
            self.loop.plansGeneration = generation
        }
        if reusable, let route = self.loop.plans[key] { return route }
        if config.hasPrefix("{") { routing.parsedConfig = try self.inlineConfig(config) }
        let route = try self.runtime.resolver.route(routing)
        if reusable {
            if self.loop.plans.count >= LoopContext.maxCachedConfigs { self.loop.plans.removeAll() }
            self.loop.plans[key] = route
        }
        return route
    }

    /// Parses an inline config, or takes it from the loop's cache of recent ones.
    private func inlineConfig(_ text: String) throws(GatewayError) -> PortkeyConfig {
        if let config = self.loop.inlineConfigs[text] { return config }
        let config: PortkeyConfig
        do { config = try PortkeyConfig.parse(text: text) } catch { throw error.gatewayError }
        if self.loop.inlineConfigs.count >= LoopContext.maxCachedConfigs { self.loop.inlineConfigs.removeAll() }
        self.loop.inlineConfigs[text] = config
        return config
    }

    func connectAndSend(head: ByteBuffer, target: RouteTarget, fresh: Bool) {
        guard let serial = self.request?.serial, let attempt = self.request?.attempt else { return }
        let pool = self.loop.pool
        let key = UpstreamPool.Key(target)
        self.startResponseTimer(target: target)
        // A pooled connection is used at once: no future and no callback on the common path.
        if !fresh, let connection = pool.takeIdle(key) {
            self.send(head: head, on: connection)
            return
        }
        pool.connect(key).assumeIsolated().whenComplete { result in
            guard self.context != nil, self.request?.serial == serial, self.request?.responseHeadSent == false,
                self.request?.attempt == attempt
            else {
                // The client left, the request timed out, or the plan moved on meanwhile.
                if case .success(let connection) = result { pool.release(connection) }
                return
            }
            switch result {
            case .success(let connection):
                self.send(head: head, on: connection)
            case .failure(let error):
                if self.continuePlan(after: .connectFailure) { return }
                self.failBeforeResponse(target: target, reason: Self.describeFailure(error))
            }
        }
    }

    private func send(head: ByteBuffer, on connection: UpstreamConnection) {
        guard let context = self.context, self.request != nil else { return }
        self.request!.upstream = connection
        self.request!.upstreamRequestSent = true
        self.request!.accounting.attemptSentAt = .now()
        connection.setPeerWritable(context.channel.isWritable)
        let isHEAD = self.request!.head.method == .HEAD
        switch self.request!.mode {
        case .buffered:
            connection.send(head: head, body: self.request!.body, isHEAD: isHEAD, delegate: self)
        case .streamed:
            connection.sendHead(head, isHEAD: isHEAD, delegate: self)
            // The head's flush may have failed the connection, and with it the request.
            guard self.request != nil else { return }
            let pending = self.request!.pendingUpload
            self.request!.pendingUpload = []
            self.request!.pendingUploadBytes = 0
            for part in pending { connection.sendBodyPart(part) }
            if self.request!.requestEnded { connection.sendEnd() } else if !pending.isEmpty { connection.flush() }
            self.holdBufferedInput()
        case .local, .control:
            break
        }
    }

    /// The request head sent upstream, written straight as bytes: client headers minus hop-by-hop,
    /// `x-portkey-*` and replaced ones, plus the provider's credentials and headers.
    /// - Parameter bodyLength: the length of a buffered body; `nil` for a body that streams through.
    func upstreamHead(target: RouteTarget, bodyLength: Int?) -> ByteBuffer {
        let client = self.request!.head
        var buffer = self.context!.channel.allocator.buffer(capacity: 768)
        buffer.writeString(client.method.rawValue)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(target.upstream.basePath)
        buffer.writeSubstring(self.request!.upstreamPath)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        HTTPWire.writeHeader(&buffer, "host", target.upstream.hostHeader)
        let ownKey = target.apiKey != nil
        // The gateway's own key is never forwarded; a provider key is replaced by the configured one.
        let dropAuthorization = ownKey || self.request!.gatewayKeyHeader == .authorization
        let dropAPIKey = ownKey || self.request!.gatewayKeyHeader == .xAPIKey
        let chunked = bodyLength == nil && client.parsed.fields.isChunked
        var sentDefaults = false
        // Client header lines are copied as received, minus the ones the gateway drops or replaces.
        client.bytes.withUnsafeReadableBytes { raw in
            for span in client.parsed.fields.headers {
                let name = UnsafeRawBufferPointer(rebasing: raw[span.name])
                if HeaderNames.isHopByHop(name)
                    || (name.hasPrefixIgnoringCase("x-portkey-")
                        && !target.forwardHeaders.contains(where: { name.elementsEqualIgnoringCase($0) }))
                    || name.equalsIgnoringCase("host") || name.equalsIgnoringCase("expect")
                    // Identity encoding, so the gateway can read usage from responses as they pass.
                    || name.equalsIgnoringCase("accept-encoding")
                    || ((bodyLength != nil || chunked) && name.equalsIgnoringCase("content-length"))
                    || (dropAuthorization && name.equalsIgnoringCase("authorization"))
                    || (dropAPIKey && name.equalsIgnoringCase("x-api-key"))
                    || target.headers.contains(where: { field in name.elementsEqualIgnoringCase(field.name) })
                {
                    continue
                }
                if name.equalsIgnoringCase("anthropic-version") { sentDefaults = true }
                HTTPWire.writeHeader(&buffer, name, UnsafeRawBufferPointer(rebasing: raw[span.value]))
            }
        }
        if let key = target.apiKey {
            for field in target.kind.credentialHeaders(apiKey: key) {
                HTTPWire.writeHeader(&buffer, field.name, field.value)
            }
        }
        if !sentDefaults, !target.headers.contains(where: { $0.name == "anthropic-version" }) {
            for field in target.kind.defaultHeaders { HTTPWire.writeHeader(&buffer, field.name, field.value) }
        }
        for field in target.headers { HTTPWire.writeHeader(&buffer, field.name, field.value) }
        if let bodyLength {
            HTTPWire.writeHeader(&buffer, "content-length", String(bodyLength))
        } else if chunked {
            buffer.writeStaticString("transfer-encoding: chunked\r\n")
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// Splices a ``BodyPatch`` into a new buffer; the untouched parts are copied once, never re-encoded.
    static func apply(_ patch: BodyPatch, to body: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(patch.patchedLength(originalLength: body.readableBytes))
        var cursor = 0
        for replacement in patch.replacements {
            if let slice = body.getSlice(at: body.readerIndex + cursor, length: replacement.range.lowerBound - cursor) {
                out.writeImmutableBuffer(slice)
            }
            out.writeBytes(replacement.bytes)
            cursor = replacement.range.upperBound
        }
        if let rest = body.getSlice(at: body.readerIndex + cursor, length: body.readableBytes - cursor) {
            out.writeImmutableBuffer(rest)
        }
        return out
    }

    // MARK: - Timeouts

    /// Arms the wait for the upstream's response head (``TimeoutSweeper`` checks it).
    private func startResponseTimer(target: RouteTarget) {
        guard self.request != nil else { return }
        let ms = target.requestTimeoutMs ?? self.runtime.config.server.responseTimeoutMs
        self.request!.responseTimeoutMs = ms
        self.request!.responseDeadline = .now() + .milliseconds(Int64(ms))
        self.loop.sweeper.add(self)
    }

    /// Called by the loop's ``TimeoutSweeper``: no response head in time → 504; a started response that went
    /// silent for longer than the idle timeout → cut.
    func checkTimeouts(now: NIODeadline) {
        // Runs every tick for every request in flight: no copy of the request, which would retain its fields.
        guard self.request != nil, self.request!.target != nil else { return }
        if !self.request!.responseHeadSent {
            guard let deadline = self.request!.responseDeadline, now >= deadline else { return }
            self.request!.upstream?.abort()
            self.request!.upstream = nil
            if self.continuePlan(after: .timeout) { return }
            if let ms = self.request!.target?.requestTimeoutMs {
                self.sendError(.requestTimeout(milliseconds: ms))
            } else {
                let provider = self.request!.providerLabel
                self.sendError(.upstreamTimeout(provider: provider, milliseconds: self.request!.responseTimeoutMs))
            }
        } else if now - self.request!.lastActivity >= self.idleTimeout {
            // Neither side moved for the idle timeout: the upstream sent nothing, or the client took nothing
            // while reading from the upstream waited for it (or the response's end waited to be taken).
            let clientStalled = self.request!.draining || self.request!.upstream?.isReadingHeld == true
            self.runtime.logger.warning(
                clientStalled ? "client stopped reading the response; closing" : "upstream response stalled; closing",
                metadata: [
                    "id": "\(self.request!.id)", "provider": "\(self.request!.providerLabel)",
                    "relayed_bytes": "\(self.request!.accounting.responseBytes)",
                ]
            )
            self.request!.upstream?.abort()
            self.abortResponse()
        }
    }

    // MARK: - Failures

    private func failBeforeResponse(target: RouteTarget, reason: String) {
        self.request?.upstream = nil
        self.sendError(.upstreamUnavailable(provider: target.provider, reason: reason))
    }

    /// The response already started: all that is left is to cut the client's connection, so the client sees
    /// an incomplete response rather than a clean-looking end.
    func abortResponse() {
        guard let context = self.context else { return }
        self.request?.keepAlive = false
        self.finishRequest(complete: false)
        context.close(promise: nil)
    }
}

// MARK: - UpstreamResponseDelegate

extension GatewayHandler: UpstreamResponseDelegate {
    func upstreamResponseHead(_ head: ResponseHead, bytes: ByteBuffer) {
        guard let context = self.context, self.request != nil else { return }
        if self.request!.plan != nil {
            var retryAfter: Int?
            if head.status == 429 {
                retryAfter = bytes.withUnsafeReadableBytes { raw in
                    RetryAfter.milliseconds { head.fields.value(of: $0, in: raw) }
                }
            }
            if self.continuePlan(after: .response(status: head.status, retryAfterMs: retryAfter)) { return }
        }
        self.request!.status = head.status
        self.request!.responseHeadSent = true
        self.request!.lastActivity = .now()
        let minor = self.request!.head.minorVersion
        let framing = head.framing(requestWasHEAD: self.request!.head.method == .HEAD)
        // The body is relayed as received, chunk framing included, unless the client cannot take that.
        let payloadOnly = framing == .chunked && minor == 0
        let filtered = self.startAccounting(head: head, bytes: bytes, framing: framing)
        if payloadOnly || filtered { self.request!.upstream?.forwardsPayloadOnly = true }
        if minor == 0 || framing == .untilClose {
            // Without framing of its own, the body ends when the client's connection closes.
            self.request!.keepAlive = false
        }
        var out = context.channel.allocator.buffer(capacity: bytes.readableBytes + 320)
        HTTPWire.writeStatusLine(&out, minorVersion: minor, status: head.status)
        bytes.withUnsafeReadableBytes { raw in
            for header in head.fields.headers {
                let name = UnsafeRawBufferPointer(rebasing: raw[header.name])
                if HeaderNames.isHopByHop(name) {
                    guard name.equalsIgnoringCase("transfer-encoding"), !payloadOnly else { continue }
                }
                HTTPWire.writeHeader(&out, name, UnsafeRawBufferPointer(rebasing: raw[header.value]))
            }
        }
        self.writeGatewayHeaders(&out)
        out.writeStaticString("\r\n")
        context.write(self.wrapOutboundOut(out), promise: nil)
    }

    func upstreamResponseBody(_ buffer: ByteBuffer) {
        guard let context = self.context, self.request != nil else { return }
        if self.request!.accounting.eventFilter != nil {
            self.relayFiltered(buffer, context: context)
        } else {
            self.request!.accounting.responseBytes &+= buffer.readableBytes
            context.write(self.wrapOutboundOut(buffer), promise: nil)
        }
    }

    func upstreamReadComplete() {
        guard let context = self.context else { return }
        if self.request != nil {
            self.request!.lastActivity = .now()
            self.writeRelayed(context: context)
        }
        context.flush()
    }

    func upstreamResponseEnd() {
        guard let context = self.context, self.request != nil else { return }
        if self.request!.accounting.eventFilter != nil { self.finishFiltered(context: context) }
        self.request!.upstream = nil
        context.flush()
        // A write that fails in the flush (the client reset the connection) has ended the request already.
        guard self.request != nil else { return }
        guard context.channel.isWritable else {
            // More than the high-water mark is still queued for the client: the request ends when the client
            // takes it (``channelWritabilityChanged(context:)``) or is cut after the idle timeout.
            self.request!.draining = true
            self.request!.lastActivity = .now()
            return
        }
        self.finishRequest(complete: true)
    }

    func upstreamFailed(_ error: any Error) {
        guard let request = self.request, let target = request.target else { return }
        self.request!.upstream = nil
        self.request!.upstreamRequestSent = false
        if request.responseHeadSent {
            // Events that arrived before the failure go out before the error.
            if let context = self.context { self.writeRelayed(context: context) }
            self.runtime.logger.warning(
                "upstream failed mid-response",
                metadata: ["id": "\(request.id)", "provider": "\(target.provider)", "error": "\(error)"]
            )
            let reason =
                "Provider '\(target.provider)' failed after the response started: \(Self.describeFailure(error))"
            if let upstream = request.upstream,
                self.endStreamWithError(
                    reason,
                    appendPoint: request.accounting.reframes ? .chunkBoundary : upstream.appendPoint
                )
            {
                return
            }
            self.abortResponse()
            return
        }
        // A pooled connection the upstream had closed while idle: resend once on a fresh one.
        if let connection = request.upstream, connection.hasServedRequests, !connection.receivedResponseBytes,
            !request.retriedOnFreshConnection, case .buffered = request.mode
        {
            self.request!.retriedOnFreshConnection = true
            self.request!.upstreamRequestSent = false
            let head = self.upstreamHead(target: target, bodyLength: request.body?.readableBytes ?? 0)
            self.connectAndSend(head: head, target: target, fresh: true)
            return
        }
        if self.continuePlan(after: .connectFailure) { return }
        self.sendError(.upstreamUnavailable(provider: target.provider, reason: Self.describeFailure(error)))
    }

    static func describeFailure(_ error: any Error) -> String {
        switch error {
        case ChannelError.connectTimeout(let amount): "connection timed out after \(amount.nanoseconds / 1_000_000) ms"
        case let error as UpstreamError: error.description
        default: "\(error)"
        }
    }
}
