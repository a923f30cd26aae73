import SwitchboardCore

/// Switchboard's own OpenAPI 3.1 document (`GET /openapi.json`), made from the route table, so it lists exactly the
/// operations the gateway serves. An operation that follows a seed carries the seed's own parameters, bodies and
/// responses (``SeedOperations``: Portkey's and OpenRouter's documents, compiled in); the registry, the log list
/// and the errors carry Switchboard's (``OwnSchemas``); the data plane's model APIs are described, not schema'd
/// (their shapes are the providers'). docs/control-plane.md lists where Switchboard differs from a seed on purpose.
enum OpenAPIDocument {
    static let description =
        "A local LLM gateway: OpenAI, Anthropic and OpenRouter model APIs, Portkey's and OpenRouter's control-plane "
        + "APIs, the models registry. Operations that follow Portkey's or OpenRouter's API carry that document's "
        + "schemas; docs/control-plane.md lists the deliberate differences. Authenticate with x-portkey-api-key, "
        + "Authorization: Bearer or x-api-key (none on a loopback gateway without keys)."

    /// The document for `table` and the data plane's operations.
    static func make(table: RouteTable = .all) -> JSONValue {
        var paths: [(key: String, value: JSONValue)] = []
        func add(_ path: String, _ method: String, _ operation: JSONValue) {
            if let index = paths.firstIndex(where: { $0.key == path }) {
                paths[index].value = paths[index].value.replacing(method.lowercased(), with: operation)
            } else {
                paths.append((path, .object([(method.lowercased(), operation)])))
            }
        }
        for group in table.groups {
            for route in group.routes { add(route.pattern.template, route.method, Self.operation(route, in: group)) }
        }
        for (method, path, summary) in Self.dataPlane {
            add(path, method, Self.dataPlaneOperation(method, path, summary))
        }
        return .object([
            ("openapi", .string("3.1.0")),
            (
                "info",
                .object([
                    ("title", .string("Switchboard")), ("version", .string("1")),
                    ("description", .string(Self.description)),
                ])
            ),
            ("paths", .object(paths)),
            ("components", Self.components),
            ("security", .array(Self.securitySchemes.map { .object([($0.key, .array([]))]) } + [.object([])])),
        ])
    }

    // MARK: - Operations

    private static func operation(_ route: Route, in group: RouteGroup) -> JSONValue {
        let path = route.pattern.template
        let head: [(key: String, value: JSONValue)] = [
            ("operationId", .string(Self.operationID(route.method, path))), ("tags", .array([.string(group.name)])),
        ]
        let error = Self.errorResponse(group)
        if let seed = Self.seedOperations(group)?.operation(route.method, route.pattern), var members = seed.members {
            members.insert(contentsOf: head, at: 0)
            if let index = members.firstIndex(where: { $0.key == "responses" }), members[index].value["default"] == nil
            {
                members[index].value = members[index].value.replacing("default", with: error)
            }
            return .object(members)
        }
        var members = head + [("summary", .string("\(route.method) \(path)"))]
        if !route.pattern.parameterNames.isEmpty { members.append(("parameters", Self.pathParameters(route.pattern))) }
        let own = Self.ownSchemas(route.method, path)
        if let body = own.body { members.append(("requestBody", Self.jsonContent(body, required: true))) }
        var responses: [(key: String, value: JSONValue)] = [("default", error)]
        if route.method == "DELETE", own.response == nil {
            responses.append(("204", .object([("description", .string("Deleted"))])))
        } else {
            let success = Self.jsonContent(own.response ?? .object([("type", .string("object"))]), required: nil)
            responses.append(("200", success.replacing("description", with: .string("Success"))))
        }
        members.append(("responses", .object(responses)))
        return .object(members)
    }

    private static func dataPlaneOperation(_ method: String, _ path: String, _ summary: String) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("operationId", .string(Self.operationID(method, path))), ("summary", .string(summary)),
            ("tags", .array([.string("data plane")])),
        ]
        if PathPattern(path).parameterNames.count > 0 {
            members.append(("parameters", Self.pathParameters(PathPattern(path))))
        }
        if method == "POST" {
            members.append(("requestBody", Self.jsonContent(.object([("type", .string("object"))]), required: true)))
        }
        members.append(
            (
                "responses",
                .object([("200", .object([("description", .string("The answer (JSON, or SSE for a stream)"))]))])
            )
        )
        return .object(members)
    }

    /// The seed an API group follows.
    private static func seedOperations(_ group: RouteGroup) -> SeedOperations? {
        switch group.style {
        case .portkey: group.name == "openapi" ? nil : .portkey
        case .openRouter: .openRouter
        case .problem: nil
        }
    }

    /// Bodies and answers of the operations no seed describes.
    private static func ownSchemas(_ method: String, _ path: String) -> (body: JSONValue?, response: JSONValue?) {
        func reference(_ name: String) -> JSONValue {
            .object([("$ref", .string("#/components/schemas/Switchboard.\(name)"))])
        }
        switch (method, path) {
        case ("GET", "/api/v0/models"): return (nil, reference("RegistryPage"))
        case ("GET", "/api/v0/models/{id}"): return (nil, reference("RegistryModelEnvelope"))
        case ("PUT", "/api/v0/models/{id}"): return (reference("RegistryModelBody"), reference("RegistryModelEnvelope"))
        case ("GET", "/v1/logs"): return (nil, reference("LogList"))
        case ("GET", "/v1/cache"): return (nil, reference("CacheStats"))
        case ("DELETE", "/v1/cache"): return (nil, reference("CacheDeleted"))
        case ("GET", "/openapi.json"):
            return (nil, .object([("type", .string("object")), ("description", .string("This document."))]))
        default: return (nil, nil)
        }
    }

    private static func errorResponse(_ group: RouteGroup) -> JSONValue {
        let (type, schema, shape) =
            switch group.style {
            case .portkey: ("application/json", "PortkeyError", "Portkey's")
            case .openRouter: ("application/json", "OpenRouterError", "OpenRouter's")
            case .problem: ("application/problem+json", "Problem", "RFC 7807")
            }
        let reference = JSONValue.object([("$ref", .string("#/components/schemas/Switchboard.\(schema)"))])
        return .object([
            ("description", .string("An error in \(shape) shape")),
            ("content", .object([(type, .object([("schema", reference)]))])),
        ])
    }

    private static func jsonContent(_ schema: JSONValue, required: Bool?) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("content", .object([("application/json", .object([("schema", schema)]))]))
        ]
        if let required { members.append(("required", .bool(required))) }
        return .object(members)
    }

    private static func pathParameters(_ pattern: PathPattern) -> JSONValue {
        .array(
            pattern.parameterNames.map { name in
                .object([
                    ("name", .string(name)), ("in", .string("path")), ("required", .bool(true)),
                    ("schema", .object([("type", .string("string"))])),
                ])
            }
        )
    }

    // MARK: - Components

    private static let securitySchemes: [(key: String, value: JSONValue)] = [
        (
            "portkeyApiKey",
            .object([("type", .string("apiKey")), ("in", .string("header")), ("name", .string("x-portkey-api-key"))])
        ),
        ("bearer", .object([("type", .string("http")), ("scheme", .string("bearer"))])),
        ("apiKey", .object([("type", .string("apiKey")), ("in", .string("header")), ("name", .string("x-api-key"))])),
    ]

    private static var components: JSONValue {
        var kinds: [(key: String, value: JSONValue)] = [("securitySchemes", .object(Self.securitySchemes))]
        var schemas = JSONValue(parsing: Array(OwnSchemas.json.utf8))?.members ?? []
        for seed in [SeedOperations.portkey, .openRouter] {
            for (kind, name, value) in seed.components {
                if kind == "schemas" {
                    schemas.append((name, value))
                } else if let index = kinds.firstIndex(where: { $0.key == kind }) {
                    kinds[index].value = kinds[index].value.replacing(name, with: value)
                } else {
                    kinds.append((kind, .object([(name, value)])))
                }
            }
        }
        return .object([("schemas", .object(schemas))] + kinds)
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
