/// One operation of the control plane: a method and a path pattern, served by an API's handler.
struct Route: Sendable {
    typealias Handler = @Sendable (APIContext, APIRequest) async throws -> ControlPlane.Response

    let method: String
    let pattern: PathPattern
    let handler: Handler

    init(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        self.method = method
        self.pattern = PathPattern(pattern)
        self.handler = handler
    }

    /// A route served by `action` of a fresh `API` (APIs are small values over the shared context).
    static func api<API: ControlPlaneAPI>(
        _ method: String,
        _ pattern: String,
        _ action: @escaping @Sendable (API) -> @Sendable (APIRequest) async throws -> ControlPlane.Response
    ) -> Route {
        Route(method, pattern) { context, request in try await action(API(context))(request) }
    }

    static func get<API: ControlPlaneAPI>(
        _ pattern: String,
        _ action: @escaping @Sendable (API) -> @Sendable (APIRequest) async throws -> ControlPlane.Response
    ) -> Route { .api("GET", pattern, action) }

    static func post<API: ControlPlaneAPI>(
        _ pattern: String,
        _ action: @escaping @Sendable (API) -> @Sendable (APIRequest) async throws -> ControlPlane.Response
    ) -> Route { .api("POST", pattern, action) }

    static func put<API: ControlPlaneAPI>(
        _ pattern: String,
        _ action: @escaping @Sendable (API) -> @Sendable (APIRequest) async throws -> ControlPlane.Response
    ) -> Route { .api("PUT", pattern, action) }

    static func delete<API: ControlPlaneAPI>(
        _ pattern: String,
        _ action: @escaping @Sendable (API) -> @Sendable (APIRequest) async throws -> ControlPlane.Response
    ) -> Route { .api("DELETE", pattern, action) }
}

/// An API of the control plane: made per request over the shared ``APIContext``.
protocol ControlPlaneAPI: Sendable {
    init(_ context: APIContext)
}

/// The routes under some path prefixes that answer errors in one shape and point at one page of the docs.
struct RouteGroup: Sendable {
    /// What the 404 calls it (`No presets route …`).
    let name: String
    let prefixes: [String]
    let style: ErrorStyle
    let docs: String
    let routes: [Route]
}
