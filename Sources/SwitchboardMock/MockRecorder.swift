import NIOConcurrencyHelpers
import NIOCore
import SwitchboardCore

/// What the mock saw: recent requests (so tests can check what the gateway sent) and connection counts
/// (so tests can check pooling).
public final class MockRecorder: ConditionWaitersOwner {
    /// One request as received.
    public struct Request: Sendable {
        public var method: String
        public var uri: String
        public var headers: [(String, String)]
        /// The body, or its first ``MockRecorder/maxBodyBytes`` (uploads of megabytes are not kept whole).
        public var body: [UInt8]
        /// The body's whole length.
        public var bodyLength: Int
        public var receivedAt: NIODeadline
        /// When each stream chunk was written, for checking that the gateway does not buffer.
        public var chunkSentAt: [NIODeadline] = []

        public func header(_ name: String) -> String? {
            self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        public var bodyString: String { String(decoding: self.body, as: UTF8.self) }
    }

    /// What a test can wait for (``waitUntil(_:)``): checked at every request, chunk and connection change.
    public struct Observed: Sendable {
        public var requestCount: Int
        public var connectionsActive: Int
        /// Stream chunks written to the latest request so far.
        public var chunksSentToLatest: Int
    }

    private struct State {
        var requests: [Request] = []
        var connectionsOpened = 0
        var connectionsActive = 0
        var requestCount = 0
        var callsByModel: [String: Int] = [:]
        var waiters = ConditionWaiters<Observed>()

        var observed: Observed {
            Observed(
                requestCount: self.requestCount,
                connectionsActive: self.connectionsActive,
                chunksSentToLatest: self.requests.last?.chunkSentAt.count ?? 0
            )
        }
    }

    private let state = NIOLockedValueBox(State())
    private static let keep = 200
    /// The most of a body kept per recorded request.
    public static let maxBodyBytes = 1 << 20

    public init() {}

    public var requests: [Request] { self.state.withLockedValue { $0.requests } }
    public var connectionsOpened: Int { self.state.withLockedValue { $0.connectionsOpened } }
    public var connectionsActive: Int { self.state.withLockedValue { $0.connectionsActive } }
    public var requestCount: Int { self.state.withLockedValue { $0.requestCount } }

    public func withWaiters<T>(_ body: (Observed, inout ConditionWaiters<Observed>) -> T) -> T {
        self.state.withLockedValue { state in body(state.observed, &state.waiters) }
    }

    /// Changes the state and wakes the waiters whose condition now holds.
    private func change<T>(_ body: (inout State) -> T) -> T {
        let (result, ready) = self.state.withLockedValue { state in
            let result = body(&state)
            return (result, state.waiters.isEmpty ? [] : state.waiters.ready(for: state.observed))
        }
        for continuation in ready { continuation.resume(returning: true) }
        return result
    }

    public func reset() {
        self.state.withLockedValue {
            $0.requests.removeAll()
            $0.callsByModel.removeAll()
        }
    }

    /// Counts a call for `model` (as sent, options included); returns the count including this one.
    func countCall(_ model: String) -> Int {
        self.state.withLockedValue { state in
            state.callsByModel[model, default: 0] += 1
            return state.callsByModel[model]!
        }
    }

    func connectionOpened() {
        self.change {
            $0.connectionsOpened += 1
            $0.connectionsActive += 1
        }
    }

    func connectionClosed() {
        self.change { $0.connectionsActive -= 1 }
    }

    /// Records a request; returns its sequence number.
    func record(_ request: Request) -> Int {
        self.change { state in
            state.requestCount += 1
            state.requests.append(request)
            if state.requests.count > Self.keep { state.requests.removeFirst(state.requests.count - Self.keep) }
            return state.requestCount
        }
    }

    func chunkSent(sequence: Int) {
        let now = NIODeadline.now()
        self.change { state in
            let offset = state.requestCount - sequence
            let index = state.requests.count - 1 - offset
            guard index >= 0, index < state.requests.count else { return }
            state.requests[index].chunkSentAt.append(now)
        }
    }

    /// `GET /mock/requests`: the recent requests as JSON.
    func renderRequests() -> [UInt8] {
        let items = self.requests.map { request in
            let headers = request.headers.map { JSONString.quote($0.0) + ":" + JSONString.quote($0.1) }
            return #"{"method":"# + JSONString.quote(request.method) + #","uri":"# + JSONString.quote(request.uri)
                + #","headers":{"# + headers.joined(separator: ",") + #"},"body":"#
                + JSONString.quote(request.bodyString)
                + #","chunks_sent":\#(request.chunkSentAt.count)}"#
        }
        return Array(("[" + items.joined(separator: ",") + "]").utf8)
    }

    func renderStats() -> [UInt8] {
        let state = self.state.withLockedValue { $0 }
        return Array(
            #"{"requests":\#(state.requestCount),"connections_opened":\#(state.connectionsOpened),"connections_active":\#(state.connectionsActive)}"#
                .utf8
        )
    }
}
