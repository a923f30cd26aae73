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

/// The models registry, with strong ETags.
extension SQLStore {
    private static func storedModel(_ row: any SQLRow) throws -> StoredRegistryModel {
        StoredRegistryModel(
            project: try row.decode(column: "project", as: String.self),
            id: try row.decode(column: "model_id", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            sealedAPIKey: try row.decode(column: "sealed_api_key", as: String?.self),
            etag: try row.decode(column: "etag", as: String.self),
            isDefault: try row.decode(column: "is_default", as: Int.self) != 0,
            createdAt: try row.decode(column: "created_at", as: String.self),
            updatedAt: try row.decode(column: "updated_at", as: String.self)
        )
    }

    public func listRegistryModels(project: String?) async throws -> [StoredRegistryModel] {
        let filter: SQLQueryString = project.map { " WHERE project = \(bind: $0)" } ?? ""
        return try await self.database.raw("SELECT * FROM registry_models" + filter + " ORDER BY project, model_id")
            .all().map(Self.storedModel)
    }

    public func registryModel(project: String, id: String) async throws -> StoredRegistryModel? {
        try await self.database.raw(
            "SELECT * FROM registry_models WHERE project = \(bind: project) AND model_id = \(bind: id)"
        ).first().map(Self.storedModel)
    }

    public func putRegistryModel(_ model: StoredRegistryModel, ifMatch: String?) async throws -> RegistryPutOutcome {
        let lockRows = self.lockRows
        let attempt: @Sendable () async throws -> RegistryPutOutcome = {
            try await self.transaction { db in
                let current = try await db.raw(
                    """
                    SELECT * FROM registry_models WHERE project = \(bind: model.project) AND model_id = \(bind: model.id)
                    """ + lockRows
                ).first().map(Self.storedModel)
                if let ifMatch {
                    guard let current else { return .staleIfMatch }
                    guard current.etag == ifMatch else { return .etagMismatch }
                }
                if model.isDefault,
                    let other = try await db.raw(
                        """
                        SELECT model_id FROM registry_models WHERE project = \(bind: model.project) AND is_default = 1
                          AND model_id <> \(bind: model.id)
                        """
                    ).first()
                {
                    return .defaultTaken(try other.decode(column: "model_id", as: String.self))
                }
                var stored = model
                if let current {
                    stored.createdAt = current.createdAt
                    try await db.raw(
                        """
                        UPDATE registry_models SET body = \(bind: stored.body), sealed_api_key = \(bind: stored.sealedAPIKey),
                          etag = \(bind: stored.etag), is_default = \(bind: stored.isDefault ? 1 : 0),
                          updated_at = \(bind: stored.updatedAt)
                        WHERE project = \(bind: stored.project) AND model_id = \(bind: stored.id)
                        """
                    ).run()
                } else {
                    try await db.raw(
                        """
                        INSERT INTO registry_models (project, model_id, body, sealed_api_key, etag, is_default,
                          created_at, updated_at)
                        VALUES (\(bind: stored.project), \(bind: stored.id), \(bind: stored.body),
                          \(bind: stored.sealedAPIKey), \(bind: stored.etag), \(bind: stored.isDefault ? 1 : 0),
                          \(bind: stored.createdAt), \(bind: stored.updatedAt))
                        """
                    ).run()
                }
                try await Self.recordChange(db, entity: "model", key: "\(model.project)/\(model.id)")
                return current == nil ? .created(stored) : .replaced(stored)
            }
        }
        do {
            return try await attempt()
        } catch {
            // Two creates of one new id at once: the loser hits the primary key, and then replaces (or not).
            guard try await self.registryModel(project: model.project, id: model.id) != nil else { throw error }
            return try await attempt()
        }
    }

    public func deleteRegistryModel(project: String, id: String) async throws -> Bool {
        try await self.transaction { db in
            guard
                try await db.raw(
                    "SELECT model_id FROM registry_models WHERE project = \(bind: project) AND model_id = \(bind: id)"
                ).first() != nil
            else { return false }
            try await db.raw(
                "DELETE FROM registry_models WHERE project = \(bind: project) AND model_id = \(bind: id)"
            ).run()
            try await Self.recordChange(db, entity: "model", key: "\(project)/\(id)")
            return true
        }
    }
}
