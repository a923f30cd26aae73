import NIOCore
import SwitchboardCore

/// A stream whose usage chunk the gateway asked for is relayed through the usage-event filter: complete events
/// only, the usage chunk left out, framed as chunks by the gateway when the upstream's body was chunked.
extension GatewayHandler {
    /// Relays filtered stream bytes: complete events only, the usage chunk left out. What one upstream read
    /// brings is collected and written at once when the read ends (``writeRelayed(context:)``).
    func relayFiltered(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        if self.request!.accounting.stages.translator != nil {
            self.relayTranslated(buffer, context: context)
            return
        }
        if var insert = self.request!.accounting.stages.hookInsert.take() {
            buffer.withUnsafeReadableBytes { bytes in
                insert.consume(bytes) { part in self.collectRelayed(part, context: context) }
            }
            self.request!.accounting.stages.hookInsert = insert
            return
        }
        // Taken out while it runs, so its buffer is not shared and grows in place.
        guard var filter = self.request!.accounting.stages.eventFilter.take() else {
            // Collected for output hooks, or a stream that ends with their event: the bytes as they are.
            buffer.withUnsafeReadableBytes { bytes in self.collectRelayed(bytes, context: context) }
            return
        }
        buffer.withUnsafeReadableBytes { bytes in
            filter.consume(bytes) { events in self.collectRelayed(events, context: context) }
        }
        self.request!.accounting.stages.eventFilter = filter
    }

    /// Ends a filtered body: what the filter still holds, the hooks' event of a stream, then the last chunk when
    /// the gateway frames it. A held answer is written once its output guardrails judged it
    /// (``releaseHeldAnswer(context:)``).
    func finishFiltered(context: ChannelHandlerContext) {
        if var translator = self.request!.accounting.stages.translator.take() {
            translator.finish { rest in self.collectRelayed(rest, context: context) }
        } else if var filter = self.request!.accounting.stages.eventFilter.take() {
            filter.finish { rest in self.collectRelayed(rest, context: context) }
        } else {
            self.request!.accounting.stages.hookInsert = nil
        }
        if self.request!.accounting.stages.endsWithHookEvent { self.relayHookEvent(context: context) }
        if self.request!.accounting.stages.answerCheck?.holds == true { return }
        self.writeRelayed(context: context)
        if self.request!.accounting.stages.reframes {
            context.write(self.wrapOutboundOut(ByteBuffer(staticString: "0\r\n\r\n")), promise: nil)
        }
    }

    func collectRelayed(_ events: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        guard !events.isEmpty else { return }
        if self.request!.accounting.stages.cacheCapture != nil {
            self.request!.accounting.stages.cacheCapture!.append(events)
        }
        if self.request!.accounting.stages.answerCheck != nil {
            self.request!.accounting.stages.answerCheck!.append(events)
            if self.request!.accounting.stages.answerCheck!.holds { return }
        }
        if self.request!.accounting.relayed == nil {
            // Room in front for the chunk-size line, so framing the events as a chunk copies nothing.
            var buffer = context.channel.allocator.buffer(capacity: max(events.count, 2048) + Self.chunkFraming)
            buffer.moveWriterIndex(forwardBy: Self.chunkSizeRoom)
            buffer.moveReaderIndex(forwardBy: Self.chunkSizeRoom)
            self.request!.accounting.relayed = buffer
        }
        self.request!.accounting.relayed!.writeBytes(events)
    }

    /// Bytes kept free before the collected events: a chunk-size line (`ffffffff\r\n` at the most).
    private static let chunkSizeRoom = 10
    /// The chunk-size line and the chunk's closing CRLF.
    private static let chunkFraming = chunkSizeRoom + 2

    /// Writes the filtered events collected during a read: one chunk when the gateway frames the body, its
    /// size line written into the room left in front of the events.
    func writeRelayed(context: ChannelHandlerContext) {
        guard var events = self.request?.accounting.relayed.take(), events.readableBytes > 0 else { return }
        let size = events.readableBytes
        self.request!.accounting.responseBytes &+= size
        if self.request!.accounting.stages.reframes {
            HTTPWire.prependChunkSize(&events)
            events.writeStaticString("\r\n")
        }
        context.write(self.wrapOutboundOut(events), promise: nil)
    }
}
