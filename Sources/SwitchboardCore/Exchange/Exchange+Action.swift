extension Exchange {
    /// What the channel handler does after an event.
    public enum Action: Sendable {
        /// Nothing now.
        case none
        /// Drop the previous attempt's upstream exchange if there is one, prepare the request for the attempt's
        /// target (request stages), take a connection to it (a fresh one when asked) and report
        /// ``Exchange/connectionReady(attempt:)`` or ``Exchange/connectFailed(attempt:reason:now:breakers:random:)``.
        /// The wait for the response head runs from now.
        case connect(Attempt)
        /// Send the current attempt's request on the connection that is ready.
        case send
        /// A connection arrived for an attempt that is over: give it back to the pool.
        case releaseConnection
        /// Drop the attempt's upstream exchange and report ``Exchange/retryDelayElapsed(attempt:now:)`` after the
        /// delay. `provider` names the target retried, for its metric.
        case retryAfter(milliseconds: Int, attempt: Int, provider: String)
        /// Write the upstream's response head to the client, and relay its body as it comes.
        case relayHead
        /// Drop the upstream exchange, answer the client with this error, finish the request.
        case answer(GatewayError)
        /// The upstream failed after the response started: end the answer with an error event in the stream's
        /// format where one can be added, else cut the connection. The request is incomplete.
        case endStream(message: String)
        /// A started answer made no progress for the idle timeout: drop the upstream, cut the client's connection.
        /// `draining`: the upstream had finished and the client stopped taking the rest.
        case cutIdle(draining: Bool)
        /// A started answer cannot go on: cut the client's connection. The request is incomplete.
        case cut
        /// The answer is complete: record the request, serve the next one.
        case finish
    }

    /// One try of the exchange's ``Exchange/target``. Small, like every action: actions are returned by value at
    /// every event.
    public struct Attempt: Sendable {
        /// Why this attempt is made.
        public enum Cause: Sendable {
            case first
            /// The plan retries the same target after a delay.
            case retry
            /// The plan moved on from ``Exchange/fallbackFrom``, which answered `status` (502 for no connection,
            /// 408 for a timeout).
            case fallback(status: Int)
            /// The same attempt again, on a fresh connection: the pooled one had been closed by the upstream.
            case freshConnection
        }

        /// Numbers attempts, so events of an attempt that is over are recognised.
        public var number: Int
        /// Whether to open a new connection rather than take an idle one.
        public var fresh: Bool
        public var cause: Cause
    }
}
