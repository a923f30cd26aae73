import SwitchboardCore

/// Header-name tests on received bytes.
enum HeaderNames {
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
}
