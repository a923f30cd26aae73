import NIOCore

/// A request's use of the response cache: its key, what the cache did (`x-portkey-cache-status`), and the answer
/// as the client got it, kept while it is relayed so that it can be stored when it ends well.
struct CacheUse {
    enum Status: String {
        case hit = "HIT"
        case miss = "MISS"
        case refresh = "REFRESH"
    }

    let key: CacheKey
    let namespace: String
    let maxAgeSeconds: Int
    var status: Status
    /// Asked for by OpenRouter's controls: the answer says so in OpenRouter's headers too.
    let openRouter: Bool
    /// The entry that answered, on a hit: the log reports its tokens as cached and its cost as saved.
    var answer: ResponseCache.Entry?
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
