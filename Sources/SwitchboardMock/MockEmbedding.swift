/// The mock's embeddings reflect their text, as a real model's do at a far smaller scale, so that the semantic
/// cache can be tested against it: the character trigrams of the lowercased words (punctuation dropped), hashed
/// into 64 signed dimensions and scaled to length 1. The same words in another case or with other punctuation give
/// the same vector; a changed word moves it a little; unrelated texts are far apart.
enum MockEmbedding {
    static let dimensions = 64

    static func vector(_ text: String) -> [Float] {
        var words: [Character] = [" "]
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                words.append(character)
            } else if words.last != " " {
                words.append(" ")
            }
        }
        if words.last != " " { words.append(" ") }
        var vector = [Float](repeating: 0, count: Self.dimensions)
        if words.count < 3 {
            vector[0] = 1
            return vector
        }
        for start in 0...(words.count - 3) {
            // FNV-1a over the trigram's scalars.
            var hash: UInt32 = 2_166_136_261
            for character in words[start..<start + 3] {
                for scalar in character.unicodeScalars {
                    hash = (hash ^ scalar.value) &* 16_777_619
                }
            }
            vector[Int(hash % UInt32(Self.dimensions))] += hash & 0x10000 == 0 ? 1 : -1
        }
        let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return length > 0 ? vector.map { $0 / length } : vector
    }
}
