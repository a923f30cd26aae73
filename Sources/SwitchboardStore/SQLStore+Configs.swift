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

/// Portkey configs and saved guardrails, versioned documents of one table told apart by their `kind` (their slugs
/// share one namespace: a guardrail's begin with `guard_`).
extension SQLStore {
    /// The kinds of versioned document.
    enum DocumentKind: String {
        case config, guardrail
    }

    private static func current(_ kind: DocumentKind) -> SQLQueryString {
        """
        SELECT c.id, c.slug, c.name, c.is_default, c.status, c.created_at, c.last_updated_at,
          v.id AS version_id, v.config
        FROM configs c JOIN config_versions v ON v.config_id = c.id
        WHERE v.seq = (SELECT MAX(seq) FROM config_versions WHERE config_id = c.id) AND c.kind = \(bind: kind.rawValue)
        """
    }

    private static func storedConfig(_ row: any SQLRow) throws -> StoredConfig {
        StoredConfig(
            id: try row.decode(column: "id", as: String.self),
            slug: try row.decode(column: "slug", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            isDefault: try row.decode(column: "is_default", as: Int.self) != 0,
            status: try row.decode(column: "status", as: String.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            lastUpdatedAt: try row.decode(column: "last_updated_at", as: String.self),
            versionID: try row.decode(column: "version_id", as: String.self),
            config: try row.decode(column: "config", as: String.self)
        )
    }

    public func listConfigs() async throws -> [StoredConfig] { try await self.documents(.config) }
    public func config(slug: String) async throws -> StoredConfig? { try await self.document(.config, slug: slug) }
    public func createConfig(slug: String, name: String, config: String, isDefault: Bool) async throws -> StoredConfig {
        try await self.createDocument(.config, slug: slug, name: name, text: config, isDefault: isDefault)
    }
    public func updateConfig(
        slug: String,
        name: String?,
        config: String?,
        status: String?
    ) async throws
        -> StoredConfig?
    {
        try await self.updateDocument(.config, slug: slug, name: name, text: config, status: status)
    }
    public func deleteConfig(slug: String) async throws -> Bool { try await self.deleteDocument(.config, slug: slug) }
    public func configVersions(slug: String) async throws -> [StoredConfigVersion]? {
        try await self.versions(.config, slug: slug)
    }

    public func listGuardrails() async throws -> [StoredConfig] { try await self.documents(.guardrail) }
    public func guardrail(slug: String) async throws -> StoredConfig? {
        try await self.document(.guardrail, slug: slug)
    }
    public func createGuardrail(slug: String, name: String, guardrail: String) async throws -> StoredConfig {
        try await self.createDocument(.guardrail, slug: slug, name: name, text: guardrail, isDefault: false)
    }
    public func updateGuardrail(slug: String, name: String?, guardrail: String?) async throws -> StoredConfig? {
        try await self.updateDocument(.guardrail, slug: slug, name: name, text: guardrail, status: nil)
    }
    public func deleteGuardrail(slug: String) async throws -> Bool {
        try await self.deleteDocument(.guardrail, slug: slug)
    }
    public func guardrailVersions(slug: String) async throws -> [StoredConfigVersion]? {
        try await self.versions(.guardrail, slug: slug)
    }

    private func documents(_ kind: DocumentKind) async throws -> [StoredConfig] {
        try await self.database.raw(Self.current(kind) + " ORDER BY c.created_at, c.slug").all().map(Self.storedConfig)
    }

    private func document(_ kind: DocumentKind, slug: String) async throws -> StoredConfig? {
        try await Self.document(kind, slug: slug, in: self.database)
    }

    private static func document(
        _ kind: DocumentKind,
        slug: String,
        in db: any SQLDatabase
    ) async throws
        -> StoredConfig?
    {
        try await db.raw(Self.current(kind) + " AND c.slug = \(bind: slug)").first().map(Self.storedConfig)
    }

    private func createDocument(
        _ kind: DocumentKind,
        slug: String,
        name: String,
        text config: String,
        isDefault: Bool
    ) async throws -> StoredConfig {
        do {
            return try await self.transaction { db in
                // Slugs are unique over both kinds.
                let taken = try await db.raw("SELECT id FROM configs WHERE slug = \(bind: slug)").first() != nil
                if taken { throw StoreError.conflict("\(kind.rawValue) '\(slug)'") }
                let now = Timestamps.now()
                let id = UUID().uuidString.lowercased()
                try await db.raw(
                    """
                    INSERT INTO configs (id, slug, name, is_default, status, created_at, last_updated_at, kind)
                    VALUES (\(bind: id), \(bind: slug), \(bind: name), \(bind: isDefault ? 1 : 0), 'active', \(bind: now), \(bind: now),
                      \(bind: kind.rawValue))
                    """
                ).run()
                let version = try await Self.addVersion(db, configID: id, name: name, status: "active", config: config)
                try await Self.recordChange(db, entity: kind.rawValue, key: slug)
                return StoredConfig(
                    id: id,
                    slug: slug,
                    name: name,
                    isDefault: isDefault,
                    status: "active",
                    createdAt: now,
                    lastUpdatedAt: now,
                    versionID: version,
                    config: config
                )
            }
        } catch let error as StoreError {
            throw error
        } catch {
            // Two creates of one slug at once: the loser hits the unique constraint.
            if try await self.document(kind, slug: slug) != nil {
                throw StoreError.conflict("\(kind.rawValue) '\(slug)'")
            }
            throw error
        }
    }

    private func updateDocument(
        _ kind: DocumentKind,
        slug: String,
        name: String?,
        text config: String?,
        status: String?
    ) async throws -> StoredConfig? {
        try await self.transaction { db in
            guard var current = try await Self.document(kind, slug: slug, in: db) else { return nil }
            current.name = name ?? current.name
            current.status = status ?? current.status
            current.config = config ?? current.config
            current.lastUpdatedAt = Timestamps.now()
            current.versionID = try await Self.addVersion(
                db,
                configID: current.id,
                name: current.name,
                status: current.status,
                config: current.config
            )
            try await db.raw(
                """
                UPDATE configs SET name = \(bind: current.name), status = \(bind: current.status),
                  last_updated_at = \(bind: current.lastUpdatedAt) WHERE id = \(bind: current.id)
                """
            ).run()
            try await Self.recordChange(db, entity: kind.rawValue, key: slug)
            return current
        }
    }

    private func deleteDocument(_ kind: DocumentKind, slug: String) async throws -> Bool {
        try await self.transaction { db in
            guard let current = try await Self.document(kind, slug: slug, in: db) else { return false }
            try await db.raw("DELETE FROM config_versions WHERE config_id = \(bind: current.id)").run()
            try await db.raw("DELETE FROM configs WHERE id = \(bind: current.id)").run()
            try await Self.recordChange(db, entity: kind.rawValue, key: slug)
            return true
        }
    }

    private func versions(_ kind: DocumentKind, slug: String) async throws -> [StoredConfigVersion]? {
        guard let current = try await self.document(kind, slug: slug) else { return nil }
        return try await self.database.raw(
            """
            SELECT id, name, status, config, created_at FROM config_versions
            WHERE config_id = \(bind: current.id) ORDER BY seq DESC
            """
        ).all().map { row in
            StoredConfigVersion(
                versionID: try row.decode(column: "id", as: String.self),
                name: try row.decode(column: "name", as: String.self),
                status: try row.decode(column: "status", as: String.self),
                config: try row.decode(column: "config", as: String.self),
                createdAt: try row.decode(column: "created_at", as: String.self)
            )
        }
    }

    private static func addVersion(
        _ db: any SQLDatabase,
        configID: String,
        name: String,
        status: String,
        config: String
    ) async throws -> String {
        let id = UUID().uuidString.lowercased()
        try await db.raw(
            """
            INSERT INTO config_versions (id, config_id, name, status, config, created_at)
            VALUES (\(bind: id), \(bind: configID), \(bind: name), \(bind: status), \(bind: config), \(bind: Timestamps.now()))
            """
        ).run()
        return id
    }
}
