import Crypto
import SwitchboardCore

/// What identifies a cached answer (docs/cache.md): the client's endpoint, the provider and model that answer,
/// the request body with its keys in order and without whitespace, and the namespace — as a SHA-256 digest.
struct CacheKey: Hashable, Sendable {
    private let words: (UInt64, UInt64, UInt64, UInt64)

    /// - Returns: `nil` when the body is not JSON (such requests are not cached).
    init?(endpoint: String, provider: String, model: String, body: [UInt8], namespace: String?) {
        guard let json = JSONValue(parsing: body) else { return nil }
        self.init(endpoint: endpoint, provider: provider, model: model, json: json, namespace: namespace)
    }

    /// The key of a decoded body (the semantic cache's scope: the body without its prompt).
    init(endpoint: String, provider: String, model: String, json: JSONValue, namespace: String?) {
        var hash = SHA256()
        for part in [endpoint, provider, model, namespace ?? ""] {
            hash.update(data: Array(part.utf8))
            // A separator no part contains, so that ("ab", "c") and ("a", "bc") differ.
            hash.update(data: [0])
        }
        hash.update(data: Array(json.canonical.jsonText.utf8))
        let digest = Array(hash.finalize())
        func word(_ at: Int) -> UInt64 { digest[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        self.words = (word(0), word(8), word(16), word(24))
    }

    static func == (lhs: CacheKey, rhs: CacheKey) -> Bool {
        lhs.words == rhs.words
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(self.words.0)
        hasher.combine(self.words.1)
        hasher.combine(self.words.2)
        hasher.combine(self.words.3)
    }

    /// The digest in hex (the store's key).
    var hex: String {
        [self.words.0, self.words.1, self.words.2, self.words.3].map {
            let text = String($0, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
