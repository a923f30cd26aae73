import Foundation
import NIOCore
import SwitchboardCore

/// The response of a translated attempt (its provider speaks another protocol than the client): rewritten into
/// the client's protocol by a ``ResponseTranslator`` as it arrives — a stream event by event, a JSON answer or a
/// provider error at its end — and framed by the gateway as chunks (or until close for HTTP/1.0 clients).
extension GatewayHandler {
    /// Starts the translator for a response about to be relayed.
    func startTranslation(status: Int, eventStream: Bool, clientMinorVersion: Int) {
        guard let pair = self.request!.translation else { return }
        let body: ResponseTranslator.Body =
            if !(200..<300).contains(status) {
                .error(status: status)
            } else {
                eventStream ? .stream : .json
            }
        self.request!.accounting.stages.eventFilter = nil
        self.request!.accounting.stages.translator = ResponseTranslator(
            pair: pair,
            body: body,
            model: self.request!.source?.inspection?.model ?? self.request!.model ?? "",
            estimatedInput: self.request!.accounting.requestBytes / 4,
            includeUsage: self.request!.conversation?.includeUsage ?? false,
            created: Int(Date().timeIntervalSince1970)
        )
        self.request!.accounting.stages.reframes = clientMinorVersion >= 1
    }

    /// The headers of a translated body: its type, and chunked framing when the client speaks HTTP/1.1.
    func writeTranslatedHeaders(_ out: inout ByteBuffer) {
        HTTPWire.writeHeader(&out, "content-type", self.translatedContentType)
        if self.request!.accounting.stages.reframes { out.writeStaticString("transfer-encoding: chunked\r\n") }
    }

    /// The type of a translated body.
    var translatedContentType: String {
        self.request!.accounting.stages.translator?.body == .stream
            ? "text/event-stream; charset=utf-8" : "application/json"
    }

    /// A piece of a translated body: what the translator makes of it is collected and written when the read ends.
    func relayTranslated(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard var translator = self.request!.accounting.stages.translator.take() else { return }
        buffer.withUnsafeReadableBytes { bytes in
            translator.consume(bytes) { out in self.collectRelayed(out, context: context) }
        }
        self.request!.accounting.stages.translator = translator
    }

    /// The provider's stream failed mid-way: what was translated goes out, then the client protocol's own error
    /// event; the body is left without its end so no client takes it for a finished one.
    func endTranslatedStream() {
        guard let context = self.context, var translator = self.request!.accounting.stages.translator.take() else {
            return
        }
        translator.finish { rest in self.collectRelayed(rest, context: context) }
        self.writeRelayed(context: context)
        self.request!.keepAlive = false
        context.flush()
        self.finishRequest(complete: false)
    }
}
