/// Waits for `condition` (an expectation the code under test fulfils, such as
/// ``SwitchboardServer/GatewayRuntime/requestLogQueued(atLeast:)`` or
/// ``SwitchboardMock/MockRecorder/waitUntil(_:)``) for at most `limit`; the wait is cancelled at the limit.
/// - Returns: whether it was fulfilled in time.
public func fulfilled(
    within limit: Duration = .seconds(10),
    _ condition: @escaping @Sendable () async -> Bool
) async
    -> Bool
{
    await withTaskGroup(of: Bool?.self) { group in
        group.addTask { await condition() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first ?? false
    }
}
