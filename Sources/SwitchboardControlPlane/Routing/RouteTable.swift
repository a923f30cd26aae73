/// Routes matched against request paths: the first route whose pattern fits and whose method is the
/// request's wins; a pattern that fits with another method is a 405, nothing that fits a 404, each in the
/// style of the group the path belongs to.
struct RouteTable: Sendable {
    let groups: [RouteGroup]

    /// The collections the table serves (``ControlPlane/serves(uri:)``).
    var prefixes: [String] { self.groups.flatMap(\.prefixes) }

    enum Match {
        case found(Route, [String: String], RouteGroup)
        case refused(APIFailure, RouteGroup)
        case unknown
    }

    func match(method: String, path: String) -> Match {
        let segments = path.split(separator: "/")
        guard let group = self.groups.first(where: { $0.prefixes.contains { Self.path(path, isUnder: $0) } }) else {
            return .unknown
        }
        var allowed: [String] = []
        for route in group.routes {
            guard let parameters = route.pattern.match(segments) else { continue }
            if route.method == method { return .found(route, parameters, group) }
            allowed.append(route.method)
        }
        if allowed.isEmpty {
            return .refused(APIFailure(404, "No \(group.name) route \(method) \(path); see \(group.docs)."), group)
        }
        var failure = APIFailure(
            405,
            "\(method) is not allowed on \(path) (allowed: \(allowed.joined(separator: ", "))); see \(group.docs)."
        )
        failure.headers = [("allow", allowed.joined(separator: ", "))]
        return .refused(failure, group)
    }

    /// Whether `path` is `prefix` or below it (`/v1/configs`, `/v1/configs/…`, `/v1/configs?…`).
    static func path(_ path: String, isUnder prefix: String) -> Bool {
        guard path.hasPrefix(prefix) else { return false }
        let next = path.utf8.dropFirst(prefix.utf8.count).first
        return next == nil || next == UInt8(ascii: "/") || next == UInt8(ascii: "?")
    }
}
