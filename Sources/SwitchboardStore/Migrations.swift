/// The schema, as numbered steps. A step is never edited once released: changes are new steps.
enum Migrations {
    enum Backend { case sqlite, postgres }

    /// The statements of step `version` for `backend`.
    static func statements(_ version: Int, _ backend: Backend) -> [String] {
        let serial = backend == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        switch version {
        case 1:
            return [
                """
                CREATE TABLE configs (id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
                  is_default INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, created_at TEXT NOT NULL,
                  last_updated_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE config_versions (seq \(serial), id TEXT NOT NULL UNIQUE, config_id TEXT NOT NULL,
                  name TEXT NOT NULL, status TEXT NOT NULL, config TEXT NOT NULL, created_at TEXT NOT NULL)
                """,
                "CREATE TABLE changes (seq \(serial), entity TEXT NOT NULL, entity_key TEXT NOT NULL, at TEXT NOT NULL)",
            ]
        case 2:
            return ["CREATE INDEX config_versions_by_config ON config_versions (config_id, seq)"]
        case 3:
            return [
                """
                CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,
                  key_hash TEXT NOT NULL UNIQUE, key_hint TEXT NOT NULL, type TEXT NOT NULL, scopes TEXT NOT NULL,
                  defaults TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, last_updated_at TEXT NOT NULL)
                """
            ]
        case 4:
            // Provider credentials: integrations, providers and virtual keys are views over this one table.
            // Secrets are sealed by the server before they arrive; `details` holds each view's other fields.
            // A key rotation keeps the previous hash valid until its transition ends.
            return [
                """
                CREATE TABLE credentials (id TEXT PRIMARY KEY, slug TEXT NOT NULL, kind TEXT NOT NULL,
                  name TEXT NOT NULL, provider TEXT NOT NULL, integration TEXT, sealed_secret TEXT, secret_hint TEXT,
                  details TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, last_updated_at TEXT NOT NULL,
                  UNIQUE (kind, slug))
                """,
                "ALTER TABLE api_keys ADD COLUMN previous_key_hash TEXT",
                "ALTER TABLE api_keys ADD COLUMN previous_key_expires_at TEXT",
            ]
        case 5:
            // OpenRouter presets with numbered versions, and the models registry (one row per project and id;
            // `body` is the model's JSON without its secret, which is sealed apart).
            return [
                """
                CREATE TABLE presets (id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
                  description TEXT, status TEXT NOT NULL, designated_version_id TEXT, created_at TEXT NOT NULL,
                  updated_at TEXT NOT NULL, status_updated_at TEXT)
                """,
                """
                CREATE TABLE preset_versions (id TEXT PRIMARY KEY, preset_id TEXT NOT NULL, version INTEGER NOT NULL,
                  system_prompt TEXT, config TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                  UNIQUE (preset_id, version))
                """,
                """
                CREATE TABLE registry_models (project TEXT NOT NULL, model_id TEXT NOT NULL, body TEXT NOT NULL,
                  sealed_api_key TEXT, etag TEXT NOT NULL, is_default INTEGER NOT NULL, created_at TEXT NOT NULL,
                  updated_at TEXT NOT NULL, PRIMARY KEY (project, model_id))
                """,
            ]
        default:
            return []
        }
    }

    static let latest = 5
}
