import SwitchboardCore
import Testing

@testable import SwitchboardControlPlane

/// `/openapi.json` is made from the route table: every operation the control plane serves is in it, and nothing
/// it does not serve; operations that follow a seed carry its schemas, and every reference resolves.
struct OpenAPIDocumentTests {
    static let document = OpenAPIDocument.make()

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        #expect(Self.document["openapi"]?.string == "3.1.0")
        let paths = try #require(Self.document["paths"]?.members)
        var documented: Set<String> = []
        for (path, item) in paths {
            for (method, _) in item.members ?? [] { documented.insert("\(method.uppercased()) \(path)") }
        }
        var served: Set<String> = Set(OpenAPIDocument.dataPlane.map { "\($0.method) \($0.path)" })
        for group in RouteTable.all.groups {
            for route in group.routes { served.insert("\(route.method) \(route.pattern.template)") }
        }
        #expect(documented == served)
        #expect(documented.contains("GET /openapi.json") && documented.contains("PUT /api/v0/models/{id}"))
    }

    /// A route that follows a seed has the seed's answer schema, and its path parameters are the route's names.
    @Test func seedOperationsCarryTheSeedsSchemas() throws {
        let paths = try #require(Self.document["paths"])
        let versions = try #require(paths["/v1/configs/{slug}/versions"]?["get"])
        #expect(versions["responses"]?["200"]?["content"]?["application/json"]?["schema"]?["properties"] != nil)
        let preset = try #require(paths["/v1/presets/{slug}/chat/completions"]?["post"])
        #expect(
            preset["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"]?.string
                == "#/components/schemas/OpenRouter.ChatRequest"
        )
        let log = try #require(paths["/v1/logs/{id}"]?["get"])
        let names = log["parameters"]?.array?.filter { $0["in"]?.string == "path" }.compactMap { $0["name"]?.string }
        #expect(names == ["id"], "the seed's {logId} is renamed to the route's {id}")
        for group in RouteTable.all.groups where group.style != .problem && group.name != "openapi" {
            for route in group.routes where route.pattern.template != "/v1/logs" || route.method != "GET" {
                let operation = paths[route.pattern.template]?[route.method.lowercased()]
                #expect(
                    operation?["responses"]?.members?.contains { $0.key.hasPrefix("2") } == true,
                    "\(route.pattern.template)"
                )
                #expect(operation?["responses"]?["default"] != nil, "errors are described: \(route.pattern.template)")
            }
        }
    }

    /// Every `$ref` points at something in the document, and no 3.0 `nullable` is left.
    @Test func everyReferenceResolves() {
        var references: Set<String> = []
        var nullable = 0
        func walk(_ node: JSONValue) {
            switch node {
            case .object(let members):
                for (key, value) in members {
                    if key == "$ref", let reference = value.string { references.insert(reference) }
                    if key == "nullable", value.bool != nil { nullable += 1 }
                    walk(value)
                }
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(Self.document)
        #expect(references.count > 100)
        for reference in references {
            #expect(JSONSchema(pointer: reference, in: Self.document) != nil, "\(reference) resolves")
        }
        #expect(nullable == 0)
    }
}
