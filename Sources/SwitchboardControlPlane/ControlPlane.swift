import Foundation
import Logging
import SwitchboardCore
import SwitchboardStore

/// The control-plane APIs backed by the store: Portkey's configs, API keys, virtual keys and providers, logs,
/// feedback and analytics; OpenRouter's presets; the models registry — every operation declared in
/// ``RouteTable/all``. The data plane hands it whole requests (``serves(uri:)`` decides which) and it
/// answers them off the event loop; a write refreshes the data plane's view of the store
/// (``ControlPlaneHost/storeChanged()``) before it is answered, so the next request already routes with it.
public final class ControlPlane: Sendable {
    let context: APIContext

    public init(store: any Store, host: any ControlPlaneHost, logger: Logger) {
        self.context = APIContext(store: store, host: host, logger: logger)
    }

    /// Whether the request target `uri` belongs to the control plane (answered here rather than passed
    /// through): one of the collections, an item under it, or either with a query. Prefix tests only, so model
    /// requests pay no allocation for it.
    public static func serves(uri: String) -> Bool {
        Self.prefixes.contains { RouteTable.path(uri, isUnder: $0) }
    }

    private static let prefixes = RouteTable.all.prefixes

    /// Answers one request; `uri` is the request target (path and query), `headers` the request's headers by
    /// lowercase name (the first of each).
    public func handle(method: String, uri: String, headers: [String: String] = [:], body: [UInt8]) async -> Response {
        let components = URLComponents(string: uri)
        let path = components?.path ?? uri
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] where query[item.name] == nil { query[item.name] = item.value ?? "" }
        var request = APIRequest(method: method, path: path, query: query, headers: headers, body: body)
        switch RouteTable.all.match(method: method, path: path) {
        case .unknown:
            return ErrorStyle.portkey.response(
                APIFailure(404, "No control-plane route \(method) \(path)."),
                instance: path
            )
        case .refused(let failure, let group):
            return group.style.response(failure, instance: path)
        case .found(let route, let parameters, let group):
            request.parameters = parameters
            do {
                return try await route.handler(self.context, request)
            } catch let failure as APIFailure {
                return group.style.response(failure, instance: path)
            } catch {
                self.context.logger.error(
                    "control-plane request failed",
                    metadata: ["path": "\(path)", "error": "\(error)"]
                )
                let failure = APIFailure(503, "The store could not complete the request: \(error). Try again.")
                return group.style.response(failure, instance: path)
            }
        }
    }
}
