import SwitchboardCore

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

    /// Case-insensitive equality of two header names.
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { $0 | 0x20 == $1 | 0x20 }
    }

    /// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1).
    static func isHopByHop(_ name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 2: name.equalsIgnoringCase("te")
        case 7: name.equalsIgnoringCase("trailer") || name.equalsIgnoringCase("upgrade")
        case 10: name.equalsIgnoringCase("connection") || name.equalsIgnoringCase("keep-alive")
        case 16: name.equalsIgnoringCase("proxy-connection")
        case 17: name.equalsIgnoringCase("transfer-encoding")
        case 19: name.equalsIgnoringCase("proxy-authorization")
        default: false
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
