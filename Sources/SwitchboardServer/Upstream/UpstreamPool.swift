import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Prometheus
import SwitchboardCore

/// Keep-alive upstream connections owned by one event loop, so a request and its upstream connection share
/// a thread and relaying a chunk never hops threads.
final class UpstreamPool {
    struct Key: Hashable {
        var isTLS: Bool
        var host: String
        var port: Int
        /// Connections made with different trust settings are never shared.
        var caFile: String?

        init(_ target: RouteTarget) {
            self.isTLS = target.upstream.isTLS
            self.host = target.upstream.host
            self.port = target.upstream.port
            self.caFile = target.caFile
        }
    }

    private let eventLoop: any EventLoop
    private let settings: ServerSettings
    private let tls: TLSContextProvider
    private let metrics: GatewayMetrics
    private var idle: [Key: [UpstreamConnection]] = [:]
    private var sweepTask: Scheduled<Void>?

    init(eventLoop: any EventLoop, settings: ServerSettings, tls: TLSContextProvider, metrics: GatewayMetrics) {
        self.eventLoop = eventLoop
        self.settings = settings
        self.tls = tls
        self.metrics = metrics
    }

    /// An idle pooled connection for `key`, if one is open; otherwise ``connect(_:)`` makes one.
    func takeIdle(_ key: Key) -> UpstreamConnection? {
        // The lists are changed in place: copying one out and back would copy its storage on every request.
        while let connection = self.idle[key]?.popLast() {
            if connection.isOpen {
                self.metrics.upstreamConnectionsReused.increment()
                return connection
            }
        }
        return nil
    }

    /// A new connection, never a pooled one (used to retry after a pooled connection turned out stale).
    func connect(_ key: Key) -> EventLoopFuture<UpstreamConnection> {
        let connection = UpstreamConnection(key: key, pool: self)
        let bootstrap = ClientBootstrap(group: self.eventLoop)
            .connectTimeout(.milliseconds(Int64(self.settings.connectTimeoutMs)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: self.settings.writeBufferWaterMark)
            .channelInitializer { [tls] channel in
                do {
                    let sync = channel.pipeline.syncOperations
                    if key.isTLS {
                        let context = try tls.context(caFile: key.caFile)
                        let sni = key.host.isIPAddress ? nil : key.host
                        try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: sni))
                    }
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        self.metrics.upstreamConnectionsOpened.increment()
        return bootstrap.connect(host: key.host, port: key.port).assumeIsolated().flatMapThrowing { channel in
            try channel.pipeline.syncOperations.addHandler(connection)
            return connection
        }.nonisolated()
    }

    /// Returns a connection whose response ended with keep-alive.
    func release(_ connection: UpstreamConnection) {
        guard connection.isOpen else { return }
        guard (self.idle[connection.key]?.count ?? 0) < self.settings.maxIdleConnectionsPerHost else {
            connection.close()
            return
        }
        connection.idleSince = .now()
        self.idle[connection.key, default: []].append(connection)
        self.scheduleSweep()
    }

    /// Forgets a connection that closed.
    func remove(_ connection: UpstreamConnection) {
        guard var list = self.idle[connection.key], let index = list.firstIndex(where: { $0 === connection }) else {
            return
        }
        list.remove(at: index)
        self.idle[connection.key] = list.isEmpty ? nil : list
    }

    /// Closes every idle connection (shutdown).
    func closeAll() {
        let all = self.idle.values.flatMap { $0 }
        self.idle.removeAll()
        self.sweepTask?.cancel()
        self.sweepTask = nil
        for connection in all { connection.close() }
    }

    private func scheduleSweep() {
        guard self.sweepTask == nil else { return }
        let period = TimeAmount.milliseconds(Int64(max(100, min(self.settings.idleConnectionTimeoutMs / 2, 5_000))))
        self.sweepTask = self.eventLoop.assumeIsolated().scheduleTask(in: period) { [self] in
            self.sweepTask = nil
            let cutoff = NIODeadline.now() - .milliseconds(Int64(self.settings.idleConnectionTimeoutMs))
            for (key, list) in self.idle {
                let (stale, fresh) = (list.filter { $0.idleSince < cutoff }, list.filter { $0.idleSince >= cutoff })
                self.idle[key] = fresh.isEmpty ? nil : fresh
                for connection in stale { connection.close() }
            }
            if !self.idle.isEmpty { self.scheduleSweep() }
        }
    }
}

/// Creates TLS client contexts (one per set of extra trusted CAs) on first use and shares them between
/// event loops.
final class TLSContextProvider: Sendable {
    private let box = NIOLockedValueBox<[String: NIOSSLContext]>([:])

    /// A context trusting the system's CAs plus those in `caFile` (PEM), if given.
    func context(caFile: String?) throws -> NIOSSLContext {
        try self.box.withLockedValue { cache in
            if let cached = cache[caFile ?? ""] { return cached }
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile { configuration.additionalTrustRoots = [.file(caFile)] }
            let context = try NIOSSLContext(configuration: configuration)
            cache[caFile ?? ""] = context
            return context
        }
    }
}

extension String {
    /// Whether this is an IPv4 or IPv6 literal (no SNI is sent for those).
    var isIPAddress: Bool {
        self.contains(":") || self.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}
