/// `GET /openapi.json`: the document, made once.
struct OpenAPIAPI: ControlPlaneAPI {
    init(_ context: APIContext) {}

    private static let document = ControlPlane.Response.json(OpenAPIDocument.make())

    func get(_ request: APIRequest) async throws -> ControlPlane.Response { Self.document }
}
