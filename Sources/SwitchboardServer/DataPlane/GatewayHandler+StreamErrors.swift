import NIOCore
import SwitchboardCore

/// A stream that fails after it started ends with an error event in its own format, so SDKs raise instead of
/// taking a cut stream for a finished one.
extension GatewayHandler {
    /// Ends a started event stream with an explicit error event and then closes the connection without the
    /// body's proper end, so no client mistakes a cut stream for a finished one. Returns false when an event
    /// cannot be added (not a stream, or mid-chunk); the caller then just cuts the connection.
    func endStreamWithError(_ message: String, appendPoint: UpstreamConnection.AppendPoint) -> Bool {
        guard let context = self.context, self.request != nil, self.request!.stream,
            (200..<300).contains(self.request!.status)
        else { return false }
        let event = Self.streamErrorEvent(message, endpoint: self.request!.endpoint)
        var out = context.channel.allocator.buffer(capacity: event.utf8.count + 32)
        switch appendPoint {
        case .chunkBoundary:
            HTTPWire.writeChunkSize(&out, event.utf8.count)
            out.writeString(event)
            // No last-chunk: the response stays incomplete at the HTTP level too.
            out.writeStaticString("\r\n")
        case .unframed:
            out.writeString(event)
        case .none:
            return false
        }
        self.request!.keepAlive = false
        context.writeAndFlush(self.wrapOutboundOut(out), promise: nil)
        self.finishRequest(complete: false)
        return true
    }

    /// The error event in the stream format of the endpoint: Anthropic's `event: error`, the Responses API's
    /// `error` event, or an OpenAI chunk carrying `error` (what OpenRouter sends; the SDKs raise on it).
    static func streamErrorEvent(_ message: String, endpoint: Endpoint?) -> String {
        let quoted = JSONString.quote(message)
        switch endpoint {
        case .messages:
            return #"event: error"# + "\n" + #"data: {"type":"error","error":{"type":"api_error","message":"#
                + quoted + "}}\n\n"
        case .responses:
            return #"event: error"# + "\n" + #"data: {"type":"error","code":"stream_interrupted","message":"#
                + quoted + #","param":null,"error":{"message":"# + quoted
                + #","type":"upstream_error","code":"stream_interrupted"}}"# + "\n\n"
        case .generateContent:
            return #"data: {"error":{"code":500,"message":"# + quoted + #","status":"INTERNAL"}}"# + "\r\n\r\n"
        default:
            return #"data: {"error":{"message":"# + quoted
                + #","type":"upstream_error","param":null,"code":"stream_interrupted"}}"# + "\n\n"
        }
    }
}
