import SwitchboardCore

/// The error shapes of the APIs the control plane serves, each exactly as its own clients expect.
enum ErrorStyle: Sendable {
    /// Portkey: `{"success":false,"status":"failure","message","data":{"message"},"errors"?}`.
    case portkey
    /// OpenRouter: `{"error":{"code":STATUS,"message","metadata":null},"openrouter_metadata":null,"user_id":null}`.
    case openRouter
    /// The models registry: an RFC 7807 `application/problem+json` document.
    case problem

    func response(_ failure: APIFailure, instance: String) -> ControlPlane.Response {
        switch self {
        case .portkey:
            return .json(PortkeyFailure(failure), status: failure.status, headers: failure.headers)
        case .openRouter:
            return .json(OpenRouterFailure(failure), status: failure.status, headers: failure.headers)
        case .problem:
            var response = ControlPlane.Response.json(
                ProblemDocument(failure, instance: instance),
                status: failure.status,
                headers: failure.headers
            )
            response.contentType = "application/problem+json"
            return response
        }
    }
}

struct PortkeyFailure: Encodable {
    struct Data: Encodable { var message: String }
    var success = false
    var status = "failure"
    var message: String
    var data: Data
    var errors: [String]?

    init(_ failure: APIFailure) {
        self.message = failure.message
        self.data = Data(message: failure.message)
        self.errors = failure.errors
    }
}

struct OpenRouterFailure: Encodable {
    struct Detail: Encodable {
        var code: Int
        var message: String
        @Nullable var metadata: JSONValue? = nil
    }
    var error: Detail
    @Nullable var openrouter_metadata: JSONValue? = nil
    @Nullable var user_id: String? = nil

    init(_ failure: APIFailure) {
        self.error = Detail(code: failure.status, message: failure.message)
    }
}

/// RFC 7807, with the registry's `code` and, when a delete is refused, what still uses the model.
struct ProblemDocument: Encodable {
    struct Reference: Encodable, Sendable {
        var resource: String
        var ids: [String]
    }
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String
    var instance: String
    var code: String
    var references: [Reference]?

    init(_ failure: APIFailure, instance: String) {
        self.title = Self.title(failure.status)
        self.status = failure.status
        self.detail = failure.message
        self.instance = instance
        self.code = failure.code ?? Self.code(failure.status)
        self.references = failure.references.isEmpty ? nil : failure.references
    }

    private static func title(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 412: "Precondition Failed"
        default: "Internal Server Error"
        }
    }

    private static func code(_ status: Int) -> String {
        switch status {
        case 400: "invalid_request"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 412: "precondition_failed"
        default: "internal_error"
        }
    }
}
