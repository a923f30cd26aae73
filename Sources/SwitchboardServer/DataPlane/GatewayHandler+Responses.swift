import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore
import Synchronization

extension GatewayHandler {
    /// Answers a request the gateway serves itself (operations endpoints, the model list, errors).
    func respondLocally(_ response: LocalResponse) {
        switch response {
        case .error(let error):
            self.sendError(error)
        case .health:
            self.send(status: .ok, contentType: "application/json", body: Array(#"{"status":"ok"}"#.utf8))
        case .ready:
            if !self.runtime.isReady {
                self.send(
                    status: .serviceUnavailable,
                    contentType: "application/json",
                    body: Array(#"{"status":"starting"}"#.utf8)
                )
            } else if !self.runtime.snapshot.storeReachable.load(ordering: .relaxed) {
                self.send(
                    status: .serviceUnavailable,
                    contentType: "application/json",
                    body: Array(#"{"status":"store unreachable"}"#.utf8)
                )
            } else {
                self.send(status: .ok, contentType: "application/json", body: Array(#"{"status":"ready"}"#.utf8))
            }
        case .metrics:
            if self.runtime.snapshot.policies.isActive.load(ordering: .relaxed) {
                self.runtime.metrics.showPolicies(self.runtime.snapshot.policies.usageByEntity())
            }
            self.runtime.metrics.showCache(self.runtime.responseCache.stats, vectors: self.runtime.semanticCache.count)
            self.send(
                status: .ok,
                contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: self.runtime.metrics.render()
            )
        case .models(let shape):
            self.send(status: .ok, contentType: "application/json", body: self.runtime.modelsBody(shape))
        case .pricing(let provider, let model):
            let kind = self.runtime.config.provider(provider)?.kind
            if let price = self.runtime.price(provider: provider, kind: kind, model: model) {
                self.send(status: .ok, contentType: "application/json", body: Array(price.pricingConfig.jsonText.utf8))
            } else {
                self.send(
                    status: .notFound,
                    contentType: "application/json",
                    body: Array(#"{"error":"Model not found"}"#.utf8)
                )
            }
        case .root:
            self.send(
                status: .ok,
                contentType: "text/plain; charset=utf-8",
                body: Array("Switchboard is running. The API is under /v1 and /api/v1.\n".utf8)
            )
        }
    }

    /// Answers with `error` in its JSON envelope while nothing was sent; cuts a started answer.
    func sendError(_ error: GatewayError) {
        guard self.request != nil else { return }
        self.run(self.request!.exchange.fail(error))
    }

    /// Writes a complete response with the gateway's headers and finishes the request.
    func send(
        status: HTTPResponseStatus,
        contentType: String,
        body: [UInt8],
        headers: [(String, String)] = []
    ) {
        guard let context = self.context, self.request != nil else { return }
        self.request!.exchange.answered(status: Int(status.code))
        var buffer = context.channel.allocator.buffer(capacity: body.count + 384)
        HTTPWire.writeStatusLine(&buffer, minorVersion: self.request!.head.minorVersion, status: Int(status.code))
        // A 204 has neither a body nor its headers.
        if status != .noContent {
            HTTPWire.writeHeader(&buffer, "content-type", contentType)
            HTTPWire.writeHeader(&buffer, "content-length", String(body.count))
        }
        for (name, value) in headers { HTTPWire.writeHeader(&buffer, name, value) }
        self.writeGatewayHeaders(&buffer)
        buffer.writeStaticString("\r\n")
        if self.request!.head.method != .HEAD, status != .noContent { buffer.writeBytes(body) }
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
        self.finishRequest(complete: true)
    }

    /// OpenRouter's cache headers: status (`HIT` / `MISS`), the entry's TTL, and on a hit its age and the id of
    /// the request that made it.
    static func writeOpenRouterCacheHeaders(_ buffer: inout ByteBuffer, _ cache: CacheUse) {
        HTTPWire.writeHeader(&buffer, "x-openrouter-cache-status", cache.status.isHit ? "HIT" : "MISS")
        HTTPWire.writeHeader(&buffer, "x-openrouter-cache-ttl", String(cache.maxAgeSeconds))
        guard let answer = cache.answer else { return }
        let age = max(0, Int(Date().timeIntervalSince1970) - answer.storedAt)
        HTTPWire.writeHeader(&buffer, "x-openrouter-cache-age", String(age))
        HTTPWire.writeHeader(&buffer, "x-openrouter-cache-source-id", answer.sourceID)
    }

    /// `x-request-id`, the Portkey trace headers, and `connection: close` when the connection ends here.
    func writeGatewayHeaders(_ buffer: inout ByteBuffer) {
        guard self.request != nil else { return }
        HTTPWire.writeHeader(&buffer, "x-request-id", self.request!.id)
        HTTPWire.writeHeader(&buffer, "x-portkey-trace-id", self.request!.traceID)
        if let target = self.request!.exchange.target {
            HTTPWire.writeHeader(&buffer, "x-portkey-provider", target.provider)
            HTTPWire.writeHeader(&buffer, "x-portkey-last-used-option-index", target.optionIndex)
            if let cache = self.request!.cache {
                let count = self.request!.exchange.plan?.retryAttemptCount ?? 0
                HTTPWire.writeHeader(&buffer, "x-portkey-retry-attempt-count", String(count))
                HTTPWire.writeHeader(&buffer, "x-portkey-cache-status", cache.status.rawValue)
                if let similarity = cache.similarity {
                    HTTPWire.writeHeader(&buffer, "x-switchboard-cache-similarity", String(format: "%.4f", similarity))
                }
                if cache.openRouter { Self.writeOpenRouterCacheHeaders(&buffer, cache) }
            } else if let count = self.request!.exchange.plan?.retryAttemptCount, count != 0 {
                HTTPWire.writeHeader(&buffer, "x-portkey-retry-attempt-count", String(count))
                buffer.writeStaticString("x-portkey-cache-status: DISABLED\r\n")
            } else {
                buffer.writeStaticString("x-portkey-retry-attempt-count: 0\r\nx-portkey-cache-status: DISABLED\r\n")
            }
        }
        if !self.request!.keepAlive {
            buffer.writeStaticString("connection: close\r\n")
        } else if self.request!.head.minorVersion == 0 {
            buffer.writeStaticString("connection: keep-alive\r\n")
        }
    }
}
