import Foundation
import Logging
import SwitchboardCore
import SwitchboardStore

/// Portkey's `/v1/virtual-keys`, `/v1/providers` and `/v1/integrations`: three views over one credential
/// table. An integration holds a provider id and its secret; a provider is a handle (`@slug`) that draws on an
/// integration; a virtual key is the older form of a provider with its own secret. Secrets are sealed before
/// they are stored and never leave the gateway: listings show a masked hint at most.
extension ControlPlane {
    func routeCredentials(
        _ kind: CredentialKind,
        method: String,
        path: Substring,
        parts: [String],
        query: [String: String],
        body: [UInt8]
    ) async throws -> Response {
        switch (method, parts.count) {
        case ("GET", 0): return try await self.listCredentials(kind, query: query)
        case ("POST", 0): return try await self.createCredential(kind, body)
        case ("GET", 1):
            return .json(self.credentialJSON(try await self.findCredential(kind, parts[0]), detailed: true))
        case ("PUT", 1): return try await self.updateCredential(kind, parts[0], body)
        case ("DELETE", 1):
            let found = try await self.findCredential(kind, parts[0])
            do {
                _ = try await self.store.deleteCredential(slug: found.slug, kind: found.kind)
            } catch let error as StoreError where error.code == .inUse {
                let message = error.detail
                throw APIError(409, message)
            }
            try await self.host.storeChanged()
            self.logger.info(
                "provider credential deleted",
                metadata: ["slug": "\(found.slug)", "kind": "\(found.kind)"]
            )
            return .json(["success": true])
        case (_, 0...1): throw APIError(405, "\(method) is not allowed on \(path); see docs/control-plane.md.")
        default: throw APIError(404, "No control-plane route \(method) \(path).")
        }
    }

    /// The kinds a view shows: a virtual key is a provider too.
    private static func viewKinds(_ kind: CredentialKind) -> [CredentialKind] {
        kind == .provider ? [.provider, .virtualKey] : [kind]
    }

    private static func noun(_ kind: CredentialKind) -> String {
        switch kind {
        case .integration: "Integration"
        case .provider: "Provider"
        case .virtualKey: "Virtual key"
        }
    }

    private func findCredential(_ kind: CredentialKind, _ slug: String) async throws -> StoredCredential {
        guard let found = try await self.store.credential(slug: slug, kinds: Self.viewKinds(kind)) else {
            throw APIError(404, "\(Self.noun(kind)) '\(slug)' not found.")
        }
        return found
    }

    private func listCredentials(_ kind: CredentialKind, query: [String: String]) async throws -> Response {
        let all = try await self.store.listCredentials(kinds: Self.viewKinds(kind))
        let page = try Self.page(all, query: query, defaultSize: kind == .integration ? 100 : 50)
        return .json([
            "success": true, "object": "list", "total": all.count,
            "data": page.map { self.credentialJSON($0, detailed: false, view: kind) },
        ])
    }

    // MARK: - Create

    private func createCredential(_ kind: CredentialKind, _ body: [UInt8]) async throws -> Response {
        let object = try Self.object(body)
        guard let name = object["name"] as? String, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError(400, "'name' is required: a non-empty string naming the \(Self.noun(kind).lowercased()).")
        }
        var credential = StoredCredential(
            slug: try Self.slug(object["slug"]) ?? Self.makeSlug(name: name, kind: kind),
            kind: kind,
            name: name,
            provider: ""
        )
        switch kind {
        case .virtualKey:
            credential.provider = try self.providerID(object["provider"], field: "provider")
        case .integration:
            credential.provider = try self.providerID(object["ai_provider_id"], field: "ai_provider_id")
        case .provider:
            guard let integration = object["integration_id"] as? String else {
                throw APIError(400, "'integration_id' is required: the slug of the integration this provider uses.")
            }
            guard try await self.store.credential(slug: integration, kinds: [.integration]) != nil else {
                throw APIError(400, "'integration_id': integration '\(integration)' not found; create it first.")
            }
            credential.integration = integration
        }
        if kind != .provider, let secret = try Self.optionalString(object["key"], "key") {
            credential.sealedSecret = try self.host.vault.seal(secret, for: credential.id)
            credential.secretHint = CredentialVault.mask(secret)
        }
        credential.details = try Self.details(object, kind: kind, merging: "{}")
        try await self.insert(credential)
        var made = [credential.slug]
        if kind == .integration, try Self.flag(object["create_default_provider"], "create_default_provider") {
            let provider = StoredCredential(
                slug: try Self.slug(object["default_provider_slug"]) ?? credential.slug,
                kind: .provider,
                name: name,
                provider: "",
                integration: credential.slug
            )
            try await self.insert(provider)
            made.append(provider.slug)
        }
        try await self.host.storeChanged()
        self.logger.info(
            "provider credential created",
            metadata: ["slug": "\(credential.slug)", "kind": "\(kind)", "provider": "\(credential.provider)"]
        )
        var reply: [String: Any] = ["success": true, "id": credential.id, "slug": credential.slug]
        if kind == .virtualKey { reply["data"] = ["slug": credential.slug] }
        if made.count > 1 { reply["default_provider_slug"] = made[1] }
        return .json(reply)
    }

    private func insert(_ credential: StoredCredential) async throws {
        do {
            try await self.store.createCredential(credential)
        } catch let error as StoreError where error.code == .conflict {
            throw APIError(
                409,
                "\(Self.noun(credential.kind)) slug '\(credential.slug)' is taken; choose another 'slug'."
            )
        }
    }

    // MARK: - Update

    private func updateCredential(_ kind: CredentialKind, _ slug: String, _ body: [UInt8]) async throws -> Response {
        let object = try Self.object(body)
        var credential = try await self.findCredential(kind, slug)
        if let name = object["name"] {
            guard let name = name as? String, !name.isEmpty else {
                throw APIError(400, "'name' must be a non-empty string.")
            }
            credential.name = name
        }
        if let status = object["status"] {
            guard let status = status as? String, ["active", "archived"].contains(status) else {
                throw APIError(400, "'status' must be \"active\" or \"archived\".")
            }
            credential.status = status
        }
        if credential.kind != .provider, let secret = try Self.optionalString(object["key"], "key") {
            credential.sealedSecret = try self.host.vault.seal(secret, for: credential.id)
            credential.secretHint = CredentialVault.mask(secret)
        }
        credential.details = try Self.details(object, kind: credential.kind, merging: credential.details)
        guard let updated = try await self.store.updateCredential(credential) else {
            throw APIError(404, "\(Self.noun(kind)) '\(slug)' not found.")
        }
        try await self.host.storeChanged()
        self.logger.info("provider credential updated", metadata: ["slug": "\(slug)", "kind": "\(updated.kind)"])
        var reply = self.credentialJSON(updated, detailed: true, view: kind)
        reply["success"] = true
        return .json(reply)
    }

    // MARK: - Fields

    /// A provider id a credential may name: a configured provider or a well-known id.
    private func providerID(_ value: Any?, field: String) throws -> String {
        let config = self.host.config
        let choices =
            "configured: \(config.providerSlugs.joined(separator: ", ")); well-known: "
            + KnownProviders.all.keys.sorted().joined(separator: ", ")
        guard let id = value as? String else {
            throw APIError(400, "'\(field)' is required: a provider id (\(choices)).")
        }
        guard config.provider(id) != nil || KnownProviders.all[id] != nil else {
            throw APIError(400, "'\(field)': unknown provider '\(id)' (\(choices)).")
        }
        return id
    }

    private static func slug(_ value: Any?) throws -> String? {
        guard let value else { return nil }
        guard let slug = value as? String, Slug.isValid(slug, allowingDots: false) else {
            throw APIError(400, "'slug' must use a-z, 0-9, '-' and '_' (at most 64 characters).")
        }
        return slug
    }

    /// The view fields kept besides the columns, checked and merged over `existing` (JSON text).
    private static func details(
        _ object: [String: Any],
        kind: CredentialKind,
        merging existing: String
    ) throws -> String {
        var details = (try? JSONSerialization.jsonObject(with: Data(existing.utf8))) as? [String: Any] ?? [:]
        let strings = kind == .integration ? ["description"] : ["note", "expires_at"]
        for field in strings where object[field] != nil {
            details[field] = try Self.optionalString(object[field], field)
        }
        if let host = object["custom_host"] {
            guard kind != .provider else {
                throw APIError(400, "'custom_host' belongs to the integration; a provider uses its integration's.")
            }
            guard let text = host as? String, UpstreamURL(parsing: text) != nil else {
                throw APIError(400, "'custom_host' must be an http:// or https:// URL, e.g. http://localhost:11434/v1.")
            }
            details["custom_host"] = text
        }
        if let configurations = object["configurations"] {
            guard let values = configurations as? [String: Any] else {
                throw APIError(400, "'configurations' must be an object.")
            }
            if let host = values["custom_host"], (host as? String).flatMap(UpstreamURL.init(parsing:)) == nil {
                throw APIError(400, "'configurations.custom_host' must be an http:// or https:// URL.")
            }
            details["configurations"] = values
        }
        if let limits = object["usage_limits"] {
            guard limits is NSNull || limits is [String: Any] else {
                throw APIError(
                    400,
                    "'usage_limits' must be an object: {credit_limit, type, alert_threshold, periodic_reset}."
                )
            }
            details["usage_limits"] = limits
        }
        if let limits = object["rate_limits"] {
            try Self.checkRateLimits(limits)
            details["rate_limits"] = limits
        }
        for field in ["secret_mappings", "model_config"] where object[field] != nil { details[field] = object[field] }
        let data = try JSONSerialization.data(withJSONObject: details, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private static func checkRateLimits(_ value: Any) throws {
        guard let limits = value as? [Any] else {
            throw APIError(400, "'rate_limits' must be a list of {type, unit, value}.")
        }
        for (index, limit) in limits.enumerated() {
            guard let limit = limit as? [String: Any], let type = limit["type"] as? String,
                ["requests", "tokens"].contains(type), let unit = limit["unit"] as? String,
                ["rpm", "rph", "rpd"].contains(unit), limit["value"] is Int
            else {
                throw APIError(
                    400,
                    "'rate_limits[\(index)]' must be {type: requests|tokens, unit: rpm|rph|rpd, value: integer}."
                )
            }
        }
    }

    /// A view of `credential`: Portkey's virtual-key, provider or integration object. Never the secret.
    private func credentialJSON(
        _ credential: StoredCredential,
        detailed: Bool,
        view: CredentialKind? = nil
    ) -> [String: Any] {
        let details = (try? JSONSerialization.jsonObject(with: Data(credential.details.utf8))) as? [String: Any] ?? [:]
        func field(_ name: String) -> Any { details[name] ?? NSNull() }
        var item: [String: Any] = [
            "id": credential.id, "name": credential.name, "slug": credential.slug, "status": credential.status,
            "created_at": credential.createdAt, "last_updated_at": credential.lastUpdatedAt, "workspace_id": "local",
        ]
        switch view ?? credential.kind {
        case .integration:
            item["object"] = "integration"
            item["organisation_id"] = "local"
            item["ai_provider_id"] = credential.provider
            item["description"] = field("description")
            item["configurations"] = details["configurations"] ?? [:]
            if detailed {
                item["masked_key"] = credential.secretHint ?? NSNull()
                item["custom_host"] = field("custom_host")
                item["type"] = "workspace"
                item["owner_id"] = "local"
                item["global_workspace_access"] = NSNull()
                item["global_workspace_access_settings"] = NSNull()
                item["allow_all_models"] = true
                item["workspace_count"] = 0
            }
        case .provider, .virtualKey:
            item["object"] = view == .provider ? "provider" : "virtual-key"
            item["note"] = field("note")
            item["usage_limits"] = field("usage_limits")
            // `null` when none: the portkey-ai SDK's provider listing expects an object there, not `[]`.
            item["rate_limits"] = (details["rate_limits"] as? [Any]).flatMap { $0.isEmpty ? nil : $0 } ?? NSNull()
            item["reset_usage"] = NSNull()
            item["expires_at"] = field("expires_at")
            if credential.kind == .provider {
                item["integration_id"] = credential.integration ?? NSNull()
            } else {
                item["provider"] = credential.provider
                item["custom_host"] = field("custom_host")
                item["model_config"] = field("model_config")
                item["secret_mappings"] = details["secret_mappings"] ?? []
            }
        }
        return item
    }

    /// Portkey's slugs: a provider or integration is named after itself; a virtual key gets a random suffix.
    private static func makeSlug(name: String, kind: CredentialKind) -> String {
        let base = Self.slugBase(name)
        return kind == .virtualKey || base.isEmpty ? Self.makeSlug(name: name, prefix: "") : base
    }

    /// `current_page` (from 0) and `page_size` applied to `items`.
    static func page<T>(_ items: [T], query: [String: String], defaultSize: Int) throws -> ArraySlice<T> {
        func number(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = query[name] else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw APIError(400, "'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound).")
            }
            return value
        }
        let size = try number("page_size", defaultSize, 1...1000)
        let page = try number("current_page", 0, 0...1_000_000)
        let start = min(items.count, page * size)
        return items[start..<min(items.count, start + size)]
    }
}
