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

/// Provider credentials (Portkey virtual keys and providers), secrets encrypted by the caller.
extension SQLStore {
    private static func storedCredential(_ row: any SQLRow) throws -> StoredCredential {
        let kind = try row.decode(column: "kind", as: String.self)
        return StoredCredential(
            id: try row.decode(column: "id", as: String.self),
            slug: try row.decode(column: "slug", as: String.self),
            kind: CredentialKind(rawValue: kind) ?? .provider,
            name: try row.decode(column: "name", as: String.self),
            provider: try row.decode(column: "provider", as: String.self),
            integration: try row.decode(column: "integration", as: String?.self),
            sealedSecret: try row.decode(column: "sealed_secret", as: String?.self),
            secretHint: try row.decode(column: "secret_hint", as: String?.self),
            details: try row.decode(column: "details", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            lastUpdatedAt: try row.decode(column: "last_updated_at", as: String.self)
        )
    }

    private static func kindList(_ kinds: [CredentialKind]) -> SQLQueryString {
        var list: SQLQueryString = "("
        for (index, kind) in kinds.enumerated() {
            list = list + (index == 0 ? "" : ", ") + "\(bind: kind.rawValue)"
        }
        return list + ")"
    }

    public func listCredentials(kinds: [CredentialKind]) async throws -> [StoredCredential] {
        try await self.database.raw(
            "SELECT * FROM credentials WHERE kind IN " + Self.kindList(kinds) + " ORDER BY created_at, slug"
        ).all().map(Self.storedCredential)
    }

    public func credential(slug: String, kinds: [CredentialKind]) async throws -> StoredCredential? {
        try await Self.credential(slug: slug, kinds: kinds, in: self.database)
    }

    private static func credential(
        slug: String,
        kinds: [CredentialKind],
        in db: any SQLDatabase
    ) async throws -> StoredCredential? {
        try await db.raw(
            "SELECT * FROM credentials WHERE slug = \(bind: slug) AND kind IN " + Self.kindList(kinds)
        ).first().map(Self.storedCredential)
    }

    public func createCredential(_ credential: StoredCredential) async throws {
        let taken = StoreError.conflict(
            "\(credential.kind == .integration ? "integration" : "provider") '\(credential.slug)'"
        )
        do {
            try await self.transaction { db in
                if try await Self.credential(slug: credential.slug, kinds: credential.kind.namespace, in: db) != nil {
                    throw taken
                }
                try await db.raw(
                    """
                    INSERT INTO credentials (id, slug, kind, name, provider, integration, sealed_secret, secret_hint,
                      details, status, created_at, last_updated_at)
                    VALUES (\(bind: credential.id), \(bind: credential.slug), \(bind: credential.kind.rawValue),
                      \(bind: credential.name), \(bind: credential.provider), \(bind: credential.integration),
                      \(bind: credential.sealedSecret), \(bind: credential.secretHint), \(bind: credential.details),
                      \(bind: credential.status), \(bind: credential.createdAt), \(bind: credential.lastUpdatedAt))
                    """
                ).run()
                try await Self.recordChange(db, entity: "credential", key: credential.slug)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            // Two creates of one slug at once: the loser hits the unique constraint.
            if try await self.credential(slug: credential.slug, kinds: credential.kind.namespace) != nil { throw taken }
            throw error
        }
    }

    public func updateCredential(_ credential: StoredCredential) async throws -> StoredCredential? {
        try await self.transaction { db in
            guard try await Self.credential(slug: credential.slug, kinds: [credential.kind], in: db) != nil else {
                return nil
            }
            try await db.raw(
                """
                UPDATE credentials SET name = \(bind: credential.name), provider = \(bind: credential.provider),
                  integration = \(bind: credential.integration), sealed_secret = \(bind: credential.sealedSecret),
                  secret_hint = \(bind: credential.secretHint), details = \(bind: credential.details),
                  status = \(bind: credential.status), last_updated_at = \(bind: Timestamps.now())
                WHERE slug = \(bind: credential.slug) AND kind = \(bind: credential.kind.rawValue)
                """
            ).run()
            try await Self.recordChange(db, entity: "credential", key: credential.slug)
            return try await Self.credential(slug: credential.slug, kinds: [credential.kind], in: db)
        }
    }

    public func deleteCredential(slug: String, kind: CredentialKind) async throws -> Bool {
        try await self.transaction { db in
            guard try await Self.credential(slug: slug, kinds: [kind], in: db) != nil else { return false }
            if kind == .integration {
                let users = try await db.raw(
                    "SELECT slug FROM credentials WHERE kind = 'provider' AND integration = \(bind: slug) ORDER BY slug"
                ).all().map { try $0.decode(column: "slug", as: String.self) }
                if !users.isEmpty {
                    throw StoreError.inUse(
                        "Integration '\(slug)' is used by provider \(users.map { "'\($0)'" }.joined(separator: ", ")); "
                            + "delete \(users.count == 1 ? "it" : "them") first."
                    )
                }
            }
            try await db.raw(
                "DELETE FROM credentials WHERE slug = \(bind: slug) AND kind = \(bind: kind.rawValue)"
            ).run()
            try await Self.recordChange(db, entity: "credential", key: slug)
            return true
        }
    }
}
