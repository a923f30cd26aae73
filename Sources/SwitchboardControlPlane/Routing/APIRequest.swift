import Foundation
import SwitchboardCore

/// A control-plane request as a handler sees it: the path's parameters, the query (the first value of each
/// name), the headers it may read, and the body, decoded on demand into the operation's Codable type.
struct APIRequest: Sendable {
    let method: String
    /// The path without the query (the `instance` of a problem document).
    let path: String
    var parameters: [String: String] = [:]
    let query: [String: String]
    /// Headers by lowercase name.
    let headers: [String: String]
    let body: [UInt8]

    /// The query's boolean `name` (`true`/`false`, `1`/`0`); `nil` when absent.
    func flag(_ name: String) throws -> Bool? {
        guard let text = self.query[name] else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIFailure(400, "'\(name)' must be true or false.")
        }
    }

    /// The path parameter `name` (declared by the route, so always there).
    func parameter(_ name: String) -> String { self.parameters[name] ?? "" }

    /// The body as `T`. A body that is empty, not JSON, or not `T` is a 400 naming the field at fault.
    func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        guard !self.body.isEmpty else { throw APIFailure(400, "The request needs a JSON object body.") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(self.body))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Foundation reports a number that does not fit its field (a fraction for an integer) this way too.
            guard JSONValue(parsing: self.body) == nil else {
                throw APIFailure(400, "A number in the body does not fit its field: integers must be whole numbers.")
            }
            throw APIFailure(400, "The request body is not valid JSON.")
        } catch let error as DecodingError {
            throw APIFailure(decoding: error)
        }
    }

    /// The body as `T`, or `empty` when there is none.
    func decode<T: Decodable>(_ type: T.Type = T.self, orIfEmpty empty: T) throws -> T {
        self.body.isEmpty ? empty : try self.decode(T.self)
    }
}
