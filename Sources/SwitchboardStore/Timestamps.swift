import Foundation

public enum Timestamps {
    /// Now, or `milliseconds` from now (negative: before now).
    public static func now(plusMilliseconds milliseconds: Int = 0) -> String {
        Self.format(epochMs: Self.epochMs() + Int64(milliseconds))
    }

    /// Milliseconds since 1970 (UTC), cheap enough for every request.
    public static func epochMs() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec / 1_000_000)
    }

    /// ISO-8601 with milliseconds, UTC (`2026-11-22T01:54:45.123Z`): sorts as text, reads everywhere. Written by
    /// hand: Foundation's formatters load ICU, which costs the process megabytes of memory.
    /// Times outside years 0000–9999 (a client may send any offset on any year) are written as the nearest end.
    public static func format(epochMs: Int64) -> String {
        let clamped = min(max(epochMs, -62_167_219_200_000), 253_402_300_799_999)
        let whole = clamped >= 0 ? clamped / 1000 : (clamped - 999) / 1000
        var seconds = time_t(whole)
        let milliseconds = Int(clamped - whole * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written digit by digit into one string: the request log formats one per request.
        return String(unsafeUninitializedCapacity: 24) { out in
            var index = 0
            func put(_ value: Int, width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                while divisor > 0 {
                    out[index] = UInt8(ascii: "0") + UInt8(value / divisor % 10)
                    index += 1
                    divisor /= 10
                }
            }
            func put(_ byte: Unicode.Scalar) {
                out[index] = UInt8(ascii: byte)
                index += 1
            }
            put(Int(parts.tm_year) + 1900, width: 4)
            put("-")
            put(Int(parts.tm_mon) + 1, width: 2)
            put("-")
            put(Int(parts.tm_mday), width: 2)
            put("T")
            put(Int(parts.tm_hour), width: 2)
            put(":")
            put(Int(parts.tm_min), width: 2)
            put(":")
            put(Int(parts.tm_sec), width: 2)
            put(".")
            put(milliseconds, width: 3)
            put("Z")
            return index
        }
    }
}
