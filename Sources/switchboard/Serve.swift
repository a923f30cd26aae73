import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SwitchboardCore
import SwitchboardMock
import SwitchboardServer
import SwitchboardStore
import UnixSignals

/// `switchboard serve`: loads the configuration, starts the demo mock if the config has one, serves.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway.",
        discussion: """
            Every option can also be set with an environment variable (the flag wins):
              SWITCHBOARD_CONFIG, SWITCHBOARD_HOST, SWITCHBOARD_PORT, SWITCHBOARD_LOG_LEVEL,
              SWITCHBOARD_EVENT_LOOP_THREADS, SWITCHBOARD_STORE.
            SWITCHBOARD_ADMIN_KEY (environment only) is a key with every scope that is never stored: the way in
            for a gateway that listens beyond loopback, where every request needs a key.
            SWITCHBOARD_MASTER_KEY (environment only) encrypts the provider secrets kept in the store (virtual
            keys, integrations); without it a key file is made. Replicas sharing PostgreSQL need the same value.
            Provider keys are read from the variables the config file names, e.g. ${OPENAI_API_KEY}.
            """
    )

    @Option(name: .long, help: "Configuration file (env SWITCHBOARD_CONFIG).")
    var config: String?

    @Option(name: .long, help: "Address to bind, overriding server.host (env SWITCHBOARD_HOST).")
    var host: String?

    @Option(name: .long, help: "Port to bind, overriding server.port; 0 picks a free one (env SWITCHBOARD_PORT).")
    var port: Int?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (env SWITCHBOARD_LOG_LEVEL).")
    var logLevel: String?

    @Option(
        name: .long,
        help: "Event-loop threads, overriding server.event_loop_threads (env SWITCHBOARD_EVENT_LOOP_THREADS)."
    )
    var eventLoopThreads: Int?

    @Option(name: .long, help: StoreOption.help)
    var store: String?

    @Option(name: .long, help: MasterKeyOption.help)
    var masterKeyFile: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let path = self.config ?? environment["SWITCHBOARD_CONFIG"] ?? "config/switchboard.yaml"
        var config = try ConfigFile.load(path: path, environment: environment)
        if let host = self.host ?? environment["SWITCHBOARD_HOST"] { config.server.host = host }
        if let port = try self.port ?? Self.intFromEnvironment("SWITCHBOARD_PORT", environment) {
            config.server.port = port
        }
        if let threads = try self.eventLoopThreads
            ?? Self.intFromEnvironment("SWITCHBOARD_EVENT_LOOP_THREADS", environment)
        {
            config.server.eventLoopThreads = threads
        }
        if let level = self.logLevel ?? environment["SWITCHBOARD_LOG_LEVEL"] {
            guard let parsed = LogSettings.Level(rawValue: level.lowercased()) else {
                throw ValidationError("unknown log level '\(level)'")
            }
            config.log.level = parsed
        }
        let level = Logger.Level(rawValue: config.log.level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in SinkLogHandler(label: label, level: level) }
        let logger = Logger(label: "switchboard")
        defer { LogSink.standardError.flush() }

        let threads = config.server.eventLoopThreads == 0 ? System.coreCount : config.server.eventLoopThreads
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var services: [any Service] = []
        var mock: MockServer?
        if config.needsMock {
            let server = MockServer(configuration: .init(host: "127.0.0.1", port: 0), group: group)
            let mockPort = try await server.start()
            config.attachMock(port: mockPort)
            logger.info(
                "demo provider started: it answers with canned text, not a real model",
                metadata: ["address": "127.0.0.1:\(mockPort)"]
            )
            mock = server
        }
        let location = StoreOption.location(self.store, environment)
        let store: SQLStore
        do {
            store = try await SQLStore.open(location, group: group, logger: logger)
            try await store.migrate()
        } catch {
            logger.critical(
                "cannot open the store",
                metadata: ["store": "\(StoreOption.redacted(location))", "error": "\(error)"]
            )
            await mock?.shutdown()
            try? await group.shutdownGracefully()
            throw ExitCode.failure
        }
        logger.info("store ready", metadata: ["store": "\(StoreOption.redacted(location))"])
        let vault: CredentialVault
        do {
            vault = try MasterKeyOption.vault(
                flag: self.masterKeyFile,
                store: location,
                environment: environment,
                logger: logger
            )
        } catch {
            logger.critical("cannot load the master key", metadata: ["error": "\(error)"])
            await mock?.shutdown()
            await store.close()
            try? await group.shutdownGracefully()
            throw ExitCode.failure
        }
        let runtime = GatewayRuntime(
            config: config,
            store: store,
            adminKey: environment["SWITCHBOARD_ADMIN_KEY"],
            vault: vault,
            logger: logger
        )
        try await runtime.loadStore()
        // The log writer goes first so that it stops last: after the server has drained, it writes what is left.
        if let writer = runtime.requestLogWriter() { services.insert(writer, at: 0) }
        services.append(GatewayServer(runtime: runtime, group: group))
        if let watcher = runtime.storeWatcher() { services.append(watcher) }
        if let reporter = runtime.policyReporter() { services.append(reporter) }
        services.append(runtime.cachePurger())
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await serviceGroup.run()
        } catch {
            logger.error("stopped with an error", metadata: ["error": "\(error)"])
            await mock?.shutdown()
            await store.close()
            try? await group.shutdownGracefully()
            throw ExitCode.failure
        }
        await mock?.shutdown()
        await store.close()
        try await group.shutdownGracefully()
    }

    private static func intFromEnvironment(_ name: String, _ environment: [String: String]) throws -> Int? {
        guard let text = environment[name] else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(name)=\(text) is not an integer") }
        return value
    }
}

/// Reading a configuration file, shared by `serve` and `check-config`.
enum ConfigFile {
    /// Loads and validates `path`, printing every problem to standard error and exiting 1 on any.
    static func load(path: String, environment: [String: String]) throws -> GatewayConfig {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            FileHandle.standardError.write(
                Data(
                    "\(path): cannot read the configuration file (run from the repository root, or pass --config PATH)\n"
                        .utf8
                )
            )
            throw ExitCode.failure
        }
        do {
            return try ConfigLoader.load(yaml: text, file: path, environment: environment)
        } catch {
            let count = error.issues.count
            FileHandle.standardError.write(
                Data((error.description + "\n\(count) error\(count == 1 ? "" : "s") in \(path)\n").utf8)
            )
            throw ExitCode.failure
        }
    }
}
