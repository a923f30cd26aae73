/// A request the control plane refuses: status, a message that tells the user what to do, and the extras some
/// APIs carry (the registry's `code` and `references`, a config's validation `errors`). The route's
/// ``ErrorStyle`` renders it in its API's own shape.
struct APIFailure: Error, Sendable {
    var status: Int
    var message: String
    /// The registry's machine-readable code (`invalid_request`, `etag_mismatch` …); derived from the status
    /// when not given.
    var code: String?
    var errors: [String]?
    var references: [ProblemDocument.Reference] = []
    /// Headers the answer carries (`Allow` on a 405).
    var headers: [(String, String)] = []

    init(_ status: Int, _ message: String, code: String? = nil, errors: [String]? = nil) {
        self.status = status
        self.message = message
        self.code = code
        self.errors = errors
    }

    /// A body that did not decode: the field's path and what it must be.
    init(decoding error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(400, "'\(Self.path(context.codingPath + [key]))' is required.")
        case .valueNotFound(let type, let context):
            self.init(400, "'\(Self.path(context.codingPath))' must be \(Self.noun(type)), not null.")
        case .typeMismatch(let type, let context) where context.codingPath.isEmpty:
            self.init(400, "The request body must be \(Self.noun(type)).")
        case .typeMismatch(let type, let context):
            self.init(400, "'\(Self.path(context.codingPath))' must be \(Self.noun(type)).")
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self.init(400, "The request body is not valid JSON.")
        case .dataCorrupted(let context):
            self.init(400, "'\(Self.path(context.codingPath))' \(context.debugDescription)")
        @unknown default:
            self.init(400, "The request body could not be read: \(error).")
        }
    }

    /// `rate_limits[0].type`.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func noun(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "a JSON object"
        }
    }
}
