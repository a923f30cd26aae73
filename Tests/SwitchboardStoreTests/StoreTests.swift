import Foundation
import NIOPosix
import SQLKit
import SwitchboardTestSupport
import Testing

@testable import SwitchboardStore

/// One suite, run against every store kind available: SQLite always, PostgreSQL when `scripts/test.sh` started
/// its private server (it always does; `swift test` alone runs SQLite only).
@Suite struct StoreTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    static func withStore<T>(_ kind: TestStores.Kind, _ body: (SQLStore) async throws -> T) async throws -> T {
        let store = try await TestStores.open(kind, group: Self.group)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    @Test func timestampsAreISO8601WithMillisecondsInUTC() {
        #expect(Timestamps.format(epochMs: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamps.format(epochMs: 1_795_319_685_007) == "2026-11-22T03:54:45.007Z")
        #expect(Timestamps.format(epochMs: 253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
    }

    @Test(arguments: TestStores.available)
    func migratesAnEmptyDatabase(kind: TestStores.Kind) async throws {
        let location = try await TestStores.location(kind, group: Self.group)
        let store = try await SQLStore.open(location, group: Self.group, logger: TestStores.logger)
        #expect(try await store.schemaVersion() == 0)
        try await store.migrate()
        let latest = try await store.schemaVersion()
        #expect(latest >= 2)
        // Migrating again is a no-op.
        try await store.migrate()
        #expect(try await store.schemaVersion() == latest)
        await store.close()
    }

    @Test(arguments: TestStores.available)
    func migratesFromAPreviousSchemaKeepingData(kind: TestStores.Kind) async throws {
        let location = try await TestStores.location(kind, group: Self.group)
        let old = try await SQLStore.open(location, group: Self.group, logger: TestStores.logger)
        do {
            try await old.migrate(upTo: 1)
            #expect(try await old.schemaVersion() == 1)
            // Written as the schema-1 code wrote it (today's code writes columns added since).
            try await old.database.raw(
                """
                INSERT INTO configs (id, slug, name, is_default, status, created_at, last_updated_at)
                VALUES ('c1', 'pc-a', 'a', 0, 'active', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
                """
            ).run()
            try await old.database.raw(
                """
                INSERT INTO config_versions (id, config_id, name, status, config, created_at)
                VALUES ('v1', 'c1', 'a', 'active', '{"provider":"openai"}', '2026-01-01T00:00:00.000Z')
                """
            ).run()
        } catch {
            await old.close()
            throw error
        }
        await old.close()
        let new = try await SQLStore.open(location, group: Self.group, logger: TestStores.logger)
        try await new.migrate()
        #expect(try await new.schemaVersion() >= 2)
        #expect(try await new.config(slug: "pc-a")?.config == #"{"provider":"openai"}"#)
        await new.close()
    }

    @Test(arguments: TestStores.available)
    func configsHaveVersions(kind: TestStores.Kind) async throws {
        try await Self.withStore(kind) { store in
            let mark0 = try await store.changeMark()
            let created = try await store.createConfig(slug: "pc-x", name: "x", config: "{\"a\":1}", isDefault: true)
            #expect(created.isDefault)
            let updated = try #require(try await store.updateConfig(slug: "pc-x", name: "y", config: nil, status: nil))
            #expect(updated.name == "y")
            #expect(updated.config == "{\"a\":1}")
            #expect(updated.versionID != created.versionID)
            _ = try await store.updateConfig(slug: "pc-x", name: nil, config: "{\"a\":2}", status: "archived")
            let current = try #require(try await store.config(slug: "pc-x"))
            #expect(current.config == "{\"a\":2}")
            #expect(current.status == "archived")
            let versions = try #require(try await store.configVersions(slug: "pc-x"))
            #expect(versions.map(\.config) == ["{\"a\":2}", "{\"a\":1}", "{\"a\":1}"])
            #expect(try await store.listConfigs().map(\.slug) == ["pc-x"])
            #expect(try await store.changeMark() > mark0)
            #expect(try await store.deleteConfig(slug: "pc-x"))
            #expect(try await store.config(slug: "pc-x") == nil)
            #expect(try await store.configVersions(slug: "pc-x") == nil)
            #expect(try await !store.deleteConfig(slug: "pc-x"))
            #expect(try await store.updateConfig(slug: "nope", name: "n", config: nil, status: nil) == nil)
        }
    }

    @Test(arguments: TestStores.available)
    func aTakenSlugIsAConflict(kind: TestStores.Kind) async throws {
        try await Self.withStore(kind) { store in
            // Concurrent creates of one slug: exactly one wins.
            let results = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        (try? await store.createConfig(
                            slug: "pc-same",
                            name: "n\(index)",
                            config: "{}",
                            isDefault: false
                        ))
                            != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            await #expect(throws: StoreError.conflict("config 'pc-same'")) {
                try await store.createConfig(slug: "pc-same", name: "again", config: "{}", isDefault: false)
            }
        }
    }

    @Test(arguments: TestStores.available)
    func concurrentUpdatesLoseNoVersion(kind: TestStores.Kind) async throws {
        try await Self.withStore(kind) { store in
            _ = try await store.createConfig(slug: "pc-busy", name: "busy", config: "{\"n\":0}", isDefault: false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 1...20 {
                    group.addTask {
                        _ = try await store.updateConfig(
                            slug: "pc-busy",
                            name: nil,
                            config: "{\"n\":\(index)}",
                            status: nil
                        )
                    }
                }
                try await group.waitForAll()
            }
            let versions = try #require(try await store.configVersions(slug: "pc-busy"))
            #expect(versions.count == 21)
            #expect(Set(versions.map(\.versionID)).count == 21)
            #expect(Set(versions.map(\.config)).count == 21)
        }
    }

    @Test(arguments: TestStores.available)
    func credentialsKeepTheirNamespacesAndReferences(kind: TestStores.Kind) async throws {
        try await Self.withStore(kind) { store in
            let integration = StoredCredential(
                slug: "shared",
                kind: .integration,
                name: "Integration",
                provider: "openai",
                sealedSecret: "v1:sealed",
                secretHint: "sk-a********zzzz",
                details: #"{"description":"d"}"#
            )
            try await store.createCredential(integration)
            // Providers and virtual keys have their own namespace: the same slug is free there once.
            try await store.createCredential(
                StoredCredential(slug: "shared", kind: .provider, name: "P", provider: "", integration: "shared")
            )
            await #expect(throws: StoreError.conflict("provider 'shared'")) {
                try await store.createCredential(
                    StoredCredential(slug: "shared", kind: .virtualKey, name: "V", provider: "x")
                )
            }
            #expect(try await store.listCredentials(kinds: [.provider, .virtualKey]).map(\.slug) == ["shared"])
            let read = try #require(try await store.credential(slug: "shared", kinds: [.integration]))
            #expect(read == integration)

            var changed = read
            changed.sealedSecret = "v1:other"
            changed.status = "archived"
            let updated = try #require(try await store.updateCredential(changed))
            #expect(updated.sealedSecret == "v1:other" && updated.status == "archived")
            #expect(updated.createdAt == integration.createdAt)

            await #expect(throws: StoreError.self) {
                try await store.deleteCredential(slug: "shared", kind: .integration)
            }
            #expect(try await store.deleteCredential(slug: "shared", kind: .provider))
            #expect(try await store.deleteCredential(slug: "shared", kind: .integration))
            #expect(try await store.deleteCredential(slug: "shared", kind: .integration) == false)
            #expect(try await store.listCredentials(kinds: CredentialKind.allCases).isEmpty)
        }
    }

    @Test(arguments: TestStores.available)
    func concurrentCreatesOfOneSlugLeaveOne(kind: TestStores.Kind) async throws {
        try await Self.withStore(kind) { store in
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        do {
                            try await store.createCredential(
                                StoredCredential(slug: "race", kind: .virtualKey, name: "\(index)", provider: "openai")
                            )
                            return true
                        } catch let error as StoreError where error.code == .conflict {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await store.listCredentials(kinds: [.virtualKey]).count == 1)
        }
    }

    /// A batch goes in whole whatever its size (PostgreSQL sends it in statements of 32, 16 … 1 rows, or of up
    /// to 256 when it is large), with every column as it was written.
    @Test(arguments: TestStores.available)
    func requestLogBatchOfAnySizeIsStoredWhole(kind: TestStores.Kind) async throws {
        try await Self.withStore(kind) { store in
            let batch = (0..<1_177).map { index in
                var record = RequestLogRecord(
                    id: "row-\(index)",
                    createdAt: Timestamps.format(epochMs: 1_795_319_685_000 + Int64(index)),
                    traceID: "trace-\(index % 5)",
                    method: "POST",
                    path: "/v1/chat/completions",
                    endpoint: "chat",
                    provider: "mock",
                    status: index.isMultiple(of: 7) ? 502 : 200,
                    durationMs: Double(index) + 0.25
                )
                record.model = index.isMultiple(of: 2) ? "mock-1" : nil
                record.firstByteMs = index.isMultiple(of: 3) ? nil : 1.5
                record.promptTokens = index * 10
                record.completionTokens = index
                record.costCents = index.isMultiple(of: 4) ? nil : Double(index) / 100
                record.stream = index.isMultiple(of: 2)
                record.metadata = #"{"n":"\#(index)"}"#
                record.requestBody = index == 76 || index == 1_176 ? "{\"last\":true}" : nil
                return record
            }
            try await store.insertRequestLogs(Array(batch[..<77]))
            try await store.insertRequestLogs(Array(batch[77...]))
            let listed = try await store.listRequestLogs(filter: RequestLogFilter(), limit: 2_000, offset: 0)
            #expect(listed.total == 1_177)
            #expect(listed.records == batch.reversed())
        }
    }

    /// A request log batch that fails part way: SQLite commits every 128 rows, so it says how many are stored
    /// and the writer retries only the rest (a retry of the whole batch would fail on the stored ids forever);
    /// PostgreSQL writes a batch in one transaction, so none are.
    @Test(arguments: TestStores.available)
    func requestLogBatchFailingPartWaySaysWhatIsStored(kind: TestStores.Kind) async throws {
        try await Self.withStore(kind) { store in
            func record(_ id: String) -> RequestLogRecord {
                RequestLogRecord(
                    id: id,
                    traceID: id,
                    method: "POST",
                    path: "/v1/chat/completions",
                    endpoint: "chat",
                    provider: "mock",
                    status: 200,
                    durationMs: 1
                )
            }
            try await store.insertRequestLogs([record("taken")])
            let batch = (0..<300).map { record($0 == 200 ? "taken" : "row-\($0)") }
            var stored = -1
            do {
                try await store.insertRequestLogs(batch)
                Issue.record("a duplicate id was accepted")
            } catch let partial as RequestLogPartialWrite {
                stored = partial.stored
            } catch {
                stored = 0
            }
            #expect(stored == (kind == .sqlite ? 128 : 0))
            #expect(try await store.requestLog(id: "row-0") != nil || stored == 0)
            #expect(try await store.requestLog(id: "row-127") != nil || stored == 0)
            #expect(try await store.requestLog(id: "row-128") == nil)
            // The rest goes in on the retry.
            try await store.insertRequestLogs(batch[stored...].filter { $0.id != "taken" })
            #expect(try await store.requestLog(id: "row-299") != nil)
        }
    }
}
