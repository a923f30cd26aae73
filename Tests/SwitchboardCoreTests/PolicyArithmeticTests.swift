import SwitchboardCore
import Testing

/// The reservation arithmetic of usage limits and the windows of rate limits, without I/O (issue 21).
struct PolicyArithmeticTests {
    @Test func aWorstCaseThatDoesNotFitIsRefused() throws {
        var ledger = UsageLedger(limit: 100)
        let firstHeld = ledger.reserve(60)
        let first = try #require(firstHeld)
        #expect(ledger.available == 40)
        let tooMuch = ledger.reserve(50)
        #expect(tooMuch == nil, "60 held + 50 > 100")
        let secondHeld = ledger.reserve(40)
        let second = try #require(secondHeld)
        #expect(ledger.available == 0)
        ledger.settle(first, used: 25)
        ledger.settle(second, used: 30)
        #expect(ledger.used == 55 && ledger.reserved == 0 && ledger.available == 45)
    }

    /// Property: whatever the order of reservations and settlements, if no request uses more than it reserved,
    /// the used total never passes the limit.
    @Test func usageNeverPassesTheLimitWhenRequestsKeepToTheirReservations() {
        var seed: UInt64 = 42
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for _ in 0..<200 {
            var ledger = UsageLedger(limit: Double(50 + next(500)))
            var open: [UsageLedger.Reservation] = []
            for _ in 0..<100 {
                if next(3) > 0, let reservation = ledger.reserve(Double(1 + next(80))) {
                    open.append(reservation)
                } else if !open.isEmpty {
                    let reservation = open.remove(at: next(open.count))
                    ledger.settle(reservation, used: Double(next(Int(reservation.amount) + 1)))
                }
                #expect(ledger.used + ledger.reserved <= ledger.limit)
            }
        }
    }

    @Test func anExhaustedLedgerRefusesEvenAFreeRequestUntilReset() throws {
        var ledger = UsageLedger(limit: 10)
        let reservationHeld = ledger.reserve(10)
        let reservation = try #require(reservationHeld)
        ledger.settle(reservation, used: 12)  // a provider that answered past its limit
        #expect(ledger.isExhausted && ledger.used == 12)
        let free = ledger.reserve(0)
        #expect(free == nil)
        ledger.reset()
        let after = ledger.reserve(5)
        #expect(after != nil)
    }

    @Test func aRateWindowRefusesUntilItEnds() {
        var window = RateWindow(limit: 2, unit: .rpm)
        let admission1 = window.admit(now: 120)
        #expect(admission1 == .admitted)
        let admission2 = window.admit(now: 150)
        #expect(admission2 == .admitted)
        let admission3 = window.admit(now: 170)
        #expect(admission3 == .refused(retryAfter: 10))
        #expect(window.remaining(now: 170) == 0)
        let admission4 = window.admit(now: 180)
        #expect(admission4 == .admitted, "a new minute")
        #expect(window.remaining(now: 181) == 1)
    }

    @Test func aTokenWindowIsCorrectedByWhatWasUsed() {
        var window = RateWindow(limit: 1000, unit: .rph)
        let admission5 = window.admit(900, now: 0)
        #expect(admission5 == .admitted)
        let admission6 = window.admit(200, now: 1)
        #expect(admission6 == .refused(retryAfter: 3599))
        window.correct(by: -700, now: 2)  // the answer used 200 of the 900 estimated
        let admission7 = window.admit(200, now: 3)
        #expect(admission7 == .admitted)
        #expect(window.remaining(now: 4) == 600)
    }
}
