import Testing

@testable import SwitchboardCore

/// The flow-control gate without sockets: reads wait while any hold is on, and exactly one waiting read is
/// issued when the last hold goes.
@Suite struct ReadGateTests {
    /// Runs a mutating call of the gate and returns its result (`#expect` cannot mutate).
    private func call(_ gate: inout ReadGate, _ body: (inout ReadGate) -> Bool) -> Bool { body(&gate) }

    @Test func readsGoAheadWhileNothingHolds() {
        var gate = ReadGate()
        #expect(gate.isOpen)
        #expect(self.call(&gate) { $0.read() })
        #expect(!gate.readWaiting)
        #expect(!self.call(&gate) { $0.release(.peerFull) })
    }

    @Test func aHeldReadIsIssuedOnceWhenTheHoldGoes() {
        var gate = ReadGate()
        gate.hold(.peerFull)
        #expect(!self.call(&gate) { $0.read() })
        #expect(!self.call(&gate) { $0.read() })
        #expect(gate.readWaiting)
        #expect(self.call(&gate) { $0.release(.peerFull) })
        #expect(!gate.readWaiting)
        // Released again: nothing waits any more.
        #expect(!self.call(&gate) { $0.release(.peerFull) })
    }

    @Test func everyHoldMustGoBeforeReadsResume() {
        var gate = ReadGate()
        gate.hold(.peerFull)
        gate.hold(.buffered)
        #expect(!self.call(&gate) { $0.read() })
        #expect(!self.call(&gate) { $0.release(.peerFull) })
        #expect(!gate.isOpen)
        #expect(!self.call(&gate) { $0.read() })
        #expect(self.call(&gate) { $0.release(.buffered) })
        #expect(gate.isOpen)
    }

    @Test func noReadIsIssuedWhenNoneWasAskedFor() {
        var gate = ReadGate()
        gate.hold(.buffered)
        #expect(!self.call(&gate) { $0.release(.buffered) })
        gate.hold(.buffered)
        #expect(!self.call(&gate) { $0.reset() })
    }

    @Test func setHoldsOrReleases() {
        var gate = ReadGate()
        #expect(!self.call(&gate) { $0.set(.peerFull, holding: true) })
        #expect(!self.call(&gate) { $0.read() })
        #expect(!self.call(&gate) { $0.set(.peerFull, holding: true) })
        #expect(self.call(&gate) { $0.set(.peerFull, holding: false) })
    }

    @Test func resetOpensTheGateAndIssuesTheWaitingRead() {
        var gate = ReadGate()
        gate.hold(.peerFull)
        gate.hold(.buffered)
        #expect(!self.call(&gate) { $0.read() })
        #expect(self.call(&gate) { $0.reset() })
        #expect(gate.isOpen)
        #expect(self.call(&gate) { $0.read() })
    }
}
