import Logging
import NIOConcurrencyHelpers
import Prometheus
import ServiceLifecycle
import SwitchboardStore

/// Request log records on their way to the store. Event loops append (a lock and an array append); the
/// ``RequestLogWriter`` takes them in batches. Nothing waits on the store in the request path. When the
/// queue is full a record is counted as lost (`switchboard_request_log_lost_total`), never dropped unseen.
final class RequestLogQueue: Sendable {
    struct Entry: Sendable {
        var record: RequestLogRecord
        /// When the request arrived (ms since 1970); the writer turns it into the record's timestamp, off the
        /// event loop.
        var epochMs: Int64
    }

    private let entries = NIOLockedValueBox([Entry]())
    /// Entries taken by a writer and not yet written (or put back).
    private let writing = NIOLockedValueBox(0)
    let capacity: Int
    let metrics: GatewayMetrics

    init(capacity: Int = 200_000, metrics: GatewayMetrics) {
        self.capacity = capacity
        self.metrics = metrics
    }

    func append(_ record: RequestLogRecord, epochMs: Int64) {
        let accepted = self.entries.withLockedValue { entries in
            guard entries.count < self.capacity else { return false }
            entries.append(Entry(record: record, epochMs: epochMs))
            return true
        }
        if !accepted { self.metrics.requestLogLost.increment() }
    }

    /// Takes up to `limit` of the oldest entries; call ``written(_:)`` once they are stored or put back.
    func take(_ limit: Int) -> [Entry] {
        let batch = self.entries.withLockedValue { entries in
            // Usually the whole queue: handed over without copying, and the event loops start a new array.
            if entries.count <= limit {
                let all = entries
                entries = []
                return all
            }
            let batch = Array(entries.prefix(limit))
            entries.removeFirst(batch.count)
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
    func putBack(_ batch: [Entry]) -> Int {
        self.entries.withLockedValue { entries in
            let room = max(0, self.capacity - entries.count)
            entries.insert(contentsOf: batch.prefix(room), at: 0)
            return batch.count - min(room, batch.count)
        }
    }

    var count: Int { self.entries.withLockedValue { $0.count } }
}

/// Writes the request log to the store: every 100 ms, or at once while a backlog remains, in batches of up to
/// 2,000 records in one transaction. A failed batch is put back and tried again; at shutdown whatever is
/// queued is written before the store closes (this service stops after the server has drained).
struct RequestLogWriter: Service {
    let queue: RequestLogQueue
    let store: any Store
    let logger: Logger
    var interval: Duration = .milliseconds(100)
    static let batchSize = 2_000

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let wrote = await self.flushOnce()
                if !wrote { try? await Task.sleep(for: self.interval) }
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
        let records = batch.map { entry -> RequestLogRecord in
            var record = entry.record
            record.createdAt = Timestamps.format(epochMs: entry.epochMs)
            return record
        }
        defer { self.queue.written(batch.count) }
        do {
            try await self.store.insertRequestLogs(records)
            self.queue.metrics.requestLogWritten.increment(by: Int64(records.count))
            return true
        } catch {
            let lost = self.queue.putBack(batch)
            if lost > 0 { self.queue.metrics.requestLogLost.increment(by: Int64(lost)) }
            self.logger.warning(
                "request log write failed; will retry",
                metadata: ["records": "\(batch.count)", "error": "\(error)"]
            )
            try? await Task.sleep(for: .milliseconds(500))
            return false
        }
    }
}
