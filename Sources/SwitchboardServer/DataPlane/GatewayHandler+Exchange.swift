import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore

/// Carrying out what the request's ``Exchange`` decides: attempts (prepared by the request stages, sent on a
/// pooled connection of this loop), retries after a delay, error answers, cuts, the end. The decisions
/// themselves — which attempt is current, when a retry or fallback may happen, what a timeout means — are the
/// exchange's.
extension GatewayHandler {
    /// Starts the exchange with its route. `skipped`: targets passed over for open circuits, for their metric.
    func startExchange(_ route: Exchange.Route, skipped: [PlanLeaf] = []) {
        self.countSkips(skipped)
        self.run(self.request!.exchange.start(route, now: Self.uptime()))
    }

    /// Carries out an action of the exchange.
    func run(_ action: Exchange.Action) {
        guard self.request != nil else { return }
        if self.request!.exchange.plan != nil { self.countSkips(self.request!.exchange.takeSkippedTargets()) }
        switch action {
        case .none:
            return
        case .connect(let attempt):
            self.connect(attempt)
        case .retryAfter(let milliseconds, let attempt, let provider):
            self.runtime.metrics.retries(provider: provider).increment()
            self.dropUpstream()
            let serial = self.request!.serial
            self.request!.retryTimer = self.context?.eventLoop.assumeIsolated().scheduleTask(
                in: .milliseconds(Int64(milliseconds))
            ) {
                guard self.request?.serial == serial else { return }
                self.request!.retryTimer = nil
                self.run(self.request!.exchange.retryDelayElapsed(attempt: attempt, now: Self.uptime()))
            }
        case .answer(let error):
            self.dropUpstream()
            let body = error.shaped(for: self.request!.endpoint).jsonBody
            self.send(status: .init(statusCode: error.status), contentType: "application/json", body: body)
        case .cutIdle(let draining):
            // Neither side moved for the idle timeout: the upstream sent nothing, or the client took nothing
            // while reading from the upstream waited for it (or the response's end waited to be taken).
            let clientStalled = draining || self.request!.upstream?.isReadingHeld == true
            self.runtime.logger.warning(
                clientStalled ? "client stopped reading the response; closing" : "upstream response stalled; closing",
                metadata: [
                    "id": "\(self.request!.id)", "provider": "\(self.request!.providerLabel)",
                    "relayed_bytes": "\(self.request!.accounting.responseBytes)",
                ]
            )
            self.dropUpstream()
            self.abortResponse()
        case .endStream, .cut:
            // (An upstream failure mid-stream is ended where it is reported, with the connection's framing.)
            self.dropUpstream()
            self.abortResponse()
        case .finish:
            self.finishRequest(complete: true)
        case .send, .releaseConnection, .relayHead:
            assertionFailure("\(action) is carried out where its event is reported")
        }
    }

    /// Drops the current attempt's upstream exchange: its response, if any, is not relayed.
    func dropUpstream() {
        self.request?.upstream?.abort()
        self.request?.upstream = nil
    }

    // MARK: - Attempts

    /// Prepares the attempt's request and sends it on a connection to its target (once the limits on the target
    /// let it: docs/policies.md).
    func connect(_ attempt: Exchange.Attempt) {
        // A new attempt replaces the previous one's upstream exchange.
        self.dropUpstream()
        let target = self.request!.exchange.target!
        guard self.attemptMayProceed(attempt, to: target) else { return }
        if !target.beforeHooks.isEmpty, self.inputHooksStop(attempt, target: target) { return }
        if target.cache != nil || self.request!.openRouterCache != nil, self.answeredFromCache(attempt, to: target) {
            return
        }
        if self.request!.cacheOnly != nil { return self.cacheCouldNotAnswer(attempt, to: target) }
        if case .fallback(let status) = attempt.cause, let from = self.request!.exchange.fallbackFrom {
            self.runtime.metrics.fallbacks(provider: from.provider).increment()
            self.runtime.logger.debug(
                "falling back",
                metadata: [
                    "id": "\(self.request!.id)", "from": "\(from.optionIndex)", "status": "\(status)",
                    "to": "\(target.optionIndex)",
                ]
            )
        }
        let head = self.prepare(attempt, target: target)
        self.loop.sweeper.add(self)
        let pool = self.loop.pool
        let key = UpstreamPool.Key(target)
        let number = attempt.number
        // A pooled connection is used at once: no future and no callback on the common path.
        if !attempt.fresh, let connection = pool.takeIdle(key) {
            self.connectionReady(connection, head: head, attempt: number)
            return
        }
        let serial = self.request!.serial
        pool.connect(key).assumeIsolated().whenComplete { result in
            guard self.context != nil, self.request?.serial == serial else {
                // The client left, or its request ended, meanwhile.
                if case .success(let connection) = result { pool.release(connection) }
                return
            }
            switch result {
            case .success(let connection):
                self.connectionReady(connection, head: head, attempt: number)
            case .failure(let error):
                self.run(
                    self.request!.exchange.connectFailed(
                        attempt: number,
                        reason: Self.describeFailure(error),
                        now: Self.uptime(),
                        breakers: self.runtime.breakers,
                        random: &self.loop.ids
                    )
                )
            }
        }
    }

    private func connectionReady(_ connection: UpstreamConnection, head: ByteBuffer, attempt: Int) {
        guard case .send = self.request!.exchange.connectionReady(attempt: attempt) else {
            // The attempt timed out, or the plan moved on, meanwhile.
            self.loop.pool.release(connection)
            return
        }
        self.send(head: head, on: connection)
    }

    /// The attempt's request: the request stages prepare the body for the target, then its head is composed.
    /// A resend on a fresh connection sends the body prepared for the attempt again.
    private func prepare(_ attempt: Exchange.Attempt, target: RouteTarget) -> ByteBuffer {
        var preparation = AttemptPreparation(target: target)
        let resend: Bool
        if case .freshConnection = attempt.cause { resend = true } else { resend = false }
        let translation = TranslationPair(endpoint: self.request!.endpoint, kind: target.kind)
        self.request!.translation = translation
        if !resend {
            for stage in RequestStages.all {
                stage.preparing(&preparation, request: &self.request!, runtime: self.runtime)
            }
            self.request!.accounting.asksForUsage = preparation.asksForUsage
            if let translation, let conversation = self.request!.conversation {
                self.runtime.metrics.translations(translation).increment()
                let body = conversation.body(for: translation.provider, preparation: preparation)
                self.request!.body = ByteBuffer(bytes: body)
            } else if self.request!.source != nil {
                var prepared = preparation
                // Gemini names the model in the path, never in the body.
                if self.request!.endpoint == .generateContent { prepared.target.model = nil }
                self.request!.body = self.request!.source!.prepared(for: prepared)
            }
        }
        var upstreamPath = self.request!.upstreamPath
        let protocolPath = translation?.provider ?? (self.request!.endpoint == .generateContent ? .gemini : nil)
        if let protocolPath {
            let model =
                preparation.target.model ?? preparation.target.overrideModel ?? self.request!.source?.inspection?.model
            upstreamPath = protocolPath.path(model: model ?? "", stream: self.request!.stream)
        }
        var length: Int?
        if case .buffered = self.request!.mode { length = self.request!.body?.readableBytes ?? 0 }
        return UpstreamRequestHead.compose(
            client: self.request!.head,
            upstreamPath: upstreamPath,
            gatewayKeyHeader: self.request!.gatewayKeyHeader,
            target: target,
            bodyLength: length,
            translated: translation != nil
        )
    }

    private func send(head: ByteBuffer, on connection: UpstreamConnection) {
        guard let context = self.context, self.request != nil else { return }
        self.request!.upstream = connection
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

    // MARK: - Timeouts

    /// Called by the loop's ``TimeoutSweeper`` for a request with an upstream: a late response head, or a
    /// started response that stopped moving.
    func checkTimeouts(now: NIODeadline) {
        // Runs every tick for every request in flight: no copy of the request, which would retain its fields.
        guard self.request != nil, self.request!.exchange.isWatched else { return }
        let action = self.request!.exchange.tick(
            now: now.uptimeNanoseconds,
            breakers: self.runtime.breakers,
            random: &self.loop.ids
        )
        if case .none = action { return }
        self.run(action)
    }

    /// Counts the targets a plan skipped for open circuits.
    private func countSkips(_ skipped: [PlanLeaf]) {
        for leaf in skipped { self.runtime.metrics.circuitSkips(leaf.key).increment() }
    }

    static func uptime() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    static func describeFailure(_ error: any Error) -> String {
        switch error {
        case ChannelError.connectTimeout(let amount): "connection timed out after \(amount.nanoseconds / 1_000_000) ms"
        case let error as UpstreamError: error.description
        default: "\(error)"
        }
    }
}

extension Conversation {
    /// The body of a translated attempt: the conversation in the provider's protocol, calling the target's model,
    /// with the target's overrides and defaults set on it.
    func body(for provider: WireProtocol, preparation: AttemptPreparation) -> [UInt8] {
        let target = preparation.target
        var members =
            provider.writeRequest(self, model: target.model ?? target.overrideModel ?? self.model).members ?? []
        for (key, json) in preparation.overrides {
            guard let value = JSONValue(parsing: json) else { continue }
            if let at = members.firstIndex(where: { $0.key == key }) {
                members[at].value = value
            } else {
                members.append((key, value))
            }
        }
        for (key, json) in target.defaults where !members.contains(where: { $0.key == key }) {
            if let value = JSONValue(parsing: json) { members.append((key, value)) }
        }
        return Array(JSONValue.object(members).jsonText.utf8)
    }
}

extension AttemptSource {
    /// The body for an attempt: the target's model, overrides and defaults, what the stages added, the
    /// consumed members taken out. Untouched when nothing changes.
    func prepared(for attempt: AttemptPreparation) -> ByteBuffer {
        guard let inspection = self.inspection else { return self.body }
        let patch = self.body.withUnsafeReadableBytes { bytes in
            BodyPatch.make(
                body: bytes,
                inspection: inspection,
                model: attempt.target.model,
                overrides: attempt.overrides,
                defaults: attempt.target.defaults,
                removing: self.consumedBodyKeys
            )
        }
        return patch.applied(to: self.body)
    }
}
