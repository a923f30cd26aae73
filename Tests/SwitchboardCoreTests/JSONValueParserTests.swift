import Foundation
import SwitchboardCore
import Testing

/// The request path's JSON parser agrees with Foundation's on every document both read, and refuses what is
/// not JSON.
@Suite struct JSONValueParserTests {
    /// What Foundation's decoder makes of `text` (the parser this one replaced).
    static func foundation(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test func agreesWithFoundationOnRandomDocuments() {
        var random = SystemRandomNumberGenerator()
        func string() -> String {
            let pieces = [
                "a", "é", "\\n", "\\\"", "\\\\", "\\u00e9", "\\ud83d\\ude00", "日本", " ", "/", "\\/", "\\t", "z9",
            ]
            return "\""
                + (0..<Int.random(in: 0...5, using: &random)).map { _ in pieces.randomElement(using: &random)! }
                .joined() + "\""
        }
        func value(_ depth: Int) -> String {
            switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &random) {
            case 0: return "null"
            case 1: return Bool.random(using: &random) ? "true" : "false"
            case 2:
                return ["0", "-1", "12.5", "1e3", "-0.25E-2", "123456789", "3.14159"].randomElement(using: &random)!
            case 3, 4: return string()
            case 5:
                return "["
                    + (0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth + 1) }
                    .joined(separator: Bool.random(using: &random) ? "," : " , ") + "]"
            default:
                // Distinct keys (which of two duplicates wins is not JSON's to say; see the last test).
                return "{"
                    + (0..<Int.random(in: 0...4, using: &random)).map {
                        "\"k\($0)\(string().dropFirst()): \(value(depth + 1))"
                    }
                    .joined(separator: ",\n") + "}"
            }
        }
        for _ in 0..<2000 {
            let text = value(0)
            let mine = JSONValue(parsing: Array(text.utf8))
            #expect(mine != nil, "\(text)")
            #expect(mine == Self.foundation(text), "\(text)")
        }
    }

    @Test func refusesWhatIsNotJSON() {
        for text in [
            "", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01", "1.", "-", ".5", "1e", "tru", "nul", "\"abc",
            "\"a\\x\"", "\"\\u12\"", "[1] 2", "{\"a\":1,}", "\"tab\there\"",
        ] {
            #expect(JSONValue(parsing: Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test func readsEscapesDuplicatesAndWhitespace() {
        let value = JSONValue(
            parsing: Array(#" { "a" : "x\u00e9\ud83d\ude00\n" , "a": 2, "b": [ true , null ] } "#.utf8)
        )
        #expect(value?["a"]?.number == 2)
        #expect(value?["b"] == .array([.bool(true), .null]))
        #expect(JSONValue(parsing: Array(#""x\u00e9\ud83d\ude00""#.utf8)) == .string("xé😀"))
        #expect(JSONValue(parsing: Array("7".utf8)) == .number(7))
    }
}
