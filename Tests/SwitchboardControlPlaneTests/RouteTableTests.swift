import Testing

@testable import SwitchboardControlPlane

/// The route table, matched without a server: every operation is reachable, nothing shadows another, and a
/// path that fits no route gets the right refusal in its API's shape.
struct RouteTableTests {
    @Test func everyRouteLivesUnderItsGroupsPrefixes() {
        for group in RouteTable.all.groups {
            for route in group.routes {
                #expect(
                    group.prefixes.contains { RouteTable.path(route.pattern.description, isUnder: $0) },
                    "\(route.method) \(route.pattern) is outside \(group.prefixes)"
                )
            }
        }
    }

    @Test func everyRouteIsReachable() {
        for group in RouteTable.all.groups {
            for route in group.routes {
                let path = route.pattern.segments.map { segment -> String in
                    switch segment {
                    case .literal(let text): text
                    case .parameter: "x1"
                    case .rest: "openai:gpt/4o"
                    }
                }
                let match = RouteTable.all.match(method: route.method, path: "/" + path.joined(separator: "/"))
                guard case .found(let found, _, _) = match else {
                    Issue.record("\(route.method) \(route.pattern) is not reachable")
                    continue
                }
                #expect(found.pattern.description == route.pattern.description, "shadowed by \(found.pattern)")
            }
        }
    }

    @Test(arguments: [
        ("/v1/configs/pc-1", ["slug": "pc-1"]),
        ("/v1/api-keys/k1/rotate", ["id": "k1"]),
        ("/v1/api-keys/workspace/service", ["type": "workspace", "sub_type": "service"]),
        ("/api/v0/models/openrouter:openai/gpt-4o", ["id": "openrouter:openai/gpt-4o"]),
        ("/v1/presets/p/versions/3", ["slug": "p", "version": "3"]),
    ])
    func parametersAreTakenFromThePath(path: String, parameters: [String: String]) {
        let method = path.hasSuffix("rotate") || path.hasSuffix("service") ? "POST" : "GET"
        guard case .found(_, let found, _) = RouteTable.all.match(method: method, path: path) else {
            Issue.record("\(path) did not match")
            return
        }
        #expect(found == parameters)
    }

    @Test func anotherMethodIsA405ThatSaysWhichAreAllowed() {
        guard case .refused(let failure, let group) = RouteTable.all.match(method: "PATCH", path: "/v1/configs/a")
        else {
            Issue.record("PATCH was not refused")
            return
        }
        #expect(failure.status == 405 && group.style == .portkey)
        #expect(failure.headers.first { $0.0 == "allow" }?.1 == "GET, PUT, DELETE")
    }

    @Test func anUnknownPathUnderACollectionIsA404InItsStyle() {
        let match = RouteTable.all.match(method: "POST", path: "/api/v1/presets/p/embeddings")
        guard case .refused(let failure, let group) = match else {
            Issue.record("not refused")
            return
        }
        #expect(failure.status == 404 && failure.message.contains("No presets route"))
        #expect(group.style == .openRouter)
    }

    @Test func modelRequestsAreNotTheControlPlanes() {
        for uri in ["/v1/chat/completions", "/v1/configsx", "/v1/models", "/api/v0/modelsx"] {
            #expect(!ControlPlane.serves(uri: uri), "\(uri)")
        }
        for uri in ["/v1/configs", "/v1/configs?x=1", "/v1/analytics/graphs/cost", "/api/v0/models/a:b"] {
            #expect(ControlPlane.serves(uri: uri), "\(uri)")
        }
    }
}
