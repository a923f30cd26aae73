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
