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

    /// Saved guardrails (`guard_…` slugs): versioned like configs, their document `{name, checks, actions}`.
    func listGuardrails() async throws -> [StoredConfig]
    func guardrail(slug: String) async throws -> StoredConfig?
    /// - Throws: ``StoreError/conflict(_:)`` when the slug is taken (by a guardrail or a config).
    func createGuardrail(slug: String, name: String, guardrail: String) async throws -> StoredConfig
    func updateGuardrail(slug: String, name: String?, guardrail: String?) async throws -> StoredConfig?
    func deleteGuardrail(slug: String) async throws -> Bool
    func guardrailVersions(slug: String) async throws -> [StoredConfigVersion]?

    /// Prompt templates and partials (docs/prompts.md), each kind with its own slugs.
    func listPrompts(kind: StoredPrompt.Kind) async throws -> [StoredPrompt]
    /// By slug or id.
    func prompt(kind: StoredPrompt.Kind, key: String) async throws -> StoredPrompt?
    /// Creates it with version 1, its default.
    /// - Throws: ``StoreError/conflict(_:)`` when the slug is taken.
    func createPrompt(_ prompt: NewPrompt) async throws -> StoredPrompt
    /// Renames it and, with a document, adds a version (not made the default: ``makeDefaultPromptVersion``);
    /// `nil` when there is no such prompt.
    func updatePrompt(
        kind: StoredPrompt.Kind,
        key: String,
        name: String?,
        document: String?,
        description: String?
    ) async throws -> (prompt: StoredPrompt, version: StoredPromptVersion?)?
    func deletePrompt(kind: StoredPrompt.Kind, key: String) async throws -> Bool
    /// Every version of every prompt (or partial), for the data plane's snapshot.
    func listPromptVersions(kind: StoredPrompt.Kind) async throws -> [StoredPromptVersion]
    /// Every version, newest first; `nil` when there is no such prompt.
    func promptVersions(kind: StoredPrompt.Kind, key: String) async throws -> [StoredPromptVersion]?
    /// One version by number; `nil` when there is none.
    func promptVersion(kind: StoredPrompt.Kind, key: String, version: Int) async throws -> StoredPromptVersion?
    /// Sets (or clears) a version's label; false when there is no such version.
    func labelPromptVersion(
        kind: StoredPrompt.Kind,
        key: String,
        versionID: String,
        labelID: String?
    ) async throws
        -> Bool
    /// Makes version `version` the default; false when the prompt or the version does not exist.
    func makeDefaultPromptVersion(kind: StoredPrompt.Kind, key: String, version: Int) async throws -> Bool

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

    /// Usage-limit and rate-limit policies, oldest first (archived ones too).
    func listPolicies() async throws -> [StoredPolicy]
    func policy(id: String) async throws -> StoredPolicy?
    func createPolicy(_ policy: StoredPolicy) async throws
    /// Replaces body, status and `last_updated_at`; `nil` when there is none.
    func updatePolicy(_ policy: StoredPolicy) async throws -> StoredPolicy?
    /// A policy's entities with their usage in their current period, summed over replicas.
    func policyEntities(policyID: String) async throws -> [StoredPolicyEntity]
    /// Usage back to 0 for one entity (`valueKey`) or all; false when there was none.
    func resetPolicyUsage(policyID: String, valueKey: String?) async throws -> Bool
    /// A slice of an entity's allowance for `replica` (see ``SQLStore``).
    func leasePolicyAllowance(
        policyID: String,
        valueKey: String,
        period: String,
        replica: String,
        limit: Double,
        want: Double,
        now: Int64,
        staleBefore: Int64
    ) async throws -> PolicyLease
    /// What `replica` used and gives back; renews its slices.
    func settlePolicyUsage(_ settlements: [PolicySettlement], replica: String, now: Int64) async throws

    /// Keeps a response cache entry (replacing one with the same key).
    func storeCacheEntry(_ entry: StoredCacheEntry) async throws
    /// The cache entry for `key`, if it is fresh at `now` (seconds since the epoch).
    func cacheEntry(key: String, now: Int64) async throws -> StoredCacheEntry?
    /// Removes the cache entries of `namespace` (`""`: stored without one), or all; returns how many.
    @discardableResult
    func deleteCacheEntries(namespace: String?) async throws -> Int
    /// The namespaces whose cache entries were deleted after change `mark` up to `upTo` (`nil`: all of them).
    func cacheClears(after mark: Int64, upTo: Int64) async throws -> [String?]
    /// Removes the cache entries expired at `now`; returns how many.
    @discardableResult
    func purgeCacheEntries(now: Int64) async throws -> Int
    /// How many cache entries the store holds, and their bodies' bytes.
    func cacheEntryStats() async throws -> (entries: Int, bytes: Int)

    /// A number that grows with every write, for replicas to notice changes cheaply.
    func changeMark() async throws -> Int64
    func close() async
}

extension Store {
    public func migrate() async throws { try await self.migrate(upTo: nil) }
}
