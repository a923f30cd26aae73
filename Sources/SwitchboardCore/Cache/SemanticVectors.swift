/// The semantic cache's prompts as vectors (docs/cache.md), grouped by scope — the semantic key: endpoint,
/// provider, model, namespace and the body without its prompt — and bounded in count (the oldest leave first).
/// Matching is a brute-force scan of one scope: unit vectors, so the dot product is the cosine similarity.
public struct SemanticVectors<Key: Hashable & Sendable>: Sendable {
    /// One stored prompt: the exact-cache key of its answer, its unit vector, and when the answer expires.
    public struct Entry: Sendable {
        public var key: Key
        public var vector: [Float]
        public var namespace: String
        public var expiresAt: Int
    }

    public let maxCount: Int
    public private(set) var count = 0
    private var scopes: [Key: [Entry]] = [:]
    /// Insertion order, for the bound: (scope, key); entries replaced or removed since are skipped.
    private var order: [(scope: Key, key: Key)] = []
    private var orderStart = 0

    public init(maxCount: Int) {
        self.maxCount = max(1, maxCount)
    }

    /// The entries of one scope, to scan without holding whatever guards this value.
    public func entries(in scope: Key) -> [Entry] {
        self.scopes[scope] ?? []
    }

    /// Adds a prompt's unit vector (replacing the one stored for the same answer), dropping the oldest beyond the
    /// bound.
    public mutating func insert(scope: Key, key: Key, vector: [Float], namespace: String, expiresAt: Int) {
        var entries = self.scopes.removeValue(forKey: scope) ?? []
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index] = Entry(key: key, vector: vector, namespace: namespace, expiresAt: expiresAt)
        } else {
            entries.append(Entry(key: key, vector: vector, namespace: namespace, expiresAt: expiresAt))
            self.count += 1
            self.order.append((scope, key))
        }
        self.scopes[scope] = entries
        while self.count > self.maxCount, self.orderStart < self.order.count {
            let oldest = self.order[self.orderStart]
            self.orderStart += 1
            self.remove(scope: oldest.scope) { $0.key == oldest.key }
        }
        if self.orderStart > 1024, self.orderStart * 2 > self.order.count {
            self.order.removeFirst(self.orderStart)
            self.orderStart = 0
        }
    }

    /// Removes every entry that `shouldRemove` picks (expired ones, a namespace's, or all).
    public mutating func removeAll(where shouldRemove: (Entry) -> Bool) {
        for scope in Array(self.scopes.keys) { self.remove(scope: scope, where: shouldRemove) }
        let live = self.scopes
        self.order = self.order[self.orderStart...].filter { pair in
            live[pair.scope]?.contains { $0.key == pair.key } ?? false
        }
        self.orderStart = 0
    }

    private mutating func remove(scope: Key, where shouldRemove: (Entry) -> Bool) {
        guard var entries = self.scopes.removeValue(forKey: scope) else { return }
        let before = entries.count
        entries.removeAll(where: shouldRemove)
        self.count -= before - entries.count
        if !entries.isEmpty { self.scopes[scope] = entries }
    }

    /// The most similar live entry at or above `threshold`, with its similarity.
    public static func nearest(
        in entries: [Entry],
        to vector: [Float],
        threshold: Double,
        now: Int
    ) -> (key: Key, similarity: Double)? {
        var best: (key: Key, similarity: Double)?
        for entry in entries where entry.expiresAt > now && entry.vector.count == vector.count {
            let similarity = Double(Self.dot(entry.vector, vector))
            if similarity >= threshold, similarity > best?.similarity ?? -2 { best = (entry.key, similarity) }
        }
        return best
    }

    /// The vector scaled to length 1, or `nil` for an empty or zero vector.
    public static func unit(_ vector: [Float]) -> [Float]? {
        let length = Self.dot(vector, vector).squareRoot()
        guard !vector.isEmpty, length > 0, length.isFinite else { return nil }
        return vector.map { $0 / length }
    }

    /// Sixteen lanes at a time (the compiler does not vectorize a plain `Float` sum, whose order it must keep): a
    /// 1,536-dimension product is 96 vector steps.
    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        let count = min(a.count, b.count)
        return a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in
                var lanes = SIMD16<Float>()
                var index = 0
                let stride = MemoryLayout<SIMD16<Float>>.size
                while index + 16 <= count {
                    let offset = index * MemoryLayout<Float>.stride
                    lanes +=
                        a.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                        * b.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                    index += stride / MemoryLayout<Float>.stride
                }
                var sum = lanes.sum()
                while index < count {
                    let offset = index * MemoryLayout<Float>.stride
                    sum +=
                        a.load(fromByteOffset: offset, as: Float.self) * b.load(fromByteOffset: offset, as: Float.self)
                    index += 1
                }
                return sum
            }
        }
    }
}
