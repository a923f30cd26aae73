import NIOConcurrencyHelpers
import NIOCore
import Prometheus
import SwitchboardCore

/// The circuit of every target that has a breaker, shared by all event loops (one short lock per attempt of
/// such a target; targets without a breaker never touch it).
final class CircuitBreakers: Sendable, CircuitBreakerView {
    /// Beyond this many targets new ones get no breaker, which bounds memory and metric labels.
    static let maxTargets = 1024

    private let states = NIOLockedValueBox([String: CircuitBreakerState]())
    private let metrics: GatewayMetrics
    private let clock: CircuitClock

    init(metrics: GatewayMetrics, clock: CircuitClock = .system) {
        self.metrics = metrics
        self.clock = clock
    }

    func isOpen(_ leaf: PlanLeaf) -> Bool {
        guard leaf.breaker != nil else { return false }
        let now = self.clock.nowMs()
        let (open, changed) = self.states.withLockedValue { states -> (Bool, Bool) in
            guard var state = states[leaf.key] else { return (false, false) }
            let before = state.phase
            let open = state.isOpen(nowMs: now)
            states[leaf.key] = state
            return (open, state.phase != before)
        }
        if changed { self.metrics.circuitState(leaf.key).set(Int64(2)) }
        return open
    }

    /// Counts an attempt's outcome towards the target's circuit.
    func record(_ leaf: PlanLeaf, outcome: AttemptOutcome) {
        guard let settings = leaf.breaker else { return }
        let failure: Bool
        switch outcome {
        case .connectFailure, .timeout: failure = true
        case .response(let status, _): failure = settings.isFailure(status: status)
        case .refused: return
        }
        let now = self.clock.nowMs()
        let phase = self.states.withLockedValue { states -> CircuitBreakerState.Phase? in
            guard states[leaf.key] != nil || states.count < Self.maxTargets else { return nil }
            var state = states[leaf.key] ?? CircuitBreakerState()
            let before = state.phase
            state.record(failure: failure, nowMs: now, settings: settings)
            states[leaf.key] = state
            return state.phase == before ? nil : state.phase
        }
        switch phase {
        case .open: self.metrics.circuitState(leaf.key).set(Int64(1))
        case .closed: self.metrics.circuitState(leaf.key).set(Int64(0))
        case .halfOpen: self.metrics.circuitState(leaf.key).set(Int64(2))
        case nil: break
        }
    }
}

extension UInt64 {
    fileprivate var toMilliseconds: Int64 { Int64(self / 1_000_000) }
}

/// Where circuits read the time (cooldowns): the system's uptime, or a test's clock.
public struct CircuitClock: Sendable {
    /// Milliseconds on a monotonic clock.
    public let nowMs: @Sendable () -> Int64

    public init(nowMs: @escaping @Sendable () -> Int64) {
        self.nowMs = nowMs
    }

    public static let system = CircuitClock { NIODeadline.now().uptimeNanoseconds.toMilliseconds }
}
