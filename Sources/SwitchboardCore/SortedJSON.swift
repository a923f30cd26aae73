import Foundation

/// How Switchboard writes the JSON it stores and answers with: keys sorted (stable byte for byte), slashes
/// as they are; and reads back the documents it stored.
public enum SortedJSON {
    public static func bytes(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Switchboard's own types always encode (no non-finite numbers reach them).
        return (try? encoder.encode(value)).map(Array.init) ?? Array("{}".utf8)
    }

    public static func text(_ value: some Encodable) -> String {
        String(decoding: Self.bytes(value), as: UTF8.self)
    }

    /// The JSON document `text` as `T`; `nil` when it is not one.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
