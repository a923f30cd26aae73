import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle
import SwitchboardCore

/// The gateway's listener: binds the data plane, runs until graceful shutdown, then drains in-flight requests.
///
/// ```swift
/// let server = GatewayServer(runtime: runtime, group: group)
/// let address = try await server.start()
/// ...
/// await server.shutdown()
/// ```
public final class GatewayServer: Service, Sendable {
    public let runtime: GatewayRuntime
    private let group: any EventLoopGroup
    private let loops: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>]
    private let state = NIOLockedValueBox<(channel: (any Channel)?, quiesce: ServerQuiescingHelper?)>((nil, nil))
    private let onStarted: @Sendable (SocketAddress) -> Void
    private let tls = TLSContextProvider()

    /// - Parameters:
    ///   - runtime: routing, metrics and logging.
    ///   - group: the event loops; each gets its own upstream pool.
    ///   - onStarted: called with the bound address (useful with port 0).
    public init(
        runtime: GatewayRuntime,
        group: any EventLoopGroup,
        onStarted: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) {
        self.runtime = runtime
        self.group = group
        self.onStarted = onStarted
        let tls = self.tls
        var loops: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>] = [:]
        for loop in group.makeIterator() {
            let context = LoopContext(
                pool: UpstreamPool(
                    eventLoop: loop,
                    settings: runtime.config.server,
                    tls: tls,
                    metrics: runtime.metrics
                ),
                metrics: LoopMetrics(shared: runtime.metrics),
                sweeper: TimeoutSweeper(eventLoop: loop, watching: .requests),
                keepAlive: TimeoutSweeper(eventLoop: loop, watching: .connections)
            )
            loops[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(context, eventLoop: loop)
        }
        self.loops = loops
    }

    /// Binds the listener and returns its address.
    @discardableResult
    public func start() async throws -> SocketAddress {
        // TLS settings are checked now, so a bad ca_file stops the start instead of failing requests later.
        for provider in self.runtime.config.providers where provider.baseURL?.isTLS == true {
            do {
                _ = try self.tls.context(caFile: provider.caFile)
            } catch {
                throw GatewayStartError(
                    message: "provider '\(provider.slug)': cannot set up TLS"
                        + (provider.caFile.map { " with ca_file \($0)" } ?? "") + ": \(error)"
                )
            }
        }
        let settings = self.runtime.config.server
        let quiesce = ServerQuiescingHelper(group: self.group)
        let runtime = self.runtime
        let loops = self.loops
        let channel = try await ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.writeBufferWaterMark, value: settings.writeBufferWaterMark)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let loop = loops[ObjectIdentifier(channel.eventLoop)]?.value else {
                        throw ChannelError.inappropriateOperationForState
                    }
                    let sync = channel.pipeline.syncOperations
                    // One handler on raw bytes: it parses requests itself and writes responses as bytes, so
                    // there is no HTTP codec and no pipelining helper (which toggles reads around responses).
                    try sync.addHandler(GatewayHandler(runtime: runtime, loop: loop))
                }
            }
            .bind(host: settings.host, port: settings.port)
            .get()
        self.state.withLockedValue { $0 = (channel, quiesce) }
        let address = channel.localAddress!
        self.runtime.semanticCache.listening(host: settings.host, port: address.port ?? settings.port)
        self.runtime.isReady = true
        self.runtime.logger.info(
            "listening",
            metadata: ["address": "\(settings.host):\(address.port ?? settings.port)"]
        )
        self.onStarted(address)
        return address
    }

    /// The bound port, once started.
    public var port: Int? {
        self.state.withLockedValue { $0.channel?.localAddress?.port }
    }

    /// Stops accepting, lets in-flight requests finish for up to the grace period, then closes what is left.
    public func shutdown() async {
        let (channel, quiesce) = self.state.withLockedValue { ($0.channel, $0.quiesce) }
        guard let channel, let quiesce else { return }
        self.runtime.isReady = false
        let grace = self.runtime.config.server.shutdownGraceMs
        self.runtime.logger.info("shutting down; waiting for in-flight requests", metadata: ["grace_ms": "\(grace)"])
        let drained = channel.eventLoop.makePromise(of: Void.self)
        quiesce.initiateShutdown(promise: drained)
        let timeout = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(grace))) {
            drained.succeed()
        }
        try? await drained.futureResult.get()
        timeout.cancel()
        for loop in self.loops.values {
            try? await loop.eventLoop.submit { loop.value.pool.closeAll() }.get()
        }
        self.state.withLockedValue { $0 = (nil, nil) }
        self.runtime.logger.info("stopped")
    }

    /// Runs until graceful shutdown (SIGTERM/SIGINT through a `ServiceGroup`), then drains.
    public func run() async throws {
        try await self.start()
        try? await gracefulShutdown()
        await self.shutdown()
    }
}

/// Why the gateway could not start, in words for the operator.
public struct GatewayStartError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { self.message }
}
