import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardCore

extension GatewayHandler {
    /// Answers a request the gateway serves itself (operations endpoints, the model list, errors).
    func respondLocally(_ response: LocalResponse) {
        switch response {
        case .error(let error):
            self.sendError(error)
        case .health:
            self.send(status: .ok, contentType: "application/json", body: Array(#"{"status":"ok"}"#.utf8))
        case .ready:
            if self.runtime.isReady {
                self.send(status: .ok, contentType: "application/json", body: Array(#"{"status":"ready"}"#.utf8))
            } else {
                self.send(
                    status: .serviceUnavailable,
                    contentType: "application/json",
                    body: Array(#"{"status":"starting"}"#.utf8)
                )
            }
        case .metrics:
            self.send(
                status: .ok,
                contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: self.runtime.metrics.render()
            )
        case .models:
            self.send(status: .ok, contentType: "application/json", body: self.runtime.modelsBody)
        case .root:
            self.send(
                status: .ok,
                contentType: "text/plain; charset=utf-8",
                body: Array("Switchboard is running. The API is under /v1 and /api/v1.\n".utf8)
            )
        }
    }

    /// Sends `error` in its JSON envelope and finishes the request.
    func sendError(_ error: GatewayError) {
        if self.request?.responseHeadSent == true {
            self.abortResponse()
            return
        }
        self.request?.upstream?.abort()
        self.request?.upstream = nil
        self.send(
            status: HTTPResponseStatus(statusCode: error.status),
            contentType: "application/json",
            body: error.jsonBody
        )
    }

    /// Writes a complete response with the gateway's headers and finishes the request.
    func send(status: HTTPResponseStatus, contentType: String, body: [UInt8]) {
        guard let context = self.context, self.request != nil else { return }
        self.request!.status = Int(status.code)
        self.request!.responseHeadSent = true
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.count))
        self.addGatewayHeaders(&headers)
        let head = HTTPResponseHead(version: self.request!.head.version, status: status, headers: headers)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        if self.request!.head.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        self.finishRequest(complete: true)
    }

    /// `x-request-id`, the Portkey trace headers, and `connection: close` when the connection ends here.
    func addGatewayHeaders(_ headers: inout HTTPHeaders) {
        guard let request = self.request else { return }
        headers.add(name: "x-request-id", value: request.id)
        headers.add(name: "x-portkey-trace-id", value: request.traceID)
        if let target = request.target {
            headers.add(name: "x-portkey-provider", value: target.provider)
            headers.add(name: "x-portkey-last-used-option-index", value: target.optionIndex)
            headers.add(name: "x-portkey-retry-attempt-count", value: "0")
            headers.add(name: "x-portkey-cache-status", value: "DISABLED")
        }
        if !request.keepAlive {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
    }
}
