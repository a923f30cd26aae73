import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore
import Synchronization

/// The semantic cache's own parts (docs/cache.md): the vectors of answered prompts, in memory and bounded in count,
/// and a prompt's embedding, asked of the gateway itself — so that the embeddings model is routed, authorized,
/// limited, logged and charged like any request a client makes.
final class SemanticCache: Sendable {
    private let vectors: Mutex<SemanticVectors<CacheKey>>
    /// The gateway's own listener (`http://127.0.0.1:PORT`), once it is bound.
    private let gatewayURL = Mutex<String?>(nil)
    let timeout: TimeAmount

    init(maxVectors: Int, timeoutMs: Int) {
        self.vectors = Mutex(SemanticVectors(maxCount: maxVectors))
        self.timeout = .milliseconds(Int64(timeoutMs))
    }

    /// The listener is bound: embeddings are asked of it (loopback when it listens on every address).
    func listening(host: String, port: Int) {
        let local = ["0.0.0.0", "", "*"].contains(host) ? "127.0.0.1" : host == "::" ? "::1" : host
        let bracketed = local.contains(":") ? "[\(local)]" : local
        self.gatewayURL.withLock { $0 = "http://\(bracketed):\(port)" }
    }

    /// The prompt's unit vector from `POST /v1/embeddings` on this gateway, with the client's credentials.
    /// - Throws: `SemanticCacheError` when the gateway is not listening yet or the embedding is not a vector.
    func embed(_ text: String, model: String, headers: [(String, String)]) async throws -> [Float] {
        guard let base = self.gatewayURL.withLock({ $0 }) else {
            throw SemanticCacheError("the gateway is not listening")
        }
        var request = HTTPClientRequest(url: base + "/v1/embeddings")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let body = JSONValue.object([("model", .string(model)), ("input", .string(text))]).jsonText
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: self.timeout)
        let answer = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else {
            throw SemanticCacheError(
                "the embeddings model '\(model)' answered \(response.status.code): "
                    + String(buffer: answer).prefix(300)
            )
        }
        guard let json = JSONValue(parsing: answer.readableBytesView),
            let numbers = json["data"]?.array?.first?["embedding"]?.array,
            let vector = SemanticVectors<CacheKey>.unit(numbers.compactMap { $0.number.map(Float.init) }),
            vector.count == numbers.count
        else { throw SemanticCacheError("the embeddings model '\(model)' did not answer with a vector") }
        return vector
    }

    /// The stored prompt closest to `vector` in `scope`, if one is at least `threshold` similar. The scan runs
    /// outside the lock, on a copy of the scope's entries (a copy of references, not of vectors).
    func nearest(
        scope: CacheKey,
        to vector: [Float],
        threshold: Double,
        now: Int
    ) -> (key: CacheKey, similarity: Double)? {
        let entries = self.vectors.withLock { $0.entries(in: scope) }
        return SemanticVectors.nearest(in: entries, to: vector, threshold: threshold, now: now)
    }

    func insert(scope: CacheKey, key: CacheKey, vector: [Float], namespace: String, expiresAt: Int) {
        self.vectors.withLock {
            $0.insert(scope: scope, key: key, vector: vector, namespace: namespace, expiresAt: expiresAt)
        }
    }

    /// Forgets the prompts of one namespace (`nil`: all).
    func remove(namespace: String?) {
        self.vectors.withLock { vectors in
            vectors.removeAll { namespace == nil || $0.namespace == namespace }
        }
    }

    /// Forgets the prompts whose answers have expired.
    func purge(now: Int) {
        self.vectors.withLock { $0.removeAll { $0.expiresAt <= now } }
    }

    var count: Int { self.vectors.withLock { $0.count } }
}

/// Why a prompt has no embedding: the request then goes to its provider, as on a miss.
struct SemanticCacheError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
