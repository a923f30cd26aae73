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

/// Gateway API keys (hashes only) and their rotation.
extension SQLStore {
    private static func storedKey(_ row: any SQLRow) throws -> StoredAPIKey {
        let scopes = try row.decode(column: "scopes", as: String.self)
        return StoredAPIKey(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            keyHash: try row.decode(column: "key_hash", as: String.self),
            keyHint: try row.decode(column: "key_hint", as: String.self),
            type: try row.decode(column: "type", as: String.self),
            scopes: (try? JSONDecoder().decode([String].self, from: Data(scopes.utf8))) ?? [],
            defaults: try row.decode(column: "defaults", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            lastUpdatedAt: try row.decode(column: "last_updated_at", as: String.self),
            previousKeyHash: try row.decode(column: "previous_key_hash", as: String?.self),
            previousKeyExpiresAt: try row.decode(column: "previous_key_expires_at", as: String?.self),
            limits: try row.decode(column: "limits", as: String.self)
        )
    }

    private static func scopesText(_ scopes: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(scopes)) ?? Data("[]".utf8), as: UTF8.self)
    }

    public func listAPIKeys() async throws -> [StoredAPIKey] {
        try await self.database.raw("SELECT * FROM api_keys ORDER BY created_at, id").all().map(Self.storedKey)
    }

    public func apiKey(id: String) async throws -> StoredAPIKey? {
        try await self.database.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first().map(Self.storedKey)
    }

    public func createAPIKey(_ key: StoredAPIKey) async throws {
        try await self.transaction { db in
            try await db.raw(
                """
                INSERT INTO api_keys (id, name, description, key_hash, key_hint, type, scopes, defaults, status,
                  created_at, last_updated_at, limits)
                VALUES (\(bind: key.id), \(bind: key.name), \(bind: key.description), \(bind: key.keyHash),
                  \(bind: key.keyHint), \(bind: key.type), \(bind: Self.scopesText(key.scopes)), \(bind: key.defaults),
                  \(bind: key.status), \(bind: key.createdAt), \(bind: key.lastUpdatedAt), \(bind: key.limits))
                """
            ).run()
            try await Self.recordChange(db, entity: "api_key", key: key.id)
        }
    }

    public func updateAPIKey(_ key: StoredAPIKey) async throws -> StoredAPIKey? {
        try await self.transaction { db in
            guard try await db.raw("SELECT id FROM api_keys WHERE id = \(bind: key.id)").first() != nil else {
                return nil
            }
            let now = Timestamps.now()
            try await db.raw(
                """
                UPDATE api_keys SET name = \(bind: key.name), description = \(bind: key.description),
                  scopes = \(bind: Self.scopesText(key.scopes)), defaults = \(bind: key.defaults),
                  status = \(bind: key.status), limits = \(bind: key.limits), last_updated_at = \(bind: now)
                WHERE id = \(bind: key.id)
                """
            ).run()
            try await Self.recordChange(db, entity: "api_key", key: key.id)
            return try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: key.id)").first().map(Self.storedKey)
        }
    }

    public func deleteAPIKey(id: String) async throws -> Bool {
        try await self.transaction { db in
            guard try await db.raw("SELECT id FROM api_keys WHERE id = \(bind: id)").first() != nil else {
                return false
            }
            try await db.raw("DELETE FROM api_keys WHERE id = \(bind: id)").run()
            try await Self.recordChange(db, entity: "api_key", key: id)
            return true
        }
    }

    public func rotateAPIKey(
        id: String,
        keyHash: String,
        keyHint: String,
        previousExpiresAt: String?
    ) async throws -> StoredAPIKey? {
        try await self.transaction { db in
            guard
                let current = try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first()
                    .map(Self.storedKey)
            else { return nil }
            let previous = previousExpiresAt == nil ? nil : current.keyHash
            try await db.raw(
                """
                UPDATE api_keys SET key_hash = \(bind: keyHash), key_hint = \(bind: keyHint),
                  previous_key_hash = \(bind: previous), previous_key_expires_at = \(bind: previousExpiresAt),
                  last_updated_at = \(bind: Timestamps.now())
                WHERE id = \(bind: id)
                """
            ).run()
            try await Self.recordChange(db, entity: "api_key", key: id)
            return try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first().map(Self.storedKey)
        }
    }
}
