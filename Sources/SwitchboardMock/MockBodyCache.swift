import NIOConcurrencyHelpers
import NIOCore

/// Rendered large answers, shared by the mock's connections: tests and benchmarks repeat the same request of
/// megabytes many times, and rendering it each time would make the mock, not the gateway, the slow part.
///
/// Bounded in bytes; the least recently used answer goes first.
final class MockBodyCache: Sendable {
    /// Answers smaller than this are rendered each time (cheap, and keeps the cache for the large ones).
    static let threshold = 64 * 1024

    private struct State {
        var entries: [String: [ByteBuffer]] = [:]
        var order: [String] = []
        var bytes = 0
    }

    private let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int = 256 << 20) {
        self.capacity = capacity
    }

    /// The parts cached under `key`, or those `render` makes (kept when they are large enough).
    func parts(_ key: String, render: () -> [ByteBuffer]) -> [ByteBuffer] {
        let hit = self.state.withLockedValue { state -> [ByteBuffer]? in
            guard let parts = state.entries[key] else { return nil }
            state.order.removeAll { $0 == key }
            state.order.append(key)
            return parts
        }
        if let hit { return hit }
        let parts = render()
        let size = parts.reduce(0) { $0 + $1.readableBytes }
        guard size >= Self.threshold, size <= self.capacity else { return parts }
        self.state.withLockedValue { state in
            guard state.entries[key] == nil else { return }
            while state.bytes + size > self.capacity, let oldest = state.order.first {
                state.order.removeFirst()
                state.bytes -= state.entries.removeValue(forKey: oldest)?.reduce(0) { $0 + $1.readableBytes } ?? 0
            }
            state.entries[key] = parts
            state.order.append(key)
            state.bytes += size
        }
        return parts
    }
}
