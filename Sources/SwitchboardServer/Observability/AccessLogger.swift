import NIOCore
import SwitchboardCore
import SwitchboardStore

#if canImport(Glibc)
import Glibc
#endif

/// Writes the one-line-per-request access log, owned by one event loop: the line is assembled as bytes in a
/// reused buffer and the timestamp's date part is formatted once per second, so a line costs no String work.
final class AccessLogger {
    private let sink: LogSink
    private var line: [UInt8] = []
    private var cachedSecond = -1
    /// `2026-11-21T22:14:11.` for `cachedSecond`.
    private var secondPrefix: [UInt8] = []

    init(sink: LogSink = .standardError) {
        self.sink = sink
        self.line.reserveCapacity(512)
    }

    /// One request: `… info request id=… method=… path=… provider=… [model=…] status=… duration_ms=…`, then what
    /// applies of `stream=true`, `complete=false`, `cache=HIT|"SEMANTIC HIT"|MISS|REFRESH` and `trace_id=…`.
    func log(
        id: String,
        method: String,
        uri: String,
        provider: String,
        model: String?,
        status: Int,
        elapsed: TimeAmount,
        stream: Bool,
        complete: Bool,
        cache: String? = nil,
        traceID: String
    ) {
        self.line.removeAll(keepingCapacity: true)
        self.appendTimestamp()
        self.append(" info request id=")
        self.append(id)
        self.append(" method=")
        self.append(method)
        self.append(" path=")
        let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { Substring(uri.utf8[..<$0]) } ?? Substring(uri)
        self.appendValue(path)
        self.append(" provider=")
        self.appendValue(Substring(provider))
        if let model {
            self.append(" model=")
            self.appendValue(Substring(model))
        }
        self.append(" status=")
        self.appendNumber(status)
        self.append(" duration_ms=")
        let micros = Int(elapsed.nanoseconds / 1_000)
        self.appendNumber(micros / 1_000)
        self.line.append(UInt8(ascii: "."))
        self.appendNumber(micros % 1_000, width: 3)
        if stream { self.append(" stream=true") }
        if !complete { self.append(" complete=false") }
        if let cache {
            self.append(" cache=")
            self.appendValue(Substring(cache))
        }
        if traceID != id {
            self.append(" trace_id=")
            self.appendValue(Substring(traceID))
        }
        self.sink.write(bytes: self.line)
    }

    private func append(_ text: String) {
        self.line.append(contentsOf: text.utf8)
    }

    /// Values with spaces, quotes, `=` or control characters are JSON-quoted so that lines stay parseable.
    private func appendValue(_ value: Substring) {
        if LogValue.needsQuotes(value.utf8) {
            self.line.append(contentsOf: JSONString.quote(String(value)).utf8)
        } else {
            self.line.append(contentsOf: value.utf8)
        }
    }

    /// Decimal digits of a non-negative `value`, zero-padded to `width`.
    private func appendNumber(_ value: Int, width: Int = 1) {
        let value = max(0, value)
        var divisor = 1
        var digits = 1
        while divisor <= value / 10 {
            divisor *= 10
            digits += 1
        }
        for _ in digits..<max(width, digits) { self.line.append(UInt8(ascii: "0")) }
        var rest = value
        while divisor > 0 {
            self.line.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private func appendTimestamp() {
        let now = Timestamps.epochMs()
        let second = Int(now / 1000)
        if second != self.cachedSecond {
            self.cachedSecond = second
            let full = Timestamps.format(epochMs: Int64(second) * 1000)
            self.secondPrefix = Array(full.utf8.dropLast(4))
        }
        self.line.append(contentsOf: self.secondPrefix)
        self.appendNumber(Int(now % 1000), width: 3)
        self.line.append(UInt8(ascii: "Z"))
    }
}
