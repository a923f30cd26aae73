import Foundation
import SwitchboardCore
import Testing

/// A replica's share of an entity's allowance, and the pieces the policy stage reads: periods and worst cases.
@Suite struct PolicyShareTests {
    @Test func requestsReserveFromTheSliceAndSettleToWhatTheyUsed() {
        var share = PolicyShare(period: "")
        let tooEarly = share.reserve(10, now: 0)
        #expect(!tooEarly)
        share.granted(100, used: 40, period: "")
        #expect(share.knownUsed == 40)
        let fits = share.reserve(60, now: 1)
        #expect(fits)
        #expect(share.free == 40)
        let tooMuch = share.reserve(41, now: 1)
        #expect(!tooMuch)
        share.settle(60, used: 25)
        #expect(share.held == 75)
        #expect(share.free == 75)
        #expect(share.knownUsed == 65)
        let report = share.report(returning: false)
        #expect(report.used == 25 && report.returned == 0)
        let idle = share.report(returning: true)
        #expect(idle.used == 0 && idle.returned == 75)
        #expect(share.held == 0)
    }

    @Test func aNewPeriodVoidsTheSliceButKeepsReservations() {
        var share = PolicyShare(period: "2026-12-03T10:00:00Z")
        share.granted(10, used: 0, period: share.period)
        let reserved = share.reserve(6, now: 0)
        #expect(reserved)
        share.moveTo("2026-12-03T10:01:00Z")
        #expect(share.held == 0)
        #expect(share.reserved == 6)
        #expect(share.free == 0)
        share.granted(10, used: 0, period: "2026-12-03T10:01:00Z")
        // The old reservation counts against the new slice until it settles: on the safe side.
        #expect(share.free == 4)
        share.settle(6, used: 6)
        #expect(share.free == 4)
    }

    /// Replicas leasing from one store-side count never hold more than the limit, and requests that stay within
    /// their reservations never use more than it — whatever the order of leases, requests and reports.
    @Test func replicasTogetherStayWithinTheLimit() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let limit = Double(Int.random(in: 50...500, using: &random))
            var storeUsed = 0.0
            var storeLeased = [0.0, 0.0, 0.0]
            var shares = [PolicyShare(period: ""), PolicyShare(period: ""), PolicyShare(period: "")]
            var inFlight: [(replica: Int, amount: Double)] = []
            var answered = 0.0
            for _ in 0..<300 {
                let replica = Int.random(in: 0..<3, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0:
                    let amount = Double(Int.random(in: 1...40, using: &random))
                    if shares[replica].reserve(amount, now: 0) {
                        inFlight.append((replica, amount))
                    } else {
                        let want = max(amount - shares[replica].free, limit * 0.1)
                        let granted = max(0, min(want, limit - storeUsed - storeLeased.reduce(0, +)))
                        storeLeased[replica] += granted
                        shares[replica].granted(granted, used: storeUsed, period: "")
                    }
                case 1 where !inFlight.isEmpty:
                    let request = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &random))
                    let used = Double(Int.random(in: 0...Int(request.amount), using: &random))
                    shares[request.replica].settle(request.amount, used: used)
                    answered += used
                case 2:
                    let (used, returned) = shares[replica].report(returning: Bool.random(using: &random))
                    storeUsed += used
                    storeLeased[replica] = max(0, storeLeased[replica] - used - returned)
                default:
                    break
                }
                #expect(answered <= limit)
                #expect(storeUsed + storeLeased.reduce(0, +) <= limit + 1e-9)
            }
        }
    }

    @Test func periodsAreKeyedByTheirStartAndEndWhenTheyEnd() {
        let scope = PolicyScope(conditions: [], groupBy: ["api_key"])
        // 2026-12-03T10:15:30Z
        let now = 1_796_292_930
        let rpm = LimitPolicy(id: "r", owner: "r", scope: scope, measure: .requests, limit: 5, period: .window(.rpm))
        #expect(rpm.period(at: now).key == "2026-12-03T10:15:00Z")
        #expect(rpm.period(at: now).end == now + 30)
        let monthly = LimitPolicy(
            id: "u",
            owner: "u",
            scope: scope,
            measure: .cost,
            limit: 500,
            period: .periodic(.monthly)
        )
        #expect(monthly.period(at: now).key == "2026-12-01T00:00:00Z")
        let cumulative = LimitPolicy(id: "c", owner: "c", scope: scope, measure: .tokens, limit: 5, period: .cumulative)
        #expect(cumulative.period(at: now).key == "")
        #expect(cumulative.period(at: now).end == nil)
        #expect(rpm.isRate && !monthly.isRate)
    }

    @Test func theWorstCaseReadsEachProtocolsOutputLimit() {
        func worst(_ body: String) -> WorstCase {
            Array(body.utf8).withUnsafeBytes { WorstCase(body: $0, defaultOutput: 4096) }
        }
        #expect(worst(#"{"model":"m","max_tokens":100}"#).outputTokens == 100)
        #expect(worst(#"{"max_completion_tokens": 7, "model":"m"}"#).outputTokens == 7)
        #expect(worst(#"{"max_output_tokens":12}"#).outputTokens == 12)
        #expect(worst(#"{"generationConfig":{"maxOutputTokens":30}}"#).outputTokens == 30)
        #expect(worst(#"{"model":"m"}"#).outputTokens == 4096)
        #expect(worst(#"{"model":"m"}"#).promptTokens == 4)
        let embedding = Array(#"{"input":"abc"}"#.utf8).withUnsafeBytes {
            WorstCase(body: $0, defaultOutput: 4096, answers: false)
        }
        #expect(embedding.outputTokens == 0)
    }
}
