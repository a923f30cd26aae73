import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

#if canImport(Glibc)
import Glibc
#endif

/// The change mark other processes poll to see that something changed.
extension SQLStore {
    static func recordChange(_ db: any SQLDatabase, entity: String, key: String) async throws {
        try await db.raw(
            "INSERT INTO changes (entity, entity_key, at) VALUES (\(bind: entity), \(bind: key), \(bind: Timestamps.now()))"
        ).run()
    }

    public func changeMark() async throws -> Int64 {
        let row = try await self.database.raw("SELECT COALESCE(MAX(seq), 0) AS mark FROM changes").first()
        return try row?.decode(column: "mark", as: Int64.self) ?? 0
    }
}
