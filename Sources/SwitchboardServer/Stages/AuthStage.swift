import Foundation
import NIOHTTP1
import SwitchboardCore
import SwitchboardStore
import Synchronization

/// Gateway API keys at request time. Open (no key needed; a key a client sends anyway is ignored) while the
/// gateway listens on loopback and no key exists; otherwise every API request needs an active key with the
/// right scope. The operations endpoints (`/healthz`, `/readyz`, `/metrics`, `/`) stay open.
struct AuthStage: RequestStage {
    func headRead(_ request: inout GatewayRequest, runtime: GatewayRuntime) throws(GatewayError) {
        guard runtime.requiresKeys else { return }
        let access: KeyGrant.Access
        switch request.mode {
        case .local(let response) where !response.isError: return
        case .control:
            if request.head.method == .GET || request.head.method == .HEAD {
                access = .read
            } else if request.head.uri.hasPrefix("/v1/feedback") || request.head.uri.hasPrefix("/v1/logs")
                || Self.rendersAPrompt(request.head.uri)
            {
                // Applications send feedback, their own logs and prompts' variables with the key they call models
                // with.
                access = .inference
            } else {
                access = .write
            }
        default: access = .inference
        }
        let format: GatewayError.Format = access == .inference ? .openai : .portkey
        let head = request.head
        var presented: (key: String, header: GatewayKeyHeader)?
        if let key = request.portkey.apiKey {
            presented = (key, .portkey)
        } else if let value = head.header("authorization"), value.count > 7, value.prefix(7).lowercased() == "bearer " {
            presented = (String(value.dropFirst(7)), .authorization)
        } else if let key = head.header("x-api-key") {
            presented = (key, .xAPIKey)
        }
        guard let presented else {
            throw GatewayError(
                status: 401,
                type: "authentication_error",
                code: "missing_api_key",
                message: "This gateway needs an API key: send it as 'Authorization: Bearer sb-…' or "
                    + "'x-portkey-api-key: sb-…'. Keys are made with POST /v1/api-keys or `switchboard api-key create`.",
                format: format
            )
        }
        let key = presented.key.trimmingCharacters(in: .whitespaces)
        guard let grant = runtime.snapshot.grant(forKey: key) ?? Self.adminGrant(key, runtime: runtime),
            grant.validUntil.map({ $0 > Timestamps.now() }) ?? true
        else {
            throw GatewayError(
                status: 401,
                type: "authentication_error",
                code: "invalid_api_key",
                message: "The API key is not valid (unknown, deleted, archived, or replaced by a rotation).",
                format: format
            )
        }
        if let expiry = grant.expiresAt, expiry <= Date().timeIntervalSince1970 {
            throw GatewayError(
                status: 401,
                type: "authentication_error",
                code: "expired_api_key",
                message: "The API key expired (its expires_at has passed); set a later expires_at with "
                    + "PUT /v1/api-keys/{id}, or use another key.",
                format: format
            )
        }
        guard grant.allows(access) else {
            let needed = access == .write ? "'admin'" : access == .read ? "'read' or 'admin'" : "'inference' or 'admin'"
            throw GatewayError(
                status: 403,
                type: "permission_error",
                code: "missing_scope",
                message: "The API key lacks the scope for this request: it needs \(needed).",
                format: format
            )
        }
        request.grant = grant
        request.gatewayKeyHeader = presented.header
    }

    /// The grant of `SWITCHBOARD_ADMIN_KEY`, when `key` is it (compared as hashes, in constant time).
    private static func adminGrant(_ key: String, runtime: GatewayRuntime) -> KeyGrant? {
        guard let expected = runtime.adminKeyHash else { return nil }
        let presented = APIKeys.hash(key)
        var difference: UInt8 = 0
        for (a, b) in zip(presented.utf8, expected.utf8) { difference |= a ^ b }
        return difference == 0 && presented.utf8.count == expected.utf8.count ? KeyGrant.admin : nil
    }

    /// `POST /v1/prompts/{id}/render`.
    static func rendersAPrompt(_ uri: String) -> Bool {
        let path = uri.split(separator: "?", maxSplits: 1).first ?? ""
        return path.hasPrefix("/v1/prompts/") && path.hasSuffix("/render")
    }
}

extension GatewayRuntime {
    /// Whether requests need a gateway API key now.
    var requiresKeys: Bool {
        !self.listensOnLoopback || self.snapshot.keyCount.load(ordering: .relaxed) > 0
    }
}
