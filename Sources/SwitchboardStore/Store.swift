import Foundation

/// Where Switchboard keeps its state. One protocol, two implementations sharing their SQL (``SQLStore`` over
/// SQLite or PostgreSQL). The data plane never calls it per request: it reads snapshots the server refreshes
/// when ``changeMark()`` moves.
public protocol Store: Sendable {
    /// Applies the migrations not applied yet (all of them, or up to `version`).
    func migrate(upTo version: Int?) async throws
    /// The schema version in the database (0 when empty).
    func schemaVersion() async throws -> Int

    func listConfigs() async throws -> [StoredConfig]
    /// The config with its current version, or `nil`.
    func config(slug: String) async throws -> StoredConfig?
    /// Creates a config and its first version.
    /// - Throws: ``StoreError/conflict(_:)`` when the slug is taken.
    func createConfig(slug: String, name: String, config: String, isDefault: Bool) async throws -> StoredConfig
    /// Adds a version (every update does) and returns the config as it now is; `nil` when there is no such config.
    func updateConfig(slug: String, name: String?, config: String?, status: String?) async throws -> StoredConfig?
    /// Deletes a config and its versions; false when there was none.
    func deleteConfig(slug: String) async throws -> Bool
    /// Every version, newest first; `nil` when there is no such config.
    func configVersions(slug: String) async throws -> [StoredConfigVersion]?

    func listAPIKeys() async throws -> [StoredAPIKey]
    func apiKey(id: String) async throws -> StoredAPIKey?
    /// Stores a key by its hash (the plaintext never reaches the store).
    func createAPIKey(_ key: StoredAPIKey) async throws
    /// Replaces the changeable fields (name, description, scopes, defaults, status); `nil` when there is none.
    func updateAPIKey(_ key: StoredAPIKey) async throws -> StoredAPIKey?
    func deleteAPIKey(id: String) async throws -> Bool
    /// Replaces a key's hash, keeping the old one valid until `previousExpiresAt` (when given); `nil` when
    /// there is no such key.
    func rotateAPIKey(
        id: String,
        keyHash: String,
        keyHint: String,
        previousExpiresAt: String?
    ) async throws
        -> StoredAPIKey?

    /// Every credential of the given kinds, oldest first.
    func listCredentials(kinds: [CredentialKind]) async throws -> [StoredCredential]
    /// The credential of one of `kinds` with `slug`, or `nil`.
    func credential(slug: String, kinds: [CredentialKind]) async throws -> StoredCredential?
    /// - Throws: ``StoreError/conflict(_:)`` when the slug is taken in the credential's namespace.
    func createCredential(_ credential: StoredCredential) async throws
    /// Replaces the changeable fields (everything but id, slug, kind, created_at); `nil` when there is none.
    func updateCredential(_ credential: StoredCredential) async throws -> StoredCredential?
    /// - Throws: ``StoreError/inUse(_:)`` when providers still draw on an integration being deleted.
    func deleteCredential(slug: String, kind: CredentialKind) async throws -> Bool

    /// Presets, most recently updated first.
    func listPresets() async throws -> [StoredPreset]
    func preset(slug: String) async throws -> StoredPreset?
    /// Adds a version to preset `slug` (creating the preset first when there is none) and designates it.
    /// Concurrent calls get consecutive version numbers.
    func addPresetVersion(
        slug: String,
        systemPrompt: String?,
        config: String
    ) async throws
        -> (preset: StoredPreset, version: StoredPresetVersion)
    /// Versions oldest first; `nil` when there is no such preset.
    func presetVersions(slug: String) async throws -> [StoredPresetVersion]?
    /// Every preset with its designated version (the snapshot's read).
    func designatedPresetVersions() async throws -> [(preset: StoredPreset, version: StoredPresetVersion)]

    /// Models of `project` (every project when `nil`), by id.
    func listRegistryModels(project: String?) async throws -> [StoredRegistryModel]
    func registryModel(project: String, id: String) async throws -> StoredRegistryModel?
    /// Creates or replaces a model unless `ifMatch` (an ETag) disagrees with the stored one.
    func putRegistryModel(_ model: StoredRegistryModel, ifMatch: String?) async throws -> RegistryPutOutcome
    func deleteRegistryModel(project: String, id: String) async throws -> Bool

    /// Appends request log records, in order. On failure it throws ``RequestLogPartialWrite`` when some were
    /// stored (SQLite commits every 128), any other error when none were.
    func insertRequestLogs(_ records: [RequestLogRecord]) async throws
    func requestLog(id: String) async throws -> RequestLogRecord?
    /// Records matching `filter`, newest first, and how many match in all.
    func listRequestLogs(
        filter: RequestLogFilter,
        limit: Int,
        offset: Int
    ) async throws
        -> (records: [RequestLogRecord], total: Int)
    /// Sums per time bucket: records grouped by the first `width` characters of their timestamp.
    func requestLogBuckets(filter: RequestLogFilter, width: Int) async throws -> [RequestLogBucket]
    /// Every matching record's duration with its time bucket (the first `width` characters of its timestamp),
    /// for percentiles.
    func requestLogDurations(filter: RequestLogFilter, width: Int) async throws -> [(bucket: String, ms: Double)]
    /// Matching records with status ≥ 400, counted by status.
    func requestLogErrorCounts(filter: RequestLogFilter) async throws -> [(status: Int, count: Int)]
    func addFeedback(_ feedback: StoredFeedback) async throws
    /// `nil` when there is no such feedback.
    func updateFeedback(id: String, value: Int, weight: Double, metadata: String) async throws -> StoredFeedback?

    /// A number that grows with every write, for replicas to notice changes cheaply.
    func changeMark() async throws -> Int64
    func close() async
}

extension Store {
    public func migrate() async throws { try await self.migrate(upTo: nil) }
}

/// A config as stored: its identity and its current version.
public struct StoredConfig: Sendable, Equatable {
    public var id: String
    public var slug: String
    public var name: String
    public var isDefault: Bool
    public var status: String
    public var createdAt: String
    public var lastUpdatedAt: String
    /// The current version's id and JSON text.
    public var versionID: String
    public var config: String
}

/// A gateway API key: its SHA-256 hash, never the key.
public struct StoredAPIKey: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    public var keyHash: String
    /// The masked key shown by listings (`sb-…abcd`).
    public var keyHint: String
    /// Portkey's key type, e.g. `workspace-service`.
    public var type: String
    public var scopes: [String]
    /// JSON object: `config_id`, `metadata`, `allow_config_override`.
    public var defaults: String
    public var status: String
    public var createdAt: String
    public var lastUpdatedAt: String
    /// After a rotation, the replaced key's hash stays valid until `previousKeyExpiresAt`.
    public var previousKeyHash: String?
    public var previousKeyExpiresAt: String?

    public init(
        id: String,
        name: String,
        description: String,
        keyHash: String,
        keyHint: String,
        type: String,
        scopes: [String],
        defaults: String,
        status: String = "active",
        createdAt: String = Timestamps.now(),
        lastUpdatedAt: String = Timestamps.now(),
        previousKeyHash: String? = nil,
        previousKeyExpiresAt: String? = nil
    ) {
        self.previousKeyHash = previousKeyHash
        self.previousKeyExpiresAt = previousKeyExpiresAt
        self.id = id
        self.name = name
        self.description = description
        self.keyHash = keyHash
        self.keyHint = keyHint
        self.type = type
        self.scopes = scopes
        self.defaults = defaults
        self.status = status
        self.createdAt = createdAt
        self.lastUpdatedAt = lastUpdatedAt
    }
}

/// An OpenRouter preset: a named, versioned bundle of model and parameters.
public struct StoredPreset: Sendable, Equatable {
    public var id: String
    public var slug: String
    public var name: String
    public var description: String?
    public var status: String
    public var designatedVersionID: String?
    public var createdAt: String
    public var updatedAt: String
    public var statusUpdatedAt: String?
}

public struct StoredPresetVersion: Sendable, Equatable {
    public var id: String
    public var presetID: String
    /// 1, 2, … per preset.
    public var version: Int
    public var systemPrompt: String?
    /// JSON object text.
    public var config: String
    public var createdAt: String
    public var updatedAt: String
}

/// A model of the models registry (`/api/v0/models`). `body` is its JSON without the API key, which is kept
/// sealed apart (`sealedAPIKey`) when it is a literal secret.
public struct StoredRegistryModel: Sendable, Equatable {
    public var project: String
    public var id: String
    public var body: String
    public var sealedAPIKey: String?
    /// Strong ETag, new on every write.
    public var etag: String
    public var isDefault: Bool
    public var createdAt: String
    public var updatedAt: String

    public init(
        project: String,
        id: String,
        body: String,
        sealedAPIKey: String? = nil,
        etag: String = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""),
        isDefault: Bool = false,
        createdAt: String = Timestamps.now(),
        updatedAt: String = Timestamps.now()
    ) {
        self.project = project
        self.id = id
        self.body = body
        self.sealedAPIKey = sealedAPIKey
        self.etag = etag
        self.isDefault = isDefault
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a conditional PUT of a registry model did.
public enum RegistryPutOutcome: Sendable, Equatable {
    case created(StoredRegistryModel)
    case replaced(StoredRegistryModel)
    /// `If-Match` named another ETag than the stored one.
    case etagMismatch
    /// `If-Match` was sent for a model that does not exist.
    case staleIfMatch
    /// Another model of the project is the default already.
    case defaultTaken(String)
}

/// Which API made a credential. Integrations hold a provider's secret; providers are usable handles that draw
/// on an integration; virtual keys are Portkey's older form of a provider with its own secret. Providers and
/// virtual keys share one slug namespace, integrations have their own.
public enum CredentialKind: String, Sendable, CaseIterable {
    case integration
    case provider
    case virtualKey = "virtual-key"

    /// The kinds whose slugs must differ from this kind's.
    public var namespace: [CredentialKind] { self == .integration ? [.integration] : [.provider, .virtualKey] }
}

/// A provider credential as stored. The secret arrives sealed (AES-GCM under the server's master key): the
/// store never sees it in the clear.
public struct StoredCredential: Sendable, Equatable {
    public var id: String
    public var slug: String
    public var kind: CredentialKind
    public var name: String
    /// The provider id (`openai`, `anthropic`, a configured provider's slug …); empty for a provider that
    /// takes it from its integration.
    public var provider: String
    /// The slug of the integration a provider draws on.
    public var integration: String?
    public var sealedSecret: String?
    /// The masked secret listings show (`sk-p…ab12`).
    public var secretHint: String?
    /// JSON object with the view's other fields (note, description, limits, configurations …).
    public var details: String
    public var status: String
    public var createdAt: String
    public var lastUpdatedAt: String

    public init(
        id: String = UUID().uuidString.lowercased(),
        slug: String,
        kind: CredentialKind,
        name: String,
        provider: String,
        integration: String? = nil,
        sealedSecret: String? = nil,
        secretHint: String? = nil,
        details: String = "{}",
        status: String = "active",
        createdAt: String = Timestamps.now(),
        lastUpdatedAt: String = Timestamps.now()
    ) {
        self.id = id
        self.slug = slug
        self.kind = kind
        self.name = name
        self.provider = provider
        self.integration = integration
        self.sealedSecret = sealedSecret
        self.secretHint = secretHint
        self.details = details
        self.status = status
        self.createdAt = createdAt
        self.lastUpdatedAt = lastUpdatedAt
    }
}

public struct StoredConfigVersion: Sendable, Equatable {
    public var versionID: String
    public var name: String
    public var status: String
    public var config: String
    public var createdAt: String
}

public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique value (slug, name) is taken.
    case conflict(String)
    /// `--store` / `SWITCHBOARD_STORE` is not a store location.
    case badLocation(String)
    /// A row others still refer to (the message names them).
    case inUse(String)
    /// SQLite refused something the request log's own connection asked (the message says what).
    case sqlite(String)

    public var description: String {
        switch self {
        case .conflict(let what): "\(what) already exists"
        case .inUse(let what): what
        case .sqlite(let what): "SQLite: \(what)"
        case .badLocation(let text):
            "'\(text)' is not a store location; use sqlite:PATH (e.g. sqlite:.switchboard/switchboard.sqlite) "
                + "or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        }
    }
}

/// The request log write failed after the first `stored` records were committed; retry only the rest.
public struct RequestLogPartialWrite: Error, Sendable, CustomStringConvertible {
    public let stored: Int
    public let error: any Error

    public var description: String { "\(self.error) (after storing \(self.stored) records)" }
}

public enum Timestamps {
    /// Now, or `milliseconds` from now (negative: before now).
    public static func now(plusMilliseconds milliseconds: Int = 0) -> String {
        Self.format(epochMs: Self.epochMs() + Int64(milliseconds))
    }

    /// Milliseconds since 1970 (UTC), cheap enough for every request.
    public static func epochMs() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec / 1_000_000)
    }

    /// ISO-8601 with milliseconds, UTC (`2026-11-22T01:54:45.123Z`): sorts as text, reads everywhere. Written by
    /// hand: Foundation's formatters load ICU, which costs the process megabytes of memory.
    public static func format(epochMs: Int64) -> String {
        var seconds = time_t(epochMs / 1000)
        let milliseconds = Int(epochMs % 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written digit by digit into one string: the request log formats one per request.
        return String(unsafeUninitializedCapacity: 24) { out in
            var index = 0
            func put(_ value: Int, width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                while divisor > 0 {
                    out[index] = UInt8(ascii: "0") + UInt8(value / divisor % 10)
                    index += 1
                    divisor /= 10
                }
            }
            func put(_ byte: Unicode.Scalar) {
                out[index] = UInt8(ascii: byte)
                index += 1
            }
            put(Int(parts.tm_year) + 1900, width: 4)
            put("-")
            put(Int(parts.tm_mon) + 1, width: 2)
            put("-")
            put(Int(parts.tm_mday), width: 2)
            put("T")
            put(Int(parts.tm_hour), width: 2)
            put(":")
            put(Int(parts.tm_min), width: 2)
            put(":")
            put(Int(parts.tm_sec), width: 2)
            put(".")
            put(milliseconds, width: 3)
            put("Z")
            return index
        }
    }
}
