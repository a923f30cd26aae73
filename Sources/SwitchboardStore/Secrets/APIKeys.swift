import Crypto
import Foundation

/// Gateway API keys: made here, stored only as a SHA-256 hash.
public enum APIKeys {
    public static let scopes: Set<String> = ["inference", "read", "admin"]

    /// The local scope a scope name grants: the local names themselves, and Portkey's `<resource>.<action>`
    /// names at the gateway's granularity — `completions.*` (and `chat.*`, `embeddings.*`) is inference; a
    /// `read`, `list`, `view` or `export` action is read; any other action (`create`, `update`, `delete`,
    /// `write` …) changes the control plane, which here is admin. `nil` for a name that is neither.
    public static func localScope(_ name: String) -> String? {
        if Self.scopes.contains(name) { return name }
        let parts = name.split(separator: ".", maxSplits: 1)
        let letters = name.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        }
        guard parts.count == 2, letters else { return nil }
        if ["completions", "chat", "embeddings"].contains(parts[0]) { return "inference" }
        return ["read", "list", "view", "export"].contains(parts[1]) ? "read" : "admin"
    }

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
