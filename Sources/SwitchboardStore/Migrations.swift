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
        case 6:
            // The request log (one row per request, written in batches) and feedback on traced requests.
            let real = backend == .sqlite ? "REAL" : "DOUBLE PRECISION"
            return [
                """
                CREATE TABLE request_logs (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, trace_id TEXT NOT NULL,
                  span_id TEXT, parent_span_id TEXT, span_name TEXT, method TEXT NOT NULL, path TEXT NOT NULL,
                  endpoint TEXT NOT NULL, provider TEXT NOT NULL, model TEXT, status INTEGER NOT NULL,
                  duration_ms \(real) NOT NULL, first_byte_ms \(real), upstream_ms \(real),
                  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
                  cache_write_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, usage_source TEXT NOT NULL,
                  cost_cents \(real), stream INTEGER NOT NULL, complete INTEGER NOT NULL, retry_count INTEGER NOT NULL,
                  config TEXT, preset TEXT, virtual_key TEXT, api_key_id TEXT, option_index TEXT,
                  metadata TEXT NOT NULL, request_headers TEXT, request_body TEXT, response_body TEXT,
                  cache_status TEXT NOT NULL)
                """,
                "CREATE INDEX request_logs_by_time ON request_logs (created_at)",
                "CREATE INDEX request_logs_by_trace ON request_logs (trace_id)",
                """
                CREATE TABLE feedback (id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, value INTEGER NOT NULL,
                  weight \(real) NOT NULL, metadata TEXT NOT NULL, created_at TEXT NOT NULL)
                """,
            ]
        case 7:
            // Bytes of the response relayed to the client, so a cut response shows how far it got.
            return ["ALTER TABLE request_logs ADD COLUMN response_bytes INTEGER NOT NULL DEFAULT 0"]
        case 8:
            // Policies (issue 21): the policies, their entities (one row per group value, locked while a slice
            // is leased), and each replica's share of an entity's period: what it used and what it holds.
            let real = backend == .sqlite ? "REAL" : "DOUBLE PRECISION"
            return [
                """
                CREATE TABLE policies (id TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL,
                  status TEXT NOT NULL, created_at TEXT NOT NULL, last_updated_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE policy_entities (id TEXT NOT NULL UNIQUE, policy_id TEXT NOT NULL, value_key TEXT NOT NULL,
                  period TEXT NOT NULL, last_reset_at TEXT, PRIMARY KEY (policy_id, value_key))
                """,
                """
                CREATE TABLE policy_shares (policy_id TEXT NOT NULL, value_key TEXT NOT NULL, replica TEXT NOT NULL,
                  period TEXT NOT NULL, used \(real) NOT NULL, leased \(real) NOT NULL, renewed_at BIGINT NOT NULL,
                  PRIMARY KEY (policy_id, value_key, replica))
                """,
                "ALTER TABLE api_keys ADD COLUMN limits TEXT NOT NULL DEFAULT '{}'",
                "ALTER TABLE request_logs ADD COLUMN refused_by TEXT",
            ]
        case 9:
            // The response cache (issue 22): entries shared by replicas and kept over restarts, and what a hit
            // saved, in the request log.
            let real = backend == .sqlite ? "REAL" : "DOUBLE PRECISION"
            let bytes = backend == .sqlite ? "BLOB" : "BYTEA"
            return [
                """
                CREATE TABLE cache_entries (key TEXT PRIMARY KEY, namespace TEXT NOT NULL, source_id TEXT NOT NULL,
                  status INTEGER NOT NULL,
                  content_type TEXT NOT NULL, event_stream INTEGER NOT NULL, body \(bytes) NOT NULL,
                  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cost_cents \(real),
                  stored_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)
                """,
                "CREATE INDEX cache_entries_expiry ON cache_entries (expires_at)",
                "CREATE INDEX cache_entries_namespace ON cache_entries (namespace)",
                "ALTER TABLE request_logs ADD COLUMN cache_saved_cents \(real)",
            ]
        case 10:
            // Guardrails (issue 23): their results in the request log; saved guardrails are versioned documents
            // like configs, in the same tables.
            return [
                "ALTER TABLE request_logs ADD COLUMN hook_results TEXT",
                "ALTER TABLE request_logs ADD COLUMN prompt_slug TEXT",
                "ALTER TABLE configs ADD COLUMN kind TEXT NOT NULL DEFAULT 'config'",
                // Prompt templates and partials, with numbered versions and a default one.
                """
                CREATE TABLE prompts (id TEXT PRIMARY KEY, slug TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
                  collection_id TEXT NOT NULL, status TEXT NOT NULL, default_version INTEGER NOT NULL,
                  created_at TEXT NOT NULL, last_updated_at TEXT NOT NULL, UNIQUE (kind, slug))
                """,
                """
                CREATE TABLE prompt_versions (id TEXT PRIMARY KEY, prompt_id TEXT NOT NULL, version INTEGER NOT NULL,
                  document TEXT NOT NULL, description TEXT, label_id TEXT, status TEXT NOT NULL,
                  created_at TEXT NOT NULL, UNIQUE (prompt_id, version))
                """,
            ]
        default:
            return []
        }
    }

    static let latest = 10
}
