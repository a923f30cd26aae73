import NIOCore
import NIOHTTP1
import SwitchboardCore

/// The request head sent upstream, written straight as bytes: the client's header lines as received minus
/// hop-by-hop, `x-portkey-*` and replaced ones, plus the provider's credentials and headers.
enum UpstreamRequestHead {
    /// - Parameters:
    ///   - upstreamPath: the path after the endpoint's prefix, appended to the target's base path.
    ///   - gatewayKeyHeader: the header that carried the gateway's own key, which is never forwarded.
    ///   - bodyLength: the length of a buffered body; `nil` for a body that streams through.
    ///   - translated: the body is in another protocol than the client's: the client's own provider key (when
    ///     the target has none) is sent in the target kind's header, and the client protocol's own headers
    ///     (`anthropic-*`, `openai-*`) are left out.
    static func compose(
        client: ClientRequestHead,
        upstreamPath: Substring,
        gatewayKeyHeader: GatewayKeyHeader?,
        target: RouteTarget,
        bodyLength: Int?,
        translated: Bool = false
    ) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 768)
        buffer.writeString(client.method.rawValue)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(target.upstream.basePath)
        buffer.writeSubstring(upstreamPath)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        HTTPWire.writeHeader(&buffer, "host", target.upstream.hostHeader)
        let ownKey = target.apiKey != nil || translated
        var clientKey: String?
        // The gateway's own key is never forwarded; a provider key is replaced by the configured one.
        let dropAuthorization = ownKey || gatewayKeyHeader == .authorization
        let dropAPIKey = ownKey || gatewayKeyHeader == .xAPIKey
        let chunked = bodyLength == nil && client.parsed.fields.isChunked
        var sentDefaults = false
        // Client header lines are copied as received, minus the ones the gateway drops or replaces.
        client.bytes.withUnsafeReadableBytes { raw in
            for span in client.parsed.fields.headers {
                let name = UnsafeRawBufferPointer(rebasing: raw[span.name])
                if HeaderNames.isHopByHop(name)
                    || (name.hasPrefixIgnoringCase("x-portkey-")
                        && !target.forwardHeaders.contains(where: { name.elementsEqualIgnoringCase($0) }))
                    || name.equalsIgnoringCase("host") || name.equalsIgnoringCase("expect")
                    // Identity encoding, so the gateway can read usage from responses as they pass.
                    || name.equalsIgnoringCase("accept-encoding")
                    || ((bodyLength != nil || chunked) && name.equalsIgnoringCase("content-length"))
                    || (dropAuthorization && name.equalsIgnoringCase("authorization"))
                    || (dropAPIKey && name.equalsIgnoringCase("x-api-key"))
                    || (translated
                        && (name.hasPrefixIgnoringCase("anthropic-") || name.hasPrefixIgnoringCase("openai-")))
                    || target.headers.contains(where: { field in name.elementsEqualIgnoringCase(field.name) })
                {
                    if translated, target.apiKey == nil, clientKey == nil {
                        clientKey = Self.providerKey(
                            name: name,
                            value: UnsafeRawBufferPointer(rebasing: raw[span.value]),
                            gatewayKeyHeader: gatewayKeyHeader
                        )
                    }
                    continue
                }
                if name.equalsIgnoringCase("anthropic-version") { sentDefaults = true }
                HTTPWire.writeHeader(&buffer, name, UnsafeRawBufferPointer(rebasing: raw[span.value]))
            }
        }
        if let key = target.apiKey ?? clientKey {
            for field in target.kind.credentialHeaders(apiKey: key) {
                HTTPWire.writeHeader(&buffer, field.name, field.value)
            }
        }
        if !sentDefaults, !target.headers.contains(where: { $0.name == "anthropic-version" }) {
            for field in target.kind.defaultHeaders { HTTPWire.writeHeader(&buffer, field.name, field.value) }
        }
        for field in target.headers { HTTPWire.writeHeader(&buffer, field.name, field.value) }
        if let bodyLength {
            HTTPWire.writeHeader(&buffer, "content-length", String(bodyLength))
        } else if chunked {
            buffer.writeStaticString("transfer-encoding: chunked\r\n")
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// The client's provider key in `authorization: Bearer …` or `x-api-key`, unless that header carried the
    /// gateway's own key.
    private static func providerKey(
        name: UnsafeRawBufferPointer,
        value: UnsafeRawBufferPointer,
        gatewayKeyHeader: GatewayKeyHeader?
    ) -> String? {
        if name.equalsIgnoringCase("authorization"), gatewayKeyHeader != .authorization {
            let text = String(decoding: value, as: UTF8.self)
            return text.lowercased().hasPrefix("bearer ") ? String(text.dropFirst(7)) : nil
        }
        if name.equalsIgnoringCase("x-api-key"), gatewayKeyHeader != .xAPIKey {
            return String(decoding: value, as: UTF8.self)
        }
        return nil
    }
}
