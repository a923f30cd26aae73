import Testing

@testable import SwitchboardMock

/// The mock's embeddings reflect their text, so that the semantic cache has something real to match.
@Suite struct MockEmbeddingTests {
    static func cosine(_ a: String, _ b: String) -> Float {
        zip(MockEmbedding.vector(a), MockEmbedding.vector(b)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test func similarTextsAreCloseAndOthersAreFar() {
        #expect(abs(Self.cosine("What is the capital of France?", "what is the capital of france") - 1) < 1e-5)
        let changedWord = Self.cosine("What is the capital of France?", "What is the capital of Spain?")
        #expect(changedWord > 0.6 && changedWord < 0.95, "\(changedWord)")
        #expect(Self.cosine("What is the capital of France?", "Write a haiku about cats") < 0.5)
        #expect(MockEmbedding.vector("").count == 64)
    }
}
