import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStore
import Synchronization

/// Tells the store, every `interval`, what this replica's requests used under each limit, gives back slices idle
/// for `idle`, and renews the slices it keeps (a replica that stops renewing for ``PolicyLeases/staleAfter``
/// loses them). On shutdown it reports once more and gives back every free slice.
struct PolicyReporter: Service {
    let book: PolicyBook
    let store: any Store
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: self.interval)
            await PolicyLeases(book: self.book, store: self.store).report(idleFor: 5, logger: self.logger)
        }
        await PolicyLeases(book: self.book, store: self.store).report(idleFor: -1, logger: self.logger)
    }
}

/// The store's side of the policy book: leasing slices and reporting usage.
struct PolicyLeases: Sendable {
    let book: PolicyBook
    let store: any Store
    /// A slice not renewed for this long no longer counts (its replica is taken for gone).
    static let staleAfter: Int64 = 30

    /// Leases what `requests` need; true when the store granted all of it (false: a limit has no more room).
    func lease(_ requests: [PolicyBook.LeaseRequest]) async throws -> Bool {
        var whole = true
        let now = Int64(Date().timeIntervalSince1970)
        for request in requests {
            let lease = try await self.store.leasePolicyAllowance(
                policyID: request.key.policy,
                valueKey: request.key.value,
                period: request.period,
                replica: self.book.replica,
                limit: request.limit,
                want: request.want,
                now: now,
                staleBefore: now - Self.staleAfter
            )
            self.book.granted(lease, for: request)
            if lease.granted < request.want { whole = false }
        }
        return whole
    }

    /// Reports usage; slices unused for `idleFor` seconds go back (all free ones when negative).
    func report(idleFor: Int, logger: Logger) async {
        guard self.book.isActive.load(ordering: .acquiring) || idleFor < 0 else { return }
        let now = Int(Date().timeIntervalSince1970)
        let settlements = self.book.report(idleBefore: idleFor < 0 ? Int.max : now - idleFor)
        do {
            try await self.store.settlePolicyUsage(settlements, replica: self.book.replica, now: Int64(now))
        } catch {
            // Not lost: the usage is reported again with the next batch.
            self.book.unreport(settlements)
            logger.warning("could not report policy usage to the store", metadata: ["error": "\(error)"])
        }
    }
}
