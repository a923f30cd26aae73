import SwitchboardStore

/// Generates request ids in UUID v7 form — the time in milliseconds, then bits from a per-event-loop
/// xoshiro256** generator seeded once — so an id costs no lock, and ids sort by time (the request log's index
/// grows at its end instead of at random places). Also the loop's random source for load balancing and jitter.
struct RequestIDGenerator: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init() {
        var seed = SystemRandomNumberGenerator()
        self.state = (seed.next(), seed.next(), seed.next(), seed.next() | 1)
    }

    mutating func next() -> UInt64 {
        let result = Self.rotate(self.state.1 &* 5, 7) &* 9
        let t = self.state.1 << 17
        self.state.2 ^= self.state.0
        self.state.3 ^= self.state.1
        self.state.1 ^= self.state.2
        self.state.0 ^= self.state.3
        self.state.2 ^= t
        self.state.3 = Self.rotate(self.state.3, 45)
        return result
    }

    private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A new id such as `019a7f3c-2b4e-7c2e-8f10-6b7a5d4e3c21`.
    mutating func make() -> String {
        let milliseconds = UInt64(Timestamps.epochMs())
        var high = (milliseconds << 16) | (self.next() & 0xFFFF)
        var low = self.next()
        high = (high & ~0xF000) | 0x7000  // version 7
        low = (low & ~(0xC << 60)) | (0x8 << 60)  // variant 10
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[position] = hex.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    position += 1
                }
            }
            func dash() {
                buffer[position] = UInt8(ascii: "-")
                position += 1
            }
            put(high >> 32, nibbles: 8)
            dash()
            put((high >> 16) & 0xFFFF, nibbles: 4)
            dash()
            put(high & 0xFFFF, nibbles: 4)
            dash()
            put(low >> 48, nibbles: 4)
            dash()
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
            return 36
        }
    }
}
