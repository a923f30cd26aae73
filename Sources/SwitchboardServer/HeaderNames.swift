/// Case-insensitive header-name tests without allocating lowercase copies.
enum HeaderNames {
    @inline(__always)
    static func equals(_ name: String, _ lowercase: StaticString) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
            let expected = lowercase.utf8Start
            for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] | 0x20 {
                return false
            }
            return true
        }
    }

    @inline(__always)
    static func hasPrefix(_ name: String, _ lowercase: StaticString) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            guard bytes.count >= lowercase.utf8CodeUnitCount else { return false }
            let expected = lowercase.utf8Start
            for index in 0..<lowercase.utf8CodeUnitCount where bytes[index] | 0x20 != expected[index] | 0x20 {
                return false
            }
            return true
        }
    }

    /// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1).
    static func isHopByHop(_ name: String) -> Bool {
        switch name.utf8.count {
        case 2: equals(name, "te")
        case 7: equals(name, "trailer") || equals(name, "upgrade")
        case 10: equals(name, "connection") || equals(name, "keep-alive")
        case 16: equals(name, "proxy-connection")
        case 17: equals(name, "transfer-encoding")
        case 19: equals(name, "proxy-authorization")
        default: false
        }
    }
}
