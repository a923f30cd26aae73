import Testing

@testable import SwitchboardCore

/// The semantic cache's vectors: the closest live match above the threshold, the bound on their count, removal.
@Suite struct SemanticVectorsTests {
    static func unit(_ values: [Float]) -> [Float] { SemanticVectors<Int>.unit(values)! }

    @Test func theClosestLiveVectorAboveTheThresholdMatches() {
        var vectors = SemanticVectors<Int>(maxCount: 10)
        vectors.insert(scope: 1, key: 10, vector: Self.unit([1, 0, 0]), namespace: "", expiresAt: 100)
        vectors.insert(scope: 1, key: 11, vector: Self.unit([1, 1, 0]), namespace: "", expiresAt: 100)
        vectors.insert(scope: 1, key: 12, vector: Self.unit([1, 0.06, 0]), namespace: "", expiresAt: 50)
        vectors.insert(scope: 2, key: 20, vector: Self.unit([1, 0.05, 0]), namespace: "", expiresAt: 100)
        let query = Self.unit([1, 0.05, 0])
        let match = SemanticVectors.nearest(in: vectors.entries(in: 1), to: query, threshold: 0.95, now: 10)
        // Key 12 is closer than 10, until it expires; 20 is in another scope.
        #expect(match?.key == 12)
        #expect(SemanticVectors.nearest(in: vectors.entries(in: 1), to: query, threshold: 0.95, now: 60)?.key == 10)
        #expect(SemanticVectors.nearest(in: vectors.entries(in: 1), to: query, threshold: 0.9999, now: 60) == nil)
        // A vector of another length (another embeddings model) never matches.
        #expect(SemanticVectors.nearest(in: vectors.entries(in: 1), to: [1, 0], threshold: 0.1, now: 0) == nil)
        #expect(SemanticVectors<Int>.unit([0, 0]) == nil)
    }

    @Test func theOldestLeaveFirstBeyondTheBound() {
        var vectors = SemanticVectors<Int>(maxCount: 3)
        for key in 0..<5 {
            vectors.insert(scope: key % 2, key: key, vector: [1], namespace: "", expiresAt: 100)
        }
        #expect(vectors.count == 3)
        let kept = (vectors.entries(in: 0) + vectors.entries(in: 1)).map(\.key).sorted()
        #expect(kept == [2, 3, 4])
        // Storing the same answer again replaces its vector rather than adding one.
        vectors.insert(scope: 0, key: 4, vector: [1], namespace: "", expiresAt: 200)
        #expect(vectors.count == 3)
        #expect(vectors.entries(in: 0).first { $0.key == 4 }?.expiresAt == 200)
    }

    @Test func aNamespaceOrTheExpiredAreRemoved() {
        var vectors = SemanticVectors<Int>(maxCount: 10)
        vectors.insert(scope: 1, key: 1, vector: [1], namespace: "a", expiresAt: 100)
        vectors.insert(scope: 1, key: 2, vector: [1], namespace: "b", expiresAt: 10)
        vectors.insert(scope: 2, key: 3, vector: [1], namespace: "a", expiresAt: 100)
        vectors.removeAll { $0.namespace == "a" }
        #expect(vectors.count == 1)
        #expect(vectors.entries(in: 2).isEmpty)
        vectors.removeAll { $0.expiresAt <= 50 }
        #expect(vectors.count == 0)
        // The bound still holds after removals.
        for key in 10..<30 { vectors.insert(scope: 1, key: key, vector: [1], namespace: "", expiresAt: 100) }
        #expect(vectors.count == 10)
    }
}
