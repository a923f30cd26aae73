import NIOCore

/// Checks a set of one event loop's connections for timeouts, every tick while the set is not empty, so that a
/// timeout costs no timer of its own (a scheduled task allocates and takes a heap slot). Each handler keeps its
/// position in the set, so joining and leaving cost an append and a swap-remove.
///
/// Two sets per loop: the requests waiting on an upstream (response and idle timeouts, checked every 20 ms),
/// and every open connection (closed after the keep-alive timeout without a request, checked every second).
final class TimeoutSweeper {
    enum Watch {
        /// Requests in flight: ``GatewayHandler/checkTimeouts(now:)``.
        case requests
        /// Open connections: ``GatewayHandler/closeIfIdle(now:)``.
        case connections

        /// Timeouts fire up to this late.
        var tick: TimeAmount {
            switch self {
            case .requests: .milliseconds(20)
            case .connections: .seconds(1)
            }
        }
    }

    private let eventLoop: any EventLoop
    private let watch: Watch
    private var entries: [GatewayHandler] = []
    private var scheduled = false

    init(eventLoop: any EventLoop, watching watch: Watch) {
        self.eventLoop = eventLoop
        self.watch = watch
    }

    /// Starts watching `handler` (idempotent).
    func add(_ handler: GatewayHandler) {
        guard self.position(of: handler) == nil else { return }
        self.setPosition(of: handler, self.entries.count)
        self.entries.append(handler)
        if !self.scheduled { self.schedule() }
    }

    /// Stops watching `handler` (idempotent).
    func remove(_ handler: GatewayHandler) {
        guard let index = self.position(of: handler) else { return }
        self.setPosition(of: handler, nil)
        let last = self.entries.removeLast()
        if index < self.entries.count {
            self.entries[index] = last
            self.setPosition(of: last, index)
        }
    }

    private func position(of handler: GatewayHandler) -> Int? {
        switch self.watch {
        case .requests: handler.sweepIndex
        case .connections: handler.keepAliveIndex
        }
    }

    private func setPosition(of handler: GatewayHandler, _ index: Int?) {
        switch self.watch {
        case .requests: handler.sweepIndex = index
        case .connections: handler.keepAliveIndex = index
        }
    }

    private func schedule() {
        self.scheduled = true
        self.eventLoop.assumeIsolated().scheduleTask(in: self.watch.tick) {
            self.scheduled = false
            let now = NIODeadline.now()
            // A check may remove its handler, so walk a snapshot.
            for handler in self.entries {
                switch self.watch {
                case .requests: handler.checkTimeouts(now: now)
                case .connections: handler.closeIfIdle(now: now)
                }
            }
            if !self.entries.isEmpty { self.schedule() }
        }
    }
}
