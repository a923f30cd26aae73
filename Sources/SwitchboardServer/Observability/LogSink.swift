import Foundation
import Logging
import NIOConcurrencyHelpers
import SwitchboardCore
import SwitchboardStore

#if canImport(Glibc)
import Glibc
#endif

/// Collects log lines in memory and writes them from a background thread, so an event loop never waits on
/// a slow terminal or pipe. Lines are written in order; ``flush()`` drains everything (used at shutdown).
public final class LogSink: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var stopped = false
    }

    private let state = NIOLockedValueBox(State())
    private let condition = NSCondition()
    private let fileDescriptor: Int32
    /// Past this many buffered bytes a line waits for the writer instead of growing the buffer further.
    private static let maxPending = 4 * 1024 * 1024

    /// The process-wide sink for standard error.
    public static let standardError = LogSink(fileDescriptor: 2)

    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        let thread = Thread { [self] in self.run() }
        thread.name = "switchboard-log"
        thread.start()
    }

    /// Appends one line (a newline is added).
    public func write(_ line: String) {
        var line = line
        line.append("\n")
        let full = self.state.withLockedValue { state -> Bool in
            state.pending.append(contentsOf: line.utf8)
            return state.pending.count > Self.maxPending
        }
        if full { self.flush() }
    }

    /// Appends one line given as bytes (a newline is added).
    public func write(bytes: [UInt8]) {
        let full = self.state.withLockedValue { state -> Bool in
            state.pending.append(contentsOf: bytes)
            state.pending.append(UInt8(ascii: "\n"))
            return state.pending.count > Self.maxPending
        }
        if full { self.flush() }
    }

    /// Writes everything buffered so far before returning.
    public func flush() {
        let bytes = self.state.withLockedValue { state -> [UInt8] in
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
        self.writeAll(bytes)
    }

    private func run() {
        while true {
            self.condition.lock()
            _ = self.condition.wait(until: Date(timeIntervalSinceNow: 0.05))
            self.condition.unlock()
            self.flush()
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(self.fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 {
                    if written < 0, errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// A swift-log handler that formats `2026-11-21T22:14:11.123Z info label: message key=value` lines into a
/// ``LogSink``.
public struct SinkLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = Timestamps.now()
        line += " \(event.level) \(self.label): \(event.message)"
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            line += " \(key)=\(LogValue.format("\(merged[key]!)"))"
        }
        self.sink.write(line)
    }
}

/// Formats values for `key=value` log lines: quoted only when they contain spaces, quotes or `=`.
enum LogValue {
    static func format(_ value: String) -> String {
        Self.needsQuotes(value.utf8) ? JSONString.quote(value) : value
    }

    /// Values with spaces, quotes, `=` or control characters are JSON-quoted so that lines stay parseable.
    static func needsQuotes(_ utf8: some Collection<UInt8>) -> Bool {
        utf8.isEmpty
            || utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") || $0 == 0x7F }
    }
}
