import NIOCore

/// Checks the requests in flight on one event loop for timeouts, every few milliseconds while there are
/// any, so that a request costs no timer of its own (a scheduled task allocates and takes a heap slot).
final class TimeoutSweeper {
    /// Timeouts fire up to this late.
    static let tick = TimeAmount.milliseconds(20)

    private let eventLoop: any EventLoop
    private var entries: [GatewayHandler] = []
    private var scheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Starts watching `handler` (idempotent).
    func add(_ handler: GatewayHandler) {
        guard handler.sweepIndex == nil else { return }
        handler.sweepIndex = self.entries.count
        self.entries.append(handler)
        if !self.scheduled { self.schedule() }
    }

    /// Stops watching `handler` (idempotent).
    func remove(_ handler: GatewayHandler) {
        guard let index = handler.sweepIndex else { return }
        handler.sweepIndex = nil
        let last = self.entries.removeLast()
        if index < self.entries.count {
            self.entries[index] = last
            last.sweepIndex = index
        }
    }

    private func schedule() {
        self.scheduled = true
        self.eventLoop.assumeIsolated().scheduleTask(in: Self.tick) {
            self.scheduled = false
            let now = NIODeadline.now()
            // A check may remove its handler, so walk a snapshot.
            for handler in self.entries { handler.checkTimeouts(now: now) }
            if !self.entries.isEmpty { self.schedule() }
        }
    }
}
