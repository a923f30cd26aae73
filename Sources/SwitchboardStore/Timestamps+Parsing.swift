import Foundation

extension Timestamps {
    /// Milliseconds since 1970 of an RFC 3339 date-time — any fraction length (cut to milliseconds), `Z` or any
    /// `±hh:mm` offset, `T`, `t` or a space between date and time — or of a plain date (its midnight, UTC).
    /// A time without an offset is read as UTC. `nil` for anything else.
    public static func epochMs(parsing text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), (1...12).contains(month), expect("-"),
            let day = digits(2), (1...31).contains(day)
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        var milliseconds = 0
        var offsetMinutes = 0
        if index < bytes.count {
            guard expect("Tt "), let hour = digits(2), hour < 24, expect(":"), let minute = digits(2), minute < 60,
                expect(":"), let second = digits(2), second < 61
            else { return nil }
            parts.tm_hour = Int32(hour)
            parts.tm_min = Int32(minute)
            parts.tm_sec = Int32(second)
            if expect(".") {
                var scale = 100
                let start = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    milliseconds += Int(bytes[index] - UInt8(ascii: "0")) * scale
                    scale /= 10
                    index += 1
                }
                guard index > start else { return nil }
            }
            if !expect("Zz"), index < bytes.count {
                let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                guard expect("+-"), let hours = digits(2), hours < 24, expect(":"), let minutes = digits(2),
                    minutes < 60
                else { return nil }
                offsetMinutes = sign * (hours * 60 + minutes)
            }
            guard index == bytes.count else { return nil }
        }
        let seconds = Int64(timegm(&parts)) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(milliseconds)
    }
}
