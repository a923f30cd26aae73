import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The mock provider: an OpenAI- and Anthropic-shaped HTTP server for tests, benchmarks and the demo.
///
/// ```swift
/// let mock = MockServer(configuration: .init(port: 0), group: group)
/// let port = try await mock.start()
/// ```
public final class MockServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Completion tokens when a request does not ask for a number.
        public var defaultTokens: Int
        /// Pause between stream chunks when a request does not ask for one.
        public var defaultIntervalMs: Int
        /// Serve https with this PEM certificate chain and private key (for testing TLS upstreams).
        public var tls: (certificateChainPEM: String, privateKeyPEM: String)?

        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            defaultTokens: Int = 8,
            defaultIntervalMs: Int = 0,
            tls: (certificateChainPEM: String, privateKeyPEM: String)? = nil
        ) {
            self.host = host
            self.port = port
            self.defaultTokens = defaultTokens
            self.defaultIntervalMs = defaultIntervalMs
            self.tls = tls
        }
    }

    public let configuration: Configuration
    public let recorder = MockRecorder()
    private let cache = MockBodyCache()
    private let group: any EventLoopGroup
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)

    public init(configuration: Configuration = Configuration(), group: any EventLoopGroup) {
        self.configuration = configuration
        self.group = group
    }

    /// Binds and returns the port.
    @discardableResult
    public func start() async throws -> Int {
        let defaults = MockBehavior(
            tokens: self.configuration.defaultTokens,
            intervalMs: self.configuration.defaultIntervalMs
        )
        let recorder = self.recorder
        let cache = self.cache
        let sslContext = try self.configuration.tls.map { tls in
            try NIOSSLContext(
                configuration: .makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(tls.certificateChainPEM.utf8)).map {
                        .certificate($0)
                    },
                    privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(tls.privateKeyPEM.utf8), format: .pem))
                )
            )
        }
        let channel = try await ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext { try sync.addHandler(NIOSSLServerHandler(context: sslContext)) }
                    try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try sync.addHandler(MockHandler(defaults: defaults, recorder: recorder, cache: cache))
                }
            }
            .bind(host: self.configuration.host, port: self.configuration.port)
            .get()
        self.channel.withLockedValue { $0 = channel }
        return channel.localAddress?.port ?? self.configuration.port
    }

    /// The bound port, once started.
    public var port: Int? { self.channel.withLockedValue { $0?.localAddress?.port } }

    public func shutdown() async {
        let channel = self.channel.withLockedValue { channel in
            defer { channel = nil }
            return channel
        }
        try? await channel?.close()
    }
}
