import Foundation
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardControlPlane
import SwitchboardCore

/// A request from its head to its end: how it is served is decided from the head (the head stages run), its body
/// is collected or streamed, and when it ends it is answered locally, handed to the control plane, or routed.
extension GatewayHandler {
    func startRequest(_ head: ClientRequestHead) {
        let id = self.loop.ids.make()
        let now = NIODeadline.now()
        self.serial &+= 1
        let portkey = head.bytes.withUnsafeReadableBytes {
            PortkeyHeaders(head: $0, headers: head.parsed.fields.headers)
        }
        let traceID = portkey.traceID.flatMap { $0.isEmpty ? nil : $0 } ?? id
        var request = GatewayRequest(
            head: head,
            portkey: portkey,
            id: id,
            traceID: traceID,
            start: now,
            serial: self.serial,
            mode: .buffered,
            keepAlive: head.isKeepAlive && !self.quiescing,
            exchange: Exchange(timing: self.exchangeTiming)
        )
        self.runtime.metrics.inFlight.increment()
        request.mode = self.classify(&request)
        for stage in RequestStages.all {
            do { try stage.headRead(&request, runtime: self.runtime) } catch {
                request.mode = .local(.error(error))
                break
            }
        }
        self.request = request
        if request.mode.collectsBody, let length = head.parsed.fields.contentLength,
            length > self.runtime.config.server.maxBodyBytes
        {
            self.rejectOversizedBody()
            return
        }
        if head.parsed.fields.expectsContinue {
            self.context?.writeAndFlush(
                self.wrapOutboundOut(ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")),
                promise: nil
            )
        }
        if case .streamed = request.mode { self.routeStreamedUpload() }
    }

    /// Decides how to serve a request from its head alone.
    private func classify(_ request: inout GatewayRequest) -> BodyMode {
        let head = request.head
        let uri = head.uri
        if head.method == .GET || head.method == .HEAD {
            switch uri {
            case "/healthz": return .local(.health)
            case "/readyz": return .local(.ready)
            case "/metrics": return .local(.metrics)
            case "/": return .local(.root)
            default:
                // Portkey's pricing lookup, at the root (its gateway) and under /v1 (its API base).
                let root = uri.hasPrefix("/model-configs/pricing/")
                if root || uri.hasPrefix("/v1/model-configs/pricing/") {
                    let prefix = root ? "/model-configs/pricing/".count : "/v1/model-configs/pricing/".count
                    let parts = Self.pathOnly(uri).dropFirst(prefix).split(separator: "/", maxSplits: 1).map(
                        String.init
                    )
                    if parts.count == 2 { return .local(.pricing(provider: parts[0], model: parts[1])) }
                }
            }
        }
        if head.method == .POST, let prompt = Self.promptCompletion(uri) {
            // A prompt's completion is a chat completion whose body the prompt stage renders.
            request.endpoint = .chatCompletions
            request.upstreamPath = "/chat/completions"
            request.prompt = prompt
            return .buffered
        }
        if self.runtime.controlPlane != nil, ControlPlane.serves(uri: uri) {
            return .control
        }
        guard let match = Endpoint.match(uri: uri) else {
            return .local(.error(.notFound(method: head.method.rawValue, path: Self.pathOnly(uri))))
        }
        request.endpoint = match.endpoint
        request.upstreamPath = match.upstreamPath
        if match.endpoint == .models, head.method == .GET, request.portkey.provider == nil,
            request.portkey.config == nil
        {
            let shape: ModelListShape =
                uri.hasPrefix("/v1beta/") ? .gemini : head.header("anthropic-version") != nil ? .anthropic : .openAI
            return .local(.models(shape))
        }
        if match.endpoint.inspectsBody, head.method == .POST { return .buffered }
        if match.endpoint.inspectsBody {
            // e.g. GET /v1/responses: no body to inspect, forward as-is.
            request.endpoint = .passthrough
        }
        let isJSON = head.header("content-type")?.lowercased().hasPrefix("application/json") ?? false
        let hasBody = head.parsed.bodyFraming != .none
        return isJSON && hasBody ? .buffered : .streamed
    }

    func receiveBody(_ buffer: ByteBuffer) {
        guard self.request != nil else { return }
        switch self.request!.mode {
        case .local:
            return
        case .streamed:
            if let upstream = self.request!.upstream {
                upstream.sendBodyPart(buffer)
            } else {
                self.request!.pendingUpload.append(buffer)
                self.request!.pendingUploadBytes += buffer.readableBytes
            }
        case .buffered, .control:
            let total = (self.request!.body?.readableBytes ?? 0) + buffer.readableBytes
            if total > self.runtime.config.server.maxBodyBytes {
                self.rejectOversizedBody()
                return
            }
            // Mutated in place through the optional, so the collected buffer is never copied on append.
            if self.request!.body == nil {
                self.request!.body = buffer
            } else {
                self.request!.body!.writeImmutableBuffer(buffer)
            }
        }
    }

    func endRequest() {
        guard self.request != nil else { return }
        self.request!.requestEnded = true
        switch self.request!.mode {
        case .local(let response):
            self.respondLocally(response)
        case .buffered:
            self.routeBuffered()
        case .control:
            self.dispatchControl()
        case .streamed:
            self.request!.upstream?.sendEnd()
        }
    }

    /// Body over the limit: answer 413 at once and close, since the rest of the body will not be read.
    func rejectOversizedBody() {
        guard self.request != nil else { return }
        let error = GatewayError.bodyTooLarge(limit: self.runtime.config.server.maxBodyBytes)
        self.request!.keepAlive = false
        self.request!.requestEnded = true
        self.request!.mode = .local(.error(error))
        self.sendError(error)
    }

    /// The prompt of `POST /v1/prompts/{id}/completions`.
    static func promptCompletion(_ uri: String) -> String? {
        let path = Self.pathOnly(uri)
        guard path.hasPrefix("/v1/prompts/"), path.hasSuffix("/completions") else { return nil }
        let id = path.dropFirst("/v1/prompts/".count).dropLast("/completions".count)
        guard !id.isEmpty, !id.contains("/") else { return nil }
        return String(id).removingPercentEncoding ?? String(id)
    }

    static func pathOnly(_ uri: String) -> String {
        uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(uri[..<$0]) } ?? uri
    }
}
