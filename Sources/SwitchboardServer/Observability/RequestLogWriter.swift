import Logging
import NIOConcurrencyHelpers
import Prometheus
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStore

/// Request log records on their way to the store. Event loops append (a lock and an array append); the
/// ``RequestLogWriter`` takes them in batches. Nothing waits on the store in the request path. When the
/// queue is full a record is counted as lost (`switchboard_request_log_lost_total`), never dropped unseen.
final class RequestLogQueue: ConditionWaitersOwner {
    private struct State {
        var entries: [RequestLogRecord] = []
        /// Records appended since the queue was made: what tests wait for instead of sleeping.
        var appended = 0
        var waiters = ConditionWaiters<Int>()
    }

    private let state = NIOLockedValueBox(State())
    /// Entries taken by a writer and not yet written (or put back).
    private let writing = NIOLockedValueBox(0)
    let capacity: Int
    let metrics: GatewayMetrics

    init(capacity: Int = 200_000, metrics: GatewayMetrics) {
        self.capacity = capacity
        self.metrics = metrics
    }

    func append(_ record: RequestLogRecord) {
        let (accepted, ready) = self.state.withLockedValue { state in
            state.appended += 1
            let ready = state.waiters.isEmpty ? [] : state.waiters.ready(for: state.appended)
            guard state.entries.count < self.capacity else { return (false, ready) }
            state.entries.append(record)
            return (true, ready)
        }
        for continuation in ready { continuation.resume(returning: true) }
        if !accepted { self.metrics.requestLogLost.increment() }
    }

    func withWaiters<T>(_ body: (Int, inout ConditionWaiters<Int>) -> T) -> T {
        self.state.withLockedValue { state in body(state.appended, &state.waiters) }
    }

    /// Takes up to `limit` of the oldest entries; call ``written(_:)`` once they are stored or put back.
    func take(_ limit: Int) -> [RequestLogRecord] {
        let batch = self.state.withLockedValue { state in
            // Usually the whole queue: handed over without copying, and the event loops start a new array.
            if state.entries.count <= limit {
                let all = state.entries
                state.entries = []
                return all
            }
            let batch = Array(state.entries.prefix(limit))
            state.entries.removeFirst(batch.count)
            return batch
        }
        self.writing.withLockedValue { $0 += batch.count }
        return batch
    }

    func written(_ count: Int) {
        self.writing.withLockedValue { $0 -= count }
    }

    /// Entries queued or being written.
    var pending: Int { self.count + self.writing.withLockedValue { $0 } }

    /// Puts back a batch that could not be written, in front, as far as there is room.
    func putBack(_ batch: some Collection<RequestLogRecord>) -> Int {
        self.state.withLockedValue { state in
            let room = max(0, self.capacity - state.entries.count)
            state.entries.insert(contentsOf: batch.prefix(room), at: 0)
            return batch.count - min(room, batch.count)
        }
    }

    var count: Int { self.state.withLockedValue { $0.entries.count } }
}

/// Writes the request log to the store, in batches of up to 2,000 records: at once while a few hundred are
/// waiting (under load the batches follow each other and stay in the CPU's cache), otherwise every 25 ms. A
/// writer that never rests commits a handful of records at a time at light load, and a commit costs as much as
/// dozens of rows. A failed batch is put back (less what was stored) and tried again; at shutdown whatever is
/// queued is written before the store closes (this service stops after the server has drained).
struct RequestLogWriter: Service {
    let queue: RequestLogQueue
    let store: any Store
    let logger: Logger
    var interval: Duration = .milliseconds(25)
    static let batchSize = 2_000
    /// Queued records that make the writer go on without resting.
    static let enoughToWrite = 256

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let wrote = await self.flushOnce()
                if !wrote || self.queue.count < Self.enoughToWrite { try? await Task.sleep(for: self.interval) }
            }
        }
        // Shutting down: the server has drained; write what is left.
        var attempts = 0
        while self.queue.count > 0, attempts < 50 {
            if !(await self.flushOnce()) { attempts += 1 }
        }
    }

    /// Writes one batch; false when there was nothing to write or the write failed.
    @discardableResult
    func flushOnce() async -> Bool {
        let batch = self.queue.take(Self.batchSize)
        self.queue.metrics.requestLogQueued.set(Double(self.queue.count))
        guard !batch.isEmpty else { return false }
        defer { self.queue.written(batch.count) }
        do {
            try await self.store.insertRequestLogs(batch)
            self.queue.metrics.requestLogWritten.increment(by: Int64(batch.count))
            return true
        } catch {
            let stored = (error as? RequestLogPartialWrite)?.stored ?? 0
            if stored > 0 { self.queue.metrics.requestLogWritten.increment(by: Int64(stored)) }
            let lost = self.queue.putBack(batch.dropFirst(stored))
            if lost > 0 { self.queue.metrics.requestLogLost.increment(by: Int64(lost)) }
            self.logger.warning(
                "request log write failed; will retry",
                metadata: ["records": "\(batch.count - stored)", "error": "\(error)"]
            )
            try? await Task.sleep(for: .milliseconds(500))
            return false
        }
    }
}
