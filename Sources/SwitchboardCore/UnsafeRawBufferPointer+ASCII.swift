#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UnsafeRawBufferPointer {
    /// Compares raw bytes with an ASCII literal without allocating.
    @inlinable
    public func equals(_ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard self.count == length else { return false }
        let base = literal.utf8Start
        for offset in 0..<length where self[offset] != base[offset] { return false }
        return true
    }
}

extension UnsafeRawBufferPointer {
    /// ASCII case-insensitive equality with a lowercase literal.
    @inlinable
    public func equalsIgnoringCase(_ lowercase: StaticString) -> Bool {
        let length = lowercase.utf8CodeUnitCount
        guard self.count == length else { return false }
        let base = lowercase.utf8Start
        for offset in 0..<length {
            var byte = self[offset]
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if byte != base[offset] { return false }
        }
        return true
    }

    /// Whether a lowercase ASCII `word` occurs in these bytes, ignoring case.
    @inlinable
    public func containsIgnoringCase(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard self.count >= length else { return false }
        let base = word.utf8Start
        outer: for start in 0...(self.count - length) {
            for offset in 0..<length {
                var byte = self[start + offset]
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                if byte != base[offset] { continue outer }
            }
            return true
        }
        return false
    }
}

extension UnsafeRawBufferPointer {
    /// ASCII case-insensitive prefix test with a lowercase literal.
    @inlinable
    public func hasPrefixIgnoringCase(_ lowercase: StaticString) -> Bool {
        let length = lowercase.utf8CodeUnitCount
        guard self.count >= length else { return false }
        return UnsafeRawBufferPointer(rebasing: self[0..<length]).equalsIgnoringCase(lowercase)
    }

    /// ASCII case-insensitive equality with a string.
    public func elementsEqualIgnoringCase(_ other: String) -> Bool {
        guard self.count == other.utf8.count else { return false }
        return zip(self, other.utf8).allSatisfy { a, b in
            let lowerA = a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a
            let lowerB = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
            return lowerA == lowerB
        }
    }
}

extension UnsafeRawBufferPointer {
    /// The first `byte` at or after `start` (`memchr`: streams are searched byte by byte for line ends).
    public func firstIndex(of byte: UInt8, from start: Int) -> Int? {
        guard start < self.count, let base = self.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), self.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The first occurrence of `needle` at or after `start`, found with `memchr` on the needle's first letter or
    /// digit: JSON keys start with a quote, and quotes are everywhere in JSON.
    public func firstRange(of needle: [UInt8], from start: Int = 0) -> Range<Int>? {
        guard !needle.isEmpty else { return nil }
        let anchor = Self.anchor(of: needle)
        var at = start + anchor
        while let found = self.firstIndex(of: needle[anchor], from: at) {
            let candidate = found - anchor
            guard candidate + needle.count <= self.count else { return nil }
            if self.matches(needle, at: candidate) { return candidate..<(candidate + needle.count) }
            at = found + 1
        }
        return nil
    }

    /// The last occurrence of `needle`, found going forward (event payloads hold none or one, wherever it is).
    public func lastRange(of needle: [UInt8]) -> Range<Int>? {
        var last: Range<Int>?
        while let found = self.firstRange(of: needle, from: last.map { $0.lowerBound + 1 } ?? 0) { last = found }
        return last
    }

    private static func anchor(of needle: [UInt8]) -> Int {
        needle.firstIndex { byte in
            let lower = byte | 0x20
            return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        } ?? 0
    }

    private func matches(_ needle: [UInt8], at offset: Int) -> Bool {
        // JSON keys start and end with a quote, frequent in JSON: a middle byte rules out most places first.
        let middle = needle.count / 2
        guard self[offset + middle] == needle[middle] else { return false }
        return needle.withUnsafeBytes { memcmp(self.baseAddress! + offset, $0.baseAddress!, needle.count) == 0 }
    }

    /// Whether these bytes start with an ASCII literal.
    public func hasPrefix(_ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard self.count >= length else { return false }
        return memcmp(self.baseAddress!, literal.utf8Start, length) == 0
    }
}
