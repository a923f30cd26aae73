import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SwitchboardMock

/// `switchboard-mock`: the mock provider as its own process.
@main
struct SwitchboardMockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard-mock",
        abstract: "A fast mock LLM provider (OpenAI and Anthropic shapes) for tests, benchmarks and demos.",
        discussion: """
            Per request, x-mock-* headers or ';key=value' options after the model name choose the behaviour:
              tokens (chunks), interval_ms, header_delay_ms, status, retry_after, retry_after_ms, reset_after,
              malformed, fail_first (the status for the first N calls only), cached (prompt tokens reported as
              cached).   e.g. model "gpt-4o;status=429;retry_after=1" or header "x-mock-interval-ms: 200".
            Headers x-mock-read-delay-ms (before each read) and x-mock-read-pause-ms (once, after the head) make it
            read a request body slowly. Other paths echo what they received: body_bytes and body_checksum.
            GET /mock/requests lists what it received; GET /mock/stats counts connections.
            """
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free one.")
    var port = 9090

    @Option(help: "Completion tokens per response unless a request asks otherwise.")
    var tokens = 8

    @Option(help: "Milliseconds between stream chunks unless a request asks otherwise.")
    var intervalMs = 0

    @Option(help: "Event-loop threads.")
    var threads = 1

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.threads)
        let server = MockServer(
            configuration: .init(
                host: self.host,
                port: self.port,
                defaultTokens: self.tokens,
                defaultIntervalMs: self.intervalMs
            ),
            group: group
        )
        let port = try await server.start()
        FileHandle.standardOutput.write(Data("switchboard-mock listening on \(self.host):\(port)\n".utf8))
        // Serve until SIGINT or SIGTERM.
        let signals = AsyncStream<Void> { continuation in
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { continuation.yield() }
                source.resume()
                SignalSources.keep.append(source)
            }
        }
        for await _ in signals { break }
        await server.shutdown()
        try await group.shutdownGracefully()
    }
}

/// Keeps the signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) static var keep: [any DispatchSourceSignal] = []
}
