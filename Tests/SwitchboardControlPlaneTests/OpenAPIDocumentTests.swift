import SwitchboardCore
import Testing

@testable import SwitchboardControlPlane

/// `/openapi.json` is made from the route table: every operation the control plane serves is in it, and nothing
/// it does not serve.
struct OpenAPIDocumentTests {
    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        let document = try #require(JSONValue(parsing: SortedJSON.bytes(OpenAPIDocument())))
        #expect(document["openapi"]?.string == "3.1.0")
        let paths = try #require(document["paths"]?.members)
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
}
