import Foundation

/// Decides whether a client-supplied base URL (`x-portkey-custom-host`, config `custom_host`) may be used,
/// following Portkey's SSRF rules: no private, reserved or metadata addresses, no local-only names, no odd
/// numeric IP spellings; hosts in the trusted list (loopback by default, where local models live) are allowed.
public struct CustomHostValidator: Sendable {
    private let trusted: Set<String>

    public init(trustedHosts: [String]) {
        self.trusted = Set(trustedHosts.map { $0.lowercased() })
    }

    /// Returns the parsed URL, or why it is refused.
    public func validate(_ text: String) -> Result<UpstreamURL, GatewayError> {
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .failure(Self.invalid("it contains control characters"))
        }
        guard let url = UpstreamURL(parsing: text) else {
            return .failure(Self.invalid("it must be an absolute http:// or https:// URL without credentials"))
        }
        let host = url.host.lowercased()
        if self.trusted.contains(host) || host.hasSuffix(".localhost") { return .success(url) }
        guard host.unicodeScalars.allSatisfy(\.isASCII) else { return .failure(Self.invalid("non-ASCII host")) }
        guard !host.contains("%") else { return .failure(Self.invalid("'%' in the host")) }
        guard !host.hasSuffix(".") else { return .failure(Self.invalid("trailing dot in the host")) }
        guard !host.contains("api.portkey") else { return .failure(Self.invalid("the host is Portkey's own API")) }
        if host.contains(":") {
            if let reason = Self.blockedIPv6(host) { return .failure(Self.invalid(reason)) }
            return .success(url)
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count <= 10, !labels.contains(where: \.isEmpty) else {
            return .failure(Self.invalid("malformed host name"))
        }
        if Self.metadataHosts.contains(host) { return .failure(Self.invalid("cloud metadata address")) }
        if let last = labels.last, Self.blockedTLDs.contains(String(last)) {
            return .failure(Self.invalid("'.\(last)' names are local-only"))
        }
        if labels.allSatisfy({ Self.isNumericLabel($0) }) {
            guard labels.count == 4, let octets = Self.dottedDecimal(labels) else {
                return .failure(Self.invalid("IP addresses must be written as four decimal numbers"))
            }
            if let reason = Self.blockedIPv4(octets) { return .failure(Self.invalid(reason)) }
        }
        return .success(url)
    }

    private static func invalid(_ reason: String) -> GatewayError {
        GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "invalid_custom_host",
            param: "x-portkey-custom-host",
            message: "Invalid custom host: \(reason). Loopback hosts are trusted; other local hosts can be "
                + "added to server.trusted_custom_hosts.",
            format: .portkey
        )
    }

    private static let metadataHosts: Set<String> = [
        "169.254.169.254", "metadata.google.internal", "metadata.goog", "metadata", "100.100.100.200",
        "metadata.azure.com", "instance-data", "instance-data.ec2.internal",
    ]

    private static let blockedTLDs: Set<String> = [
        "local", "localdomain", "internal", "intranet", "lan", "home", "corp", "test", "invalid", "onion",
        "localhost",
    ]

    private static func isNumericLabel(_ label: Substring) -> Bool {
        if label.hasPrefix("0x") { return label.count > 2 && label.dropFirst(2).allSatisfy(\.isHexDigit) }
        return !label.isEmpty && label.allSatisfy(\.isNumber)
    }

    /// Canonical dotted decimal only: no leading zeros (octal), no hex.
    private static func dottedDecimal(_ labels: [Substring]) -> [UInt8]? {
        var octets: [UInt8] = []
        for label in labels {
            guard !label.hasPrefix("0x"), label == "0" || !label.hasPrefix("0"), let value = UInt8(label) else {
                return nil
            }
            octets.append(value)
        }
        return octets
    }

    private static func blockedIPv4(_ o: [UInt8]) -> String? {
        let reserved =
            o[0] == 0 || o[0] == 10 || o[0] == 127 || o[0] >= 224
            || (o[0] == 100 && (64...127).contains(o[1])) || (o[0] == 169 && o[1] == 254)
            || (o[0] == 172 && (16...31).contains(o[1])) || (o[0] == 192 && o[1] == 168)
            || (o[0] == 192 && o[1] == 0 && (o[2] == 0 || o[2] == 2)) || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
            || (o[0] == 198 && o[1] == 51 && o[2] == 100) || (o[0] == 203 && o[1] == 0 && o[2] == 113)
        return reserved ? "private or reserved IPv4 address" : nil
    }

    private static func blockedIPv6(_ host: String) -> String? {
        if host == "::" || host == "::1" { return "loopback or unspecified IPv6 address" }
        if host.hasPrefix("fc") || host.hasPrefix("fd") { return "private IPv6 address" }
        if ["fe8", "fe9", "fea", "feb"].contains(where: host.hasPrefix) { return "link-local IPv6 address" }
        if host.hasPrefix("ff") { return "multicast IPv6 address" }
        if let range = host.range(of: "::ffff:") {
            let labels = host[range.upperBound...].split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count == 4, let octets = dottedDecimal(labels) else { return "IPv4-mapped IPv6 address" }
            return blockedIPv4(octets)
        }
        return nil
    }
}
