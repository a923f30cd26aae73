import Foundation
import SQLKit

/// Prompt templates and partials with their numbered versions (docs/prompts.md).
extension SQLStore {
    private static func current(_ kind: StoredPrompt.Kind) -> SQLQueryString {
        """
        SELECT p.id, p.slug, p.kind, p.name, p.collection_id, p.status, p.default_version, p.created_at,
          p.last_updated_at, v.id AS version_id, v.version, v.document, v.description, v.label_id,
          v.status AS version_status, v.created_at AS version_created_at
        FROM prompts p JOIN prompt_versions v ON v.prompt_id = p.id AND v.version = p.default_version
        WHERE p.kind = \(bind: kind.rawValue)
        """
    }

    private static func storedPrompt(_ row: any SQLRow) throws -> StoredPrompt {
        let id = try row.decode(column: "id", as: String.self)
        return StoredPrompt(
            id: id,
            slug: try row.decode(column: "slug", as: String.self),
            kind: StoredPrompt.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .prompt,
            name: try row.decode(column: "name", as: String.self),
            collectionID: try row.decode(column: "collection_id", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            defaultVersion: try row.decode(column: "default_version", as: Int.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            lastUpdatedAt: try row.decode(column: "last_updated_at", as: String.self),
            version: StoredPromptVersion(
                id: try row.decode(column: "version_id", as: String.self),
                promptID: id,
                version: try row.decode(column: "version", as: Int.self),
                document: try row.decode(column: "document", as: String.self),
                description: try row.decode(column: "description", as: String?.self),
                labelID: try row.decode(column: "label_id", as: String?.self),
                status: try row.decode(column: "version_status", as: String.self),
                createdAt: try row.decode(column: "version_created_at", as: String.self)
            )
        )
    }

    private static func promptVersion(_ row: any SQLRow) throws -> StoredPromptVersion {
        StoredPromptVersion(
            id: try row.decode(column: "id", as: String.self),
            promptID: try row.decode(column: "prompt_id", as: String.self),
            version: try row.decode(column: "version", as: Int.self),
            document: try row.decode(column: "document", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            labelID: try row.decode(column: "label_id", as: String?.self),
            status: try row.decode(column: "status", as: String.self),
            createdAt: try row.decode(column: "created_at", as: String.self)
        )
    }

    public func listPrompts(kind: StoredPrompt.Kind) async throws -> [StoredPrompt] {
        try await self.database.raw(Self.current(kind) + " ORDER BY p.created_at, p.slug").all().map(Self.storedPrompt)
    }

    public func prompt(kind: StoredPrompt.Kind, key: String) async throws -> StoredPrompt? {
        try await Self.prompt(kind: kind, key: key, in: self.database)
    }

    private static func prompt(
        kind: StoredPrompt.Kind,
        key: String,
        in db: any SQLDatabase
    ) async throws
        -> StoredPrompt?
    {
        try await db.raw(Self.current(kind) + " AND (p.slug = \(bind: key) OR p.id = \(bind: key))").first()
            .map(Self.storedPrompt)
    }

    public func createPrompt(_ new: NewPrompt) async throws -> StoredPrompt {
        do {
            return try await self.transaction { db in
                if try await Self.prompt(kind: new.kind, key: new.slug, in: db) != nil {
                    throw StoreError.conflict("\(new.kind.rawValue) '\(new.slug)'")
                }
                let now = Timestamps.now()
                let id = UUID().uuidString.lowercased()
                try await db.raw(
                    """
                    INSERT INTO prompts (id, slug, kind, name, collection_id, status, default_version, created_at,
                      last_updated_at)
                    VALUES (\(bind: id), \(bind: new.slug), \(bind: new.kind.rawValue), \(bind: new.name),
                      \(bind: new.collectionID), 'active', 1, \(bind: now), \(bind: now))
                    """
                ).run()
                _ = try await Self.addVersion(db, promptID: id, document: new.document, description: new.description)
                try await Self.recordChange(db, entity: new.kind.rawValue, key: new.slug)
                return try await Self.prompt(kind: new.kind, key: id, in: db)!
            }
        } catch let error as StoreError {
            throw error
        } catch {
            if try await self.prompt(kind: new.kind, key: new.slug) != nil {
                throw StoreError.conflict("\(new.kind.rawValue) '\(new.slug)'")
            }
            throw error
        }
    }

    public func updatePrompt(
        kind: StoredPrompt.Kind,
        key: String,
        name: String?,
        document: String?,
        description: String?
    ) async throws -> (prompt: StoredPrompt, version: StoredPromptVersion?)? {
        try await self.transaction { db in
            guard let current = try await Self.prompt(kind: kind, key: key, in: db) else { return nil }
            let version = try await document.asyncMap {
                try await Self.addVersion(db, promptID: current.id, document: $0, description: description)
            }
            try await db.raw(
                """
                UPDATE prompts SET name = \(bind: name ?? current.name), last_updated_at = \(bind: Timestamps.now())
                WHERE id = \(bind: current.id)
                """
            ).run()
            try await Self.recordChange(db, entity: kind.rawValue, key: current.slug)
            return (try await Self.prompt(kind: kind, key: current.id, in: db)!, version)
        }
    }

    public func deletePrompt(kind: StoredPrompt.Kind, key: String) async throws -> Bool {
        try await self.transaction { db in
            guard let current = try await Self.prompt(kind: kind, key: key, in: db) else { return false }
            try await db.raw("DELETE FROM prompt_versions WHERE prompt_id = \(bind: current.id)").run()
            try await db.raw("DELETE FROM prompts WHERE id = \(bind: current.id)").run()
            try await Self.recordChange(db, entity: kind.rawValue, key: current.slug)
            return true
        }
    }

    public func listPromptVersions(kind: StoredPrompt.Kind) async throws -> [StoredPromptVersion] {
        try await self.database.raw(
            """
            SELECT v.* FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id
            WHERE p.kind = \(bind: kind.rawValue) ORDER BY v.prompt_id, v.version
            """
        ).all().map(Self.promptVersion)
    }

    public func promptVersions(kind: StoredPrompt.Kind, key: String) async throws -> [StoredPromptVersion]? {
        guard let current = try await self.prompt(kind: kind, key: key) else { return nil }
        return try await self.database.raw(
            "SELECT * FROM prompt_versions WHERE prompt_id = \(bind: current.id) ORDER BY version DESC"
        ).all().map(Self.promptVersion)
    }

    public func promptVersion(
        kind: StoredPrompt.Kind,
        key: String,
        version: Int
    ) async throws
        -> StoredPromptVersion?
    {
        guard let current = try await self.prompt(kind: kind, key: key) else { return nil }
        return try await self.database.raw(
            "SELECT * FROM prompt_versions WHERE prompt_id = \(bind: current.id) AND version = \(bind: version)"
        ).first().map(Self.promptVersion)
    }

    public func labelPromptVersion(
        kind: StoredPrompt.Kind,
        key: String,
        versionID: String,
        labelID: String?
    ) async throws -> Bool {
        try await self.transaction { db in
            guard let current = try await Self.prompt(kind: kind, key: key, in: db),
                try await db.raw(
                    "SELECT id FROM prompt_versions WHERE prompt_id = \(bind: current.id) AND id = \(bind: versionID)"
                ).first() != nil
            else { return false }
            try await db.raw(
                "UPDATE prompt_versions SET label_id = \(bind: labelID) WHERE id = \(bind: versionID)"
            ).run()
            try await Self.recordChange(db, entity: kind.rawValue, key: current.slug)
            return true
        }
    }

    public func makeDefaultPromptVersion(kind: StoredPrompt.Kind, key: String, version: Int) async throws -> Bool {
        try await self.transaction { db in
            guard let current = try await Self.prompt(kind: kind, key: key, in: db),
                try await db.raw(
                    "SELECT id FROM prompt_versions WHERE prompt_id = \(bind: current.id) AND version = \(bind: version)"
                ).first() != nil
            else { return false }
            try await db.raw(
                """
                UPDATE prompts SET default_version = \(bind: version), last_updated_at = \(bind: Timestamps.now())
                WHERE id = \(bind: current.id)
                """
            ).run()
            try await Self.recordChange(db, entity: kind.rawValue, key: current.slug)
            return true
        }
    }

    /// Adds the next version of a prompt.
    private static func addVersion(
        _ db: any SQLDatabase,
        promptID: String,
        document: String,
        description: String?
    ) async throws -> StoredPromptVersion {
        let next =
            try await db.raw(
                "SELECT COALESCE(MAX(version), 0) + 1 AS next FROM prompt_versions WHERE prompt_id = \(bind: promptID)"
            ).first()?.decode(column: "next", as: Int.self) ?? 1
        let version = StoredPromptVersion(
            id: UUID().uuidString.lowercased(),
            promptID: promptID,
            version: next,
            document: document,
            description: description,
            labelID: nil,
            status: "active",
            createdAt: Timestamps.now()
        )
        try await db.raw(
            """
            INSERT INTO prompt_versions (id, prompt_id, version, document, description, label_id, status, created_at)
            VALUES (\(bind: version.id), \(bind: promptID), \(bind: next), \(bind: document),
              \(bind: description), NULL, 'active', \(bind: version.createdAt))
            """
        ).run()
        return version
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
