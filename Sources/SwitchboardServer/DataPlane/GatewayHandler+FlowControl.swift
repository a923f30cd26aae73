import Logging
import NIOCore
import Prometheus
import SwitchboardCore

/// Flow control (docs/flow-control.md): each direction is read only as fast as the other side takes the bytes,
/// through a ``ReadGate`` per connection, and connections that make no progress are closed.
extension GatewayHandler {
    func read(context: ChannelHandlerContext) {
        if self.readGate.read() { context.read() }
    }

    /// Holds or releases reading from the client for `reason`.
    func holdReading(_ reason: ReadGate.Hold, _ holding: Bool) {
        if self.readGate.set(reason, holding: holding) { self.context?.read() }
    }

    /// Back-pressure for answers: the upstream is read only while the client can take more.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        if self.request != nil {
            self.request!.upstream?.setPeerWritable(writable)
            // The client took bytes: progress for the idle timeout, and the end of a draining answer.
            if writable { self.run(self.request!.exchange.clientWritable(now: Self.uptime())) }
        }
        context.fireChannelWritabilityChanged()
    }

    /// Back-pressure for uploads: while the upstream cannot take more, the client is not read.
    func upstreamWritabilityChanged(_ writable: Bool) {
        guard case .streamed = self.request?.mode else { return }
        self.holdReading(.peerFull, !writable)
    }

    /// Called by the loop's keep-alive ``TimeoutSweeper``: closes the connection when it has been without a request for
    /// longer than the keep-alive timeout, or answers 408 and closes it when a started request head has not been
    /// completed within the head-read timeout.
    func closeIfIdle(now: NIODeadline) {
        if self.request == nil, let started = self.headStartedAt, now - started >= self.headReadTimeout {
            self.headStartedAt = nil
            self.loop.keepAlive.remove(self)
            self.runtime.metrics.headReadTimeouts.increment()
            self.runtime.logger.info(
                "client did not finish its request head in time; closing",
                metadata: ["timeout_ms": "\(self.headReadTimeout.nanoseconds / 1_000_000)"]
            )
            self.reject(
                status: 408,
                code: "request_head_timeout",
                message: "The request head did not arrive within \(self.headReadTimeout.nanoseconds / 1_000_000) ms."
            )
            return
        }
        guard self.request == nil, now - self.idleSince >= self.keepAliveTimeout, let context = self.context else {
            return
        }
        self.loop.keepAlive.remove(self)
        context.close(promise: nil)
    }
}
