import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore

/// A real gateway and a real mock provider on ephemeral loopback ports, for tests.
///
/// ```swift
/// try await GatewayFixture.with(yaml: GatewayFixture.mockOnly) { fixture in
///     let response = try await fixture.client.request("/v1/chat/completions", body: ...)
/// }
/// ```
public struct GatewayFixture: Sendable {
    public let gateway: GatewayServer
    public let mock: MockServer
    public let client: TestHTTPClient
    public let mockClient: TestHTTPClient
    public let group: MultiThreadedEventLoopGroup
    public let config: GatewayConfig
    public let runtime: GatewayRuntime
    /// The store, when the fixture was asked for one.
    public let store: SQLStore?

    /// A configuration with the in-process mock as the only provider and the default route.
    public static let mockOnly = """
        providers:
          mock:
            kind: mock
            models: [mock-1]
        default_route:
          provider: mock
        """

    /// ``with(yaml:mockDefaults:store:adminKey:_:)`` on a new, empty store of `kind`.
    public static func with<T: Sendable>(
        yaml: String = Self.mockOnly,
        storeKind kind: TestStores.Kind,
        _ body: (GatewayFixture) async throws -> T
    ) async throws -> T {
        let location = try await TestStores.location(kind, group: MultiThreadedEventLoopGroup.singleton)
        return try await Self.with(yaml: yaml, store: location, body)
    }

    /// Starts a mock and a gateway configured by `yaml` (`kind: mock` providers point at the mock; in the text,
    /// `{MOCK}` is replaced by the mock's `host:port`, `{MOCK_PORT}` by its port and `{CA_FILE}` by the path of
    /// a file holding ``TestCertificates/authorityPEM``), runs `body`, and shuts both down.
    /// - Parameters:
    ///   - store: a store location (``TestStores/location(_:group:)``) to open, migrate and serve the control
    ///     plane from; its changes are watched every 100 ms.
    ///   - circuitClock: the clock circuit breakers measure their cooldowns with (a ``TestClock``'s, to move it).
    public static func with<T: Sendable>(
        yaml: String = Self.mockOnly,
        mockDefaults: MockServer.Configuration = .init(),
        store location: String? = nil,
        adminKey: String? = nil,
        circuitClock: CircuitClock = .system,
        _ body: (GatewayFixture) async throws -> T
    ) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let mock = MockServer(configuration: mockDefaults, group: group)
        let mockPort = try await mock.start()
        var config: GatewayConfig
        do {
            let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-test-ca.pem").path
            try TestCertificates.authorityPEM.write(toFile: caFile, atomically: true, encoding: .utf8)
            config = try ConfigLoader.load(
                yaml: yaml.replacingOccurrences(of: "{MOCK}", with: "127.0.0.1:\(mockPort)")
                    .replacingOccurrences(of: "{MOCK_PORT}", with: "\(mockPort)")
                    .replacingOccurrences(of: "{CA_FILE}", with: caFile),
                file: "test.yaml",
                environment: ["TEST_KEY": "sk-test-from-env"]
            )
        } catch {
            await mock.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
        config.server.host = "127.0.0.1"
        config.server.port = 0
        config.log.accessLog = false
        config.attachMock(port: mockPort)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var store: SQLStore?
        if let location {
            do {
                store = try await SQLStore.open(location, group: group, logger: logger)
                try await store!.migrate()
            } catch {
                await mock.shutdown()
                try await group.shutdownGracefully()
                throw error
            }
        }
        let runtime = GatewayRuntime(
            config: config,
            store: store,
            adminKey: adminKey,
            circuitClock: circuitClock,
            logger: logger
        )
        let gateway = GatewayServer(runtime: runtime, group: group)
        let fixture: GatewayFixture
        var watching: Task<Void, any Error>?
        var logging: Task<Void, any Error>?
        do {
            try await runtime.loadStore()
            if let watcher = runtime.storeWatcher(interval: .milliseconds(100)) {
                watching = Task { try await watcher.run() }
            }
            if let writer = runtime.requestLogWriter() { logging = Task { try await writer.run() } }
            let address = try await gateway.start()
            fixture = GatewayFixture(
                gateway: gateway,
                mock: mock,
                client: TestHTTPClient(group: group, port: address.port!),
                mockClient: TestHTTPClient(group: group, port: mockPort),
                group: group,
                config: config,
                runtime: runtime,
                store: store
            )
        } catch {
            watching?.cancel()
            logging?.cancel()
            _ = await logging?.result
            await store?.close()
            await mock.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(fixture))
        } catch {
            result = .failure(error)
        }
        watching?.cancel()
        _ = await watching?.result
        await gateway.shutdown()
        logging?.cancel()
        _ = await logging?.result
        await store?.close()
        await mock.shutdown()
        try await group.shutdownGracefully()
        return try result.get()
    }
}
