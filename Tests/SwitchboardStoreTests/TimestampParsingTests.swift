import SwitchboardStore
import Testing

/// Date-times as clients write them (Python's `isoformat()`, Go's RFC3339Nano, JavaScript's `toISOString()`)
/// read as the same instant.
struct TimestampParsingTests {
    @Test(arguments: [
        ("2026-12-02T00:00:00Z", "2026-12-02T00:00:00.000Z"),
        ("2026-12-02T00:00:00.1Z", "2026-12-02T00:00:00.100Z"),
        ("2026-12-02T00:00:00.123456Z", "2026-12-02T00:00:00.123Z"),
        ("2026-12-02T00:00:00.123456789Z", "2026-12-02T00:00:00.123Z"),
        ("2026-12-02T05:30:00+05:30", "2026-12-02T00:00:00.000Z"),
        ("2026-12-01T20:00:00.5-04:00", "2026-12-02T00:00:00.500Z"),
        ("2026-12-02t00:00:00z", "2026-12-02T00:00:00.000Z"),
        ("2026-12-02 00:00:00", "2026-12-02T00:00:00.000Z"),
        ("2026-12-02", "2026-12-02T00:00:00.000Z"),
        // Found by schemathesis: times before 1970 (this one crashed the formatter), and beyond year 0000 or 9999.
        ("1900-10-31T18:49:46.510174+18:50", "1900-10-30T23:59:46.510Z"),
        ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
        ("0000-01-01T00:00:00+01:00", "0000-01-01T00:00:00.000Z"),
        ("9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59.999Z"),
    ])
    func readsRFC3339(text: String, stored: String) throws {
        let epochMs = try #require(Timestamps.epochMs(parsing: text))
        #expect(Timestamps.format(epochMs: epochMs) == stored)
    }

    @Test(arguments: [
        "", "yesterday", "2026-13-01", "2026-12-02T25:00:00Z", "2026-12-02T00:00:00.Z", "2026-12-02T00:00:00+0530",
        "2026-12-02T00:00:00Zjunk", "1733097600",
    ])
    func refusesAnythingElse(text: String) {
        #expect(Timestamps.epochMs(parsing: text) == nil)
    }
}
