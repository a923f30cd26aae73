import Foundation
import Logging
import SwitchboardCore
import SwitchboardStore

/// The control-plane APIs backed by the store: Portkey's configs, API keys, virtual keys and providers, logs,
/// feedback and analytics; OpenRouter's presets; the models registry. The data plane hands it whole requests
/// (``serves(uri:)`` decides which) and it answers them off the event loop; a write refreshes the data plane's
/// view of the store (``ControlPlaneHost/storeChanged()``) before it is answered, so the next request already
/// routes with it.
public final class ControlPlane: Sendable {
    /// An answer: status, body and headers beyond the gateway's own.
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var contentType = "application/json"
        public var headers: [(String, String)] = []
    }

    let store: any Store
    let host: any ControlPlaneHost
    let logger: Logger

    public init(store: any Store, host: any ControlPlaneHost, logger: Logger) {
        self.store = store
        self.host = host
        self.logger = logger
    }

    /// Whether the request target `uri` belongs to the control plane (answered here rather than passed
    /// through): one of the collections, an item under it, or either with a query. Prefix tests only, so model
    /// requests pay no allocation for it.
    public static func serves(uri: String) -> Bool {
        Self.collections.contains { collection in
            guard uri.hasPrefix(collection) else { return false }
            let next = uri.utf8.dropFirst(collection.utf8.count).first
            return next == nil || next == UInt8(ascii: "/") || next == UInt8(ascii: "?")
        }
    }

    private static let collections = [
        "/v1/configs", "/v1/api-keys", "/v1/virtual-keys", "/v1/providers", "/v1/integrations", "/api/v1/presets",
        "/v1/presets", "/api/v0/models", "/v1/logs", "/v1/feedback", "/v1/analytics",
    ]

    /// Answers one request; `uri` is the request target (path and query), `headers` the request's headers by
    /// lowercase name (the first of each).
    public func handle(method: String, uri: String, headers: [String: String] = [:], body: [UInt8]) async -> Response {
        let components = URLComponents(string: uri)
        let path = Substring(components?.path ?? uri)
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] where query[item.name] == nil { query[item.name] = item.value ?? "" }
        do {
            if path.hasPrefix("/api/v0/models") {
                return try await self.routeModels(
                    method: method,
                    path: path,
                    query: query,
                    headers: headers,
                    body: body
                )
            }
            if path.hasPrefix("/v1/logs") || path.hasPrefix("/v1/feedback") || path.hasPrefix("/v1/analytics") {
                return try await self.routeLogs(method: method, path: path, query: query, body: body)
            }
            if path.hasPrefix("/api/v1/presets") || path.hasPrefix("/v1/presets") {
                return try await self.routePresets(method: method, path: path, query: query, body: body)
            }
            return try await self.route(method: method, path: path, query: query, body: body)
        } catch let error as any ControlPlaneError {
            return error.response
        } catch {
            self.logger.error("control-plane request failed", metadata: ["path": "\(path)", "error": "\(error)"])
            return APIError(503, "The store could not complete the request: \(error). Try again.").response
        }
    }

    private func route(
        method: String,
        path: Substring,
        query: [String: String],
        body: [UInt8]
    ) async throws
        -> Response
    {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).dropFirst(2).map(String.init)
        if path.hasPrefix("/v1/api-keys") { return try await self.routeKeys(method: method, path: path, body: body) }
        for kind in CredentialKind.allCases where path.hasPrefix("/v1/\(kind.rawValue)s") {
            return try await self.routeCredentials(
                kind,
                method: method,
                path: path,
                parts: parts,
                query: query,
                body: body
            )
        }
        switch (method, parts.count) {
        case ("GET", 0): return try await self.listConfigs()
        case ("POST", 0): return try await self.createConfig(body)
        case ("GET", 1): return try await self.getConfig(parts[0])
        case ("PUT", 1): return try await self.updateConfig(parts[0], body)
        case ("DELETE", 1): return try await self.deleteConfig(parts[0])
        case ("GET", 2) where parts[1] == "versions": return try await self.versions(parts[0])
        case (_, 0...1),
            (_, 2) where parts[1] == "versions":
            throw APIError(405, "\(method) is not allowed on \(path); see docs/control-plane.md.")
        default:
            throw APIError(404, "No control-plane route \(method) \(path).")
        }
    }

    // MARK: - Configs

    private func listConfigs() async throws -> Response {
        let items = try await self.store.listConfigs().map { self.configJSON($0, includeConfig: false) }
        return .json(["success": true, "object": "list", "total": items.count, "data": items])
    }

    private func createConfig(_ body: [UInt8]) async throws -> Response {
        let object = try Self.object(body)
        guard let name = object["name"] as? String, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError(400, "'name' is required: a non-empty string naming the config.")
        }
        let text = try self.validatedConfig(object["config"], required: true)!
        let isDefault = try Self.flag(object["is_default"] ?? object["isDefault"], "is_default")
        var slug = try (object["slug"]).map { value -> String in
            guard let slug = value as? String, Slug.isValid(slug, allowingDots: false) else {
                throw APIError(400, "'slug' must use a-z, 0-9, '-' and '_' (at most 64 characters).")
            }
            return slug
        }
        if slug == nil { slug = Self.makeSlug(name: name) }
        let stored: StoredConfig
        do {
            stored = try await self.store.createConfig(slug: slug!, name: name, config: text, isDefault: isDefault)
        } catch let error as StoreError where error.code == .conflict {
            throw APIError(409, "A config with slug '\(slug!)' already exists; choose another slug or update it.")
        }
        try await self.host.storeChanged()
        let data: [String: Any] = ["id": stored.id, "version_id": stored.versionID, "slug": stored.slug]
        return .json(data.merging(["success": true, "data": data, "object": "config"]) { a, _ in a })
    }

    private func getConfig(_ slug: String) async throws -> Response {
        guard let stored = try await self.store.config(slug: slug) else { throw Self.noConfig(slug) }
        let data = self.configJSON(stored, includeConfig: true)
        return .json(data.merging(["success": true, "data": data]) { a, _ in a })
    }

    private func updateConfig(_ slug: String, _ body: [UInt8]) async throws -> Response {
        let object = try Self.object(body)
        let name = try object["name"].map { value -> String in
            guard let name = value as? String, !name.isEmpty else {
                throw APIError(400, "'name' must be a non-empty string.")
            }
            return name
        }
        let status = try object["status"].map { value -> String in
            guard let status = value as? String, ["active", "archived"].contains(status) else {
                throw APIError(400, "'status' must be \"active\" or \"archived\".")
            }
            return status
        }
        let text = try self.validatedConfig(object["config"], required: false)
        guard name != nil || status != nil || text != nil else {
            throw APIError(400, "Nothing to update: send 'name', 'config' or 'status'.")
        }
        guard let stored = try await self.store.updateConfig(slug: slug, name: name, config: text, status: status)
        else {
            throw Self.noConfig(slug)
        }
        try await self.host.storeChanged()
        let data: [String: Any] = ["version_id": stored.versionID]
        return .json(["success": true, "data": data, "version_id": stored.versionID, "object": "config"])
    }

    private func deleteConfig(_ slug: String) async throws -> Response {
        guard try await self.store.deleteConfig(slug: slug) else { throw Self.noConfig(slug) }
        try await self.host.storeChanged()
        return .json(["success": true])
    }

    private func versions(_ slug: String) async throws -> Response {
        guard let stored = try await self.store.config(slug: slug),
            let versions = try await self.store.configVersions(slug: slug)
        else { throw Self.noConfig(slug) }
        let items: [[String: Any]] = versions.map { version in
            var item = self.configJSON(stored, includeConfig: false)
            item["name"] = version.name
            item["status"] = version.status
            item["created_at"] = version.createdAt
            item["last_updated_at"] = version.createdAt
            item["version_id"] = version.versionID
            item["config"] = version.config  // a JSON string here, as Portkey sends it
            item["format"] = "json"
            item["type"] = "ORG_CONFIG"
            return item
        }
        return .json(["success": true, "object": "list", "total": items.count, "data": items])
    }

    // MARK: - API keys

    private func routeKeys(method: String, path: Substring, body: [UInt8]) async throws -> Response {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).dropFirst(2).map(String.init)
        switch (method, parts.count) {
        case ("GET", 0): return try await self.listKeys()
        // Portkey: POST /api-keys/{type}/{sub-type}; a bare POST /api-keys makes a workspace service key.
        case ("POST", 0): return try await self.createKey(type: "workspace-service", body)
        case ("POST", 2) where parts[1] == "rotate": return try await self.rotateKey(parts[0], body)
        case ("POST", 2): return try await self.createKey(type: "\(parts[0])-\(parts[1])", body)
        case ("GET", 1): return try await self.getKey(parts[0])
        case ("PUT", 1): return try await self.updateKey(parts[0], body)
        case ("DELETE", 1):
            guard try await self.store.deleteAPIKey(id: parts[0]) else { throw Self.noKey(parts[0]) }
            try await self.host.storeChanged()
            return .json(["success": true])
        case (_, 0...2): throw APIError(405, "\(method) is not allowed on \(path); see docs/control-plane.md.")
        default: throw APIError(404, "No control-plane route \(method) \(path).")
        }
    }

    private func listKeys() async throws -> Response {
        let items = try await self.store.listAPIKeys().map(Self.keyJSON)
        return .json(["success": true, "object": "list", "total": items.count, "data": items])
    }

    private func getKey(_ id: String) async throws -> Response {
        guard let key = try await self.store.apiKey(id: id) else { throw Self.noKey(id) }
        let data = Self.keyJSON(key)
        return .json(data.merging(["success": true, "data": data]) { a, _ in a })
    }

    private func createKey(type: String, _ body: [UInt8]) async throws -> Response {
        let validTypes = ["organisation-service", "organisation-user", "workspace-service", "workspace-user"]
        guard validTypes.contains(type) else {
            throw APIError(
                400,
                "Key type '\(type)' is not one of: \(validTypes.joined(separator: ", ")) (path /v1/api-keys/TYPE/SUB-TYPE)."
            )
        }
        let object = try Self.object(body)
        guard let name = object["name"] as? String, !name.isEmpty else {
            throw APIError(400, "'name' is required: a non-empty string.")
        }
        let scopes = try Self.scopes(object["scopes"], required: true)!
        let description = try Self.optionalString(object["description"], "description") ?? ""
        let defaults = try self.defaults(object["defaults"]) ?? "{}"
        let key = APIKeys.generate()
        let record = APIKeys.record(
            key: key,
            name: name,
            description: description,
            type: type,
            scopes: scopes,
            defaults: defaults
        )
        try await self.store.createAPIKey(record)
        try await self.host.storeChanged()
        self.logger.info("API key created", metadata: ["id": "\(record.id)", "name": "\(name)", "scopes": "\(scopes)"])
        // The only time the key is shown.
        return .json(["success": true, "id": record.id, "key": key, "object": "api-key"])
    }

    private func updateKey(_ id: String, _ body: [UInt8]) async throws -> Response {
        let object = try Self.object(body)
        guard var key = try await self.store.apiKey(id: id) else { throw Self.noKey(id) }
        if let name = object["name"] {
            guard let name = name as? String, !name.isEmpty else {
                throw APIError(400, "'name' must be a non-empty string.")
            }
            key.name = name
        }
        key.description = try Self.optionalString(object["description"], "description") ?? key.description
        key.scopes = try Self.scopes(object["scopes"], required: false) ?? key.scopes
        key.defaults = try self.defaults(object["defaults"]) ?? key.defaults
        if let status = object["status"] {
            guard let status = status as? String, ["active", "archived"].contains(status) else {
                throw APIError(400, "'status' must be \"active\" or \"archived\".")
            }
            key.status = status
        }
        guard let updated = try await self.store.updateAPIKey(key) else { throw Self.noKey(id) }
        try await self.host.storeChanged()
        let data = Self.keyJSON(updated)
        return .json(data.merging(["success": true, "data": data]) { a, _ in a })
    }

    /// A new key for `id`; the old one keeps working for `key_transition_period_ms` (default 0: stops at once).
    private func rotateKey(_ id: String, _ body: [UInt8]) async throws -> Response {
        let object = body.isEmpty ? [:] : try Self.object(body)
        var period = 0
        if let value = object["key_transition_period_ms"], !(value is NSNull) {
            guard let number = value as? Int, (0...31 * 86_400_000).contains(number) else {
                throw APIError(400, "'key_transition_period_ms' must be an integer from 0 to 2678400000 (31 days).")
            }
            period = number
        }
        let key = APIKeys.generate()
        let until = period > 0 ? Timestamps.now(plusMilliseconds: period) : nil
        guard
            try await self.store.rotateAPIKey(
                id: id,
                keyHash: APIKeys.hash(key),
                keyHint: APIKeys.hint(key),
                previousExpiresAt: until
            ) != nil
        else { throw Self.noKey(id) }
        try await self.host.storeChanged()
        self.logger.info("API key rotated", metadata: ["id": "\(id)", "transition_ms": "\(period)"])
        return .json([
            "success": true, "id": id, "key": key, "key_transition_expires_at": until ?? Timestamps.now(),
            "object": "api-key",
        ])
    }

    private static func keyJSON(_ key: StoredAPIKey) -> [String: Any] {
        [
            "id": key.id, "key": key.keyHint, "name": key.name, "description": key.description, "type": key.type,
            "organisation_id": "local", "workspace_id": "local", "status": key.status, "created_at": key.createdAt,
            "last_updated_at": key.lastUpdatedAt, "creation_mode": "api", "scopes": key.scopes,
            "defaults": (try? JSONSerialization.jsonObject(with: Data(key.defaults.utf8))) ?? [:], "object": "api-key",
        ]
    }

    private static func scopes(_ value: Any?, required: Bool) throws -> [String]? {
        guard let value else {
            if required {
                throw APIError(
                    400,
                    "'scopes' is required: a list of \(APIKeys.scopes.sorted().joined(separator: ", "))."
                )
            }
            return nil
        }
        guard let scopes = value as? [String], !scopes.isEmpty else {
            throw APIError(400, "'scopes' must be a non-empty list of strings.")
        }
        let unknown = scopes.filter { !APIKeys.scopes.contains($0) }
        guard unknown.isEmpty else {
            throw APIError(
                400,
                "Unknown scope \(unknown.map { "'\($0)'" }.joined(separator: ", ")); scopes are "
                    + "\(APIKeys.scopes.sorted().joined(separator: ", ")) (admin includes the others)."
            )
        }
        return scopes
    }

    /// `defaults`: `config_id` must name a config that exists (stored or in the config file).
    private func defaults(_ value: Any?) throws -> String? {
        guard let value else { return nil }
        guard let object = value as? [String: Any] else { throw APIError(400, "'defaults' must be an object.") }
        if let config = object["config_id"] {
            guard let slug = config as? String else { throw APIError(400, "'defaults.config_id' must be a string.") }
            guard self.host.storedConfig(slug) != nil || self.host.config.configs[slug] != nil else {
                throw APIError(400, "'defaults.config_id': config '\(slug)' not found.")
            }
        }
        if let flag = object["allow_config_override"], !(flag is Bool) {
            throw APIError(400, "'defaults.allow_config_override' must be true or false.")
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func optionalString(_ value: Any?, _ name: String) throws -> String? {
        guard let value else { return nil }
        guard let text = value as? String else { throw APIError(400, "'\(name)' must be a string.") }
        return text
    }

    private static func noKey(_ id: String) -> APIError {
        APIError(404, "API key '\(id)' not found.")
    }

    // MARK: - Helpers

    /// The config's JSON text after checking it as the data plane will read it.
    private func validatedConfig(_ value: Any?, required: Bool) throws -> String? {
        guard let value else {
            if required { throw APIError(400, "'config' is required: a Portkey config object.") }
            return nil
        }
        let text: String
        if let string = value as? String {
            text = string
        } else if value is [String: Any],
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        {
            text = String(decoding: data, as: UTF8.self)
        } else {
            throw APIError(400, "'config' must be a JSON object (a Portkey config).")
        }
        let config: PortkeyConfig
        do {
            config = try PortkeyConfig.parse(text: text)
        } catch {
            throw APIError(400, error.message ?? "Invalid config passed", errors: error.errors)
        }
        let unknown = self.host.config.unknownProviders(in: config) { self.host.storedCredential($0) != nil }
        if !unknown.isEmpty {
            throw APIError(
                400,
                "Unknown provider \(unknown.map { "'\($0)'" }.joined(separator: ", ")) in config; configured: "
                    + "\(self.host.config.providerSlugs.joined(separator: ", ")), a well-known provider id, or "
                    + "the slug of a stored provider, virtual key or integration."
            )
        }
        return text
    }

    private func configJSON(_ stored: StoredConfig, includeConfig: Bool) -> [String: Any] {
        var item: [String: Any] = [
            "id": stored.id, "name": stored.name, "slug": stored.slug, "organisation_id": "local",
            "workspace_id": "local", "is_default": stored.isDefault ? 1 : 0, "status": stored.status,
            "owner_id": "local", "updated_by": "local", "created_at": stored.createdAt,
            "last_updated_at": stored.lastUpdatedAt, "version_id": stored.versionID, "object": "config",
        ]
        if includeConfig {
            item["config"] = (try? JSONSerialization.jsonObject(with: Data(stored.config.utf8))) ?? stored.config
            item["format"] = "json"
            item["type"] = "ORG_CONFIG"
        }
        return item
    }

    static func object(_ body: [UInt8]) throws -> [String: Any] {
        guard !body.isEmpty else { throw APIError(400, "The request needs a JSON object body.") }
        guard let value = try? JSONSerialization.jsonObject(with: Data(body)) else {
            throw APIError(400, "The request body is not valid JSON.")
        }
        guard let object = value as? [String: Any] else {
            throw APIError(400, "The request body must be a JSON object.")
        }
        return object
    }

    static func flag(_ value: Any?, _ name: String) throws -> Bool {
        switch value {
        case nil, is NSNull: return false
        case let flag as Bool: return flag
        case let number as Int where number == 0 || number == 1: return number == 1
        default: throw APIError(400, "'\(name)' must be 0, 1, true or false.")
        }
    }

    private static func noConfig(_ slug: String) -> APIError {
        APIError(404, "Config '\(slug)' not found.")
    }

    /// `name` in slug letters: lowercase ASCII letters and digits, runs of anything else as one `-`.
    static func slugBase(_ name: String) -> String {
        var base = ""
        for character in name.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                base.append(character)
            } else if !base.hasSuffix("-") {
                base.append("-")
            }
        }
        return String(base.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(24))
    }

    /// Portkey's slug form, `<prefix><name>-<6 hex>` (`pc-` for configs).
    static func makeSlug(name: String, prefix: String = "pc-") -> String {
        let base = Self.slugBase(name)
        let suffix = String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        return prefix + (base.isEmpty ? "" : base + "-") + String(repeating: "0", count: 6 - suffix.count) + suffix
    }
}

/// An error a control-plane API answers with, in that API's own shape.
protocol ControlPlaneError: Error {
    var response: ControlPlane.Response { get }
}

/// A control-plane error: `{"success":false,"status":"failure","message",…}` with an HTTP status.
struct APIError: ControlPlaneError {
    var status: Int
    var message: String
    var errors: [String]?

    init(_ status: Int, _ message: String, errors: [String]? = nil) {
        self.status = status
        self.message = message
        self.errors = errors
    }

    var response: ControlPlane.Response {
        var body: [String: Any] = ["success": false, "status": "failure", "message": self.message]
        body["data"] = ["message": self.message]
        if let errors = self.errors { body["errors"] = errors }
        return .json(body, status: self.status)
    }
}

extension ControlPlane.Response {
    static func json(_ object: [String: Any], status: Int = 200) -> Self {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Self(status: status, body: Array(data))
    }

    static func json(_ value: JSONValue, status: Int = 200, headers: [(String, String)] = []) -> Self {
        Self(status: status, body: Array(value.jsonText.utf8), headers: headers)
    }
}
