/// Switchboard's own OpenAPI 3.1 document (`GET /openapi.json`), made from the route table, so it lists exactly
/// the control-plane operations the gateway serves, plus the data plane's. Each control-plane operation names
/// the seed document whose schemas it follows (docs/control-plane.md lists where it differs on purpose).
struct OpenAPIDocument: Encodable {
    struct Info: Encodable {
        var title = "Switchboard"
        var version = "1"
        var description =
            "A local LLM gateway: OpenAI, Anthropic and OpenRouter model APIs, Portkey's and OpenRouter's "
            + "control-plane APIs, the models registry. Request and response shapes follow the seeds' documents "
            + "named in each operation; docs/control-plane.md lists the deliberate differences."
    }

    struct Operation: Encodable {
        var operationId: String
        var summary: String
        var tags: [String]
        var parameters: [Parameter]?
        var requestBody: RequestBody?
        var responses: [String: Response]
    }

    struct Parameter: Encodable {
        struct Schema: Encodable { var type = "string" }
        var name: String
        var `in` = "path"
        var required = true
        var schema = Schema()
    }

    struct RequestBody: Encodable {
        var required = true
        var content: [String: MediaType]
    }

    struct MediaType: Encodable {
        var schema: JSONSchema
    }

    /// The schemas here only say "a JSON object"; the shapes are the seeds'.
    struct JSONSchema: Encodable {
        var type = "object"
    }

    struct Response: Encodable {
        var description: String
        var content: [String: MediaType]?
    }

    var openapi = "3.1.0"
    var info = Info()
    var paths: [String: [String: Operation]] = [:]

    /// The document for `table` and the data plane's operations.
    init(table: RouteTable = .all) {
        for group in table.groups {
            for route in group.routes {
                self.add(route: route, group: group)
            }
        }
        for (method, path, summary) in Self.dataPlane {
            let operation = Operation(
                operationId: Self.operationID(method, path),
                summary: summary,
                tags: ["data plane"],
                parameters: Self.parameters(in: PathPattern(path)),
                requestBody: method == "POST" ? Self.jsonBody : nil,
                responses: ["200": Response(description: "The answer (JSON, or SSE for a stream)")]
            )
            self.paths[path, default: [:]][method.lowercased()] = operation
        }
    }

    private mutating func add(route: Route, group: RouteGroup) {
        let path = route.pattern.template
        let errorType = group.style == .problem ? "application/problem+json" : "application/json"
        var responses: [String: Response] = [
            "default": Response(
                description:
                    "An error in \(group.name == "presets" ? "OpenRouter's" : group.style == .problem ? "RFC 7807" : "Portkey's") shape",
                content: [errorType: MediaType(schema: JSONSchema())]
            )
        ]
        if route.method == "DELETE", group.style == .problem {
            responses["204"] = Response(description: "Deleted")
        } else {
            responses["200"] = Response(
                description: "Success",
                content: ["application/json": MediaType(schema: JSONSchema())]
            )
        }
        let operation = Operation(
            operationId: Self.operationID(route.method, path),
            summary: "\(route.method) \(path) — \(Self.seed(of: group))",
            tags: [group.name],
            parameters: Self.parameters(in: route.pattern),
            requestBody: route.method == "POST" || route.method == "PUT" ? Self.jsonBody : nil,
            responses: responses
        )
        self.paths[path, default: [:]][route.method.lowercased()] = operation
    }

    private static let jsonBody = RequestBody(content: ["application/json": MediaType(schema: JSONSchema())])

    private static func parameters(in pattern: PathPattern) -> [Parameter]? {
        let names = pattern.parameterNames
        return names.isEmpty ? nil : names.map { Parameter(name: $0) }
    }

    private static func seed(of group: RouteGroup) -> String {
        switch group.style {
        case .portkey where group.name == "openapi": "this document"
        case .portkey: "Portkey's API (spec/vendor/portkey-openapi.yaml)"
        case .openRouter: "OpenRouter's presets API (spec/vendor/openrouter-openapi.yaml)"
        case .problem: "the models registry (spec/models-api.md)"
        }
    }

    /// `get_v1_configs_slug`.
    private static func operationID(_ method: String, _ path: String) -> String {
        let words = path.split { !$0.isLetter && !$0.isNumber }.map(String.init)
        return ([method.lowercased()] + words).joined(separator: "_")
    }

    /// The data plane's own operations (model APIs and operations endpoints).
    static let dataPlane: [(method: String, path: String, summary: String)] = [
        ("POST", "/v1/chat/completions", "OpenAI chat completions, to any configured provider"),
        ("POST", "/v1/completions", "OpenAI completions"),
        ("POST", "/v1/embeddings", "OpenAI embeddings"),
        ("POST", "/v1/responses", "OpenAI Responses"),
        ("POST", "/v1/messages", "Anthropic Messages"),
        ("GET", "/v1/models", "The models the gateway can route to"),
        ("GET", "/model-configs/pricing/{provider}/{model}", "A model's prices (Portkey's pricing lookup)"),
        ("GET", "/v1/model-configs/pricing/{provider}/{model}", "A model's prices, under the API base"),
        ("GET", "/healthz", "Liveness"),
        ("GET", "/readyz", "Readiness (the store reachable)"),
        ("GET", "/metrics", "Prometheus metrics"),
    ]
}
