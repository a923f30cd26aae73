import Crypto
import Foundation
import SwitchboardCore
import SwitchboardStore

/// What a valid gateway API key allows.
struct KeyGrant: Sendable {
    var id: String
    var scopes: Set<String>
    /// `defaults.config_id`: the config for requests that send none.
    var defaultConfig: String?
    /// `defaults.allow_config_override` (default true): whether a request's own `x-portkey-config` wins.
    var allowConfigOverride: Bool
    /// `defaults.metadata`: metadata every request with this key carries, under the request's own
    /// `x-portkey-metadata` (which wins per key).
    var defaultMetadata: [(key: String, value: JSONValue)] = []
    /// For a key replaced by a rotation: when it stops working (ISO-8601, compared as text).
    var validUntil: String?

    /// `SWITCHBOARD_ADMIN_KEY`'s grant: every scope, no defaults.
    static let admin = KeyGrant(id: "admin-key", scopes: ["admin"], defaultConfig: nil, allowConfigOverride: true)

    init(id: String, scopes: Set<String>, defaultConfig: String?, allowConfigOverride: Bool) {
        self.id = id
        self.scopes = scopes
        self.defaultConfig = defaultConfig
        self.allowConfigOverride = allowConfigOverride
    }

    init(_ key: StoredAPIKey) {
        self.id = key.id
        self.scopes = Set(key.scopes)
        let defaults = (try? JSONSerialization.jsonObject(with: Data(key.defaults.utf8))) as? [String: Any] ?? [:]
        self.defaultConfig = defaults["config_id"] as? String
        self.allowConfigOverride = defaults["allow_config_override"] as? Bool ?? true
        if let metadata = defaults["metadata"] as? [String: Any],
            let data = try? JSONSerialization.data(withJSONObject: metadata),
            let members = JSONValue(parsing: Array(data))?.members
        {
            self.defaultMetadata = members
        }
    }

    /// Inference (the data plane) needs `inference` or `admin`; control-plane reads `read` or `admin`;
    /// control-plane writes `admin`.
    func allows(_ access: Access) -> Bool {
        switch access {
        case .inference: !self.scopes.isDisjoint(with: ["inference", "admin"])
        case .read: !self.scopes.isDisjoint(with: ["read", "admin"])
        case .write: self.scopes.contains("admin")
        }
    }

    enum Access: String {
        case inference, read, write
    }
}

/// Gateway API keys: made here, stored only as a SHA-256 hash.
public enum APIKeys {
    public static let scopes: Set<String> = ["inference", "read", "admin"]

    /// A new key: `sb-` and 40 random letters and digits (238 bits).
    public static func generate() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var random = SystemRandomNumberGenerator()
        return "sb-" + String((0..<40).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
    }

    public static func hash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// What listings show instead of the key.
    public static func hint(_ key: String) -> String { "sb-…" + key.suffix(4) }

    /// A key record for `key`, ready to store.
    public static func record(
        key: String,
        name: String,
        description: String = "",
        type: String = "workspace-service",
        scopes: [String],
        defaults: String = "{}"
    ) -> StoredAPIKey {
        StoredAPIKey(
            id: UUID().uuidString.lowercased(),
            name: name,
            description: description,
            keyHash: Self.hash(key),
            keyHint: Self.hint(key),
            type: type,
            scopes: scopes,
            defaults: defaults
        )
    }
}
