import NIOCore
import SwitchboardServer
import Synchronization

/// A monotonic clock a test moves forward, so waits (circuit cooldowns) pass without sleeping.
public final class TestClock: Sendable {
    private let start = Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
    private let offset = Atomic<Int64>(0)

    public init() {}

    /// Moves the clock `milliseconds` ahead.
    public func advance(milliseconds: Int64) {
        self.offset.add(milliseconds, ordering: .relaxed)
    }

    /// The clock for circuit breakers.
    public var circuitClock: CircuitClock {
        CircuitClock { self.start + self.offset.load(ordering: .relaxed) }
    }
}
