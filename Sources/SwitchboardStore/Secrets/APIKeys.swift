import Crypto
import Foundation

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
