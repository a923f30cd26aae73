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

/// OpenRouter presets and their versions.
extension SQLStore {
    /// `FOR UPDATE` on PostgreSQL (row locks keep concurrent writers of one row in line); SQLite's
    /// transactions already take turns.
    private static func storedPreset(_ row: any SQLRow) throws -> StoredPreset {
        StoredPreset(
            id: try row.decode(column: "id", as: String.self),
            slug: try row.decode(column: "slug", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            status: try row.decode(column: "status", as: String.self),
            designatedVersionID: try row.decode(column: "designated_version_id", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: String.self),
            updatedAt: try row.decode(column: "updated_at", as: String.self),
            statusUpdatedAt: try row.decode(column: "status_updated_at", as: String?.self)
        )
    }

    private static func storedPresetVersion(_ row: any SQLRow, prefix: String = "") throws -> StoredPresetVersion {
        StoredPresetVersion(
            id: try row.decode(column: prefix + "id", as: String.self),
            presetID: try row.decode(column: prefix + "preset_id", as: String.self),
            version: try row.decode(column: prefix + "version", as: Int.self),
            systemPrompt: try row.decode(column: prefix + "system_prompt", as: String?.self),
            config: try row.decode(column: prefix + "config", as: String.self),
            createdAt: try row.decode(column: prefix + "created_at", as: String.self),
            updatedAt: try row.decode(column: prefix + "updated_at", as: String.self)
        )
    }

    public func listPresets() async throws -> [StoredPreset] {
        try await self.database.raw("SELECT * FROM presets ORDER BY updated_at DESC, slug").all().map(Self.storedPreset)
    }

    public func preset(slug: String) async throws -> StoredPreset? {
        try await self.database.raw("SELECT * FROM presets WHERE slug = \(bind: slug)").first().map(Self.storedPreset)
    }

    public func addPresetVersion(
        slug: String,
        systemPrompt: String?,
        config: String
    ) async throws -> (preset: StoredPreset, version: StoredPresetVersion) {
        let lockRows = self.lockRows
        return try await self.transaction { db in
            let now = Timestamps.now()
            // Creating the preset cannot collide: of two creates racing, one inserts and both go on with it.
            try await db.raw(
                """
                INSERT INTO presets (id, slug, name, description, status, designated_version_id, created_at, updated_at)
                VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: slug), \(bind: slug), NULL, 'active', NULL,
                  \(bind: now), \(bind: now))
                ON CONFLICT (slug) DO NOTHING
                """
            ).run()
            guard
                var preset = try await db.raw("SELECT * FROM presets WHERE slug = \(bind: slug)" + lockRows).first()
                    .map(Self.storedPreset)
            else { throw StoreError.conflict("preset '\(slug)'") }
            let last = try await db.raw(
                "SELECT COALESCE(MAX(version), 0) AS last FROM preset_versions WHERE preset_id = \(bind: preset.id)"
            ).first()
            let version = StoredPresetVersion(
                id: UUID().uuidString.lowercased(),
                presetID: preset.id,
                version: (try last?.decode(column: "last", as: Int.self) ?? 0) + 1,
                systemPrompt: systemPrompt,
                config: config,
                createdAt: now,
                updatedAt: now
            )
            try await db.raw(
                """
                INSERT INTO preset_versions (id, preset_id, version, system_prompt, config, created_at, updated_at)
                VALUES (\(bind: version.id), \(bind: preset.id), \(bind: version.version), \(bind: systemPrompt),
                  \(bind: config), \(bind: now), \(bind: now))
                """
            ).run()
            try await db.raw(
                """
                UPDATE presets SET designated_version_id = \(bind: version.id), updated_at = \(bind: now)
                WHERE id = \(bind: preset.id)
                """
            ).run()
            preset.designatedVersionID = version.id
            preset.updatedAt = now
            try await Self.recordChange(db, entity: "preset", key: slug)
            return (preset, version)
        }
    }

    public func presetVersions(slug: String) async throws -> [StoredPresetVersion]? {
        guard let preset = try await self.preset(slug: slug) else { return nil }
        return try await self.database.raw(
            "SELECT * FROM preset_versions WHERE preset_id = \(bind: preset.id) ORDER BY version"
        ).all().map { try Self.storedPresetVersion($0) }
    }

    public func designatedPresetVersions() async throws -> [(preset: StoredPreset, version: StoredPresetVersion)] {
        try await self.database.raw(
            """
            SELECT p.*, v.id AS v_id, v.preset_id AS v_preset_id, v.version AS v_version,
              v.system_prompt AS v_system_prompt, v.config AS v_config, v.created_at AS v_created_at,
              v.updated_at AS v_updated_at
            FROM presets p JOIN preset_versions v ON v.id = p.designated_version_id
            """
        ).all().map { (try Self.storedPreset($0), try Self.storedPresetVersion($0, prefix: "v_")) }
    }
}
