import NIOCore

/// A request's use of the response cache: its key, what the cache did (`x-portkey-cache-status`), and the answer
/// as the client got it, kept while it is relayed so that it can be stored when it ends well.
struct CacheUse {
    enum Status: String {
        case hit = "HIT"
        /// A stored prompt close enough in meaning answered (Portkey's spelling).
        case semanticHit = "SEMANTIC HIT"
        case miss = "MISS"
        case refresh = "REFRESH"

        var isHit: Bool { self == .hit || self == .semanticHit }
    }

    /// Semantic mode: the request's semantic key and its prompt's vector, kept with its answer when it is stored.
    struct Semantic {
        let scope: CacheKey
        let vector: [Float]
    }

    let key: CacheKey
    let namespace: String
    let maxAgeSeconds: Int
    var status: Status
    /// Asked for by OpenRouter's controls: the answer says so in OpenRouter's headers too.
    let openRouter: Bool
    /// The entry that answered, on a hit: the log reports its tokens as cached and its cost as saved.
    var answer: ResponseCache.Entry?
    /// Semantic mode, once the prompt has its vector.
    var semantic: Semantic?
    /// A semantic hit: how similar the stored prompt was (`x-switchboard-cache-similarity`).
    var similarity: Double?
}

/// The relayed answer's payload, kept for the cache up to a bound (beyond it, the answer is not stored).
struct CacheCapture {
    var body: ByteBuffer
    let contentType: String
    let eventStream: Bool
    let limit: Int
    var overflowed = false

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !self.overflowed else { return }
        guard self.body.readableBytes + bytes.count <= self.limit else {
            self.overflowed = true
            self.body = ByteBuffer()
            return
        }
        self.body.writeBytes(bytes)
    }
}

/// A semantic lookup's inputs, taken from the request on its event loop (docs/cache.md).
struct SemanticQuery: Sendable {
    /// The prompt's text, embedded by `model`.
    let text: String
    let model: String
    /// The semantic key: endpoint, provider, model, namespace and the body without its prompt.
    let scope: CacheKey
    /// The client's credentials and metadata, and the request's trace id, for the embeddings request.
    let headers: [(String, String)]
}
