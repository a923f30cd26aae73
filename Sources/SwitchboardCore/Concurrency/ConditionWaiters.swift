/// Tasks waiting for a condition on some state, resumed when a change makes it hold. Its owner keeps it beside
/// the state, under the state's lock, and reports each change; tests wait on it instead of polling with sleeps.
///
/// ```swift
/// // under the owner's lock, after the state changed:
/// let ready = waiters.ready(for: state.observed)
/// // after the lock:
/// for continuation in ready { continuation.resume(returning: true) }
/// ```
public struct ConditionWaiters<Value: Sendable>: Sendable {
    public typealias Continuation = CheckedContinuation<Bool, Never>

    @usableFromInline
    struct Waiter: Sendable {
        var id: UInt64
        var condition: @Sendable (Value) -> Bool
        var continuation: Continuation
    }

    @usableFromInline
    var waiters: [Waiter] = []
    private var nextID: UInt64 = 0

    public init() {}

    /// Whether nobody waits: the owner's changes cost this check and nothing else. Inlinable, so that the check
    /// is one load in the owner's module rather than an unspecialized generic call on every change.
    @inlinable
    public var isEmpty: Bool { self.waiters.isEmpty }

    /// A number for the next waiter, taken before it is added (so a cancellation can name it).
    public mutating func makeID() -> UInt64 {
        self.nextID &+= 1
        return self.nextID
    }

    /// Adds a waiter whose condition does not hold yet.
    public mutating func add(id: UInt64, _ condition: @escaping @Sendable (Value) -> Bool, _ continuation: Continuation)
    {
        self.waiters.append(Waiter(id: id, condition: condition, continuation: continuation))
    }

    /// Takes the waiters whose condition holds for `value`; resume them (with `true`) outside the lock.
    public mutating func ready(for value: Value) -> [Continuation] {
        guard !self.waiters.isEmpty else { return [] }
        var ready: [Continuation] = []
        self.waiters.removeAll { waiter in
            guard waiter.condition(value) else { return false }
            ready.append(waiter.continuation)
            return true
        }
        return ready
    }

    /// Takes the waiter `id` (cancelled); resume it (with `false`) outside the lock.
    public mutating func remove(id: UInt64) -> Continuation? {
        guard let index = self.waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return self.waiters.remove(at: index).continuation
    }
}

/// A type that keeps ``ConditionWaiters`` beside its state, under its own lock, and so lets tasks wait for a
/// condition on that state (``waitUntil(_:)``).
public protocol ConditionWaitersOwner: AnyObject, Sendable {
    associatedtype Observed: Sendable
    /// Runs `body` under the owner's lock with the current state and the waiters.
    func withWaiters<T>(_ body: (Observed, inout ConditionWaiters<Observed>) -> T) -> T
}

extension ConditionWaitersOwner {
    /// Returns `true` once `condition` holds for the owner's state (checked now and at each change the owner
    /// reports), `false` if the waiting task is cancelled first.
    public func waitUntil(_ condition: @escaping @Sendable (Observed) -> Bool) async -> Bool {
        let id = self.withWaiters { _, waiters in waiters.makeID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: ConditionWaiters<Observed>.Continuation) in
                let outcome: Bool? = self.withWaiters { value, waiters in
                    if condition(value) { return true }
                    if Task.isCancelled { return false }
                    waiters.add(id: id, condition, continuation)
                    return nil
                }
                if let outcome { continuation.resume(returning: outcome) }
            }
        } onCancel: {
            self.withWaiters { _, waiters in waiters.remove(id: id) }?.resume(returning: false)
        }
    }
}
