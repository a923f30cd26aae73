/// A route's path: literal segments and `{name}` parameters; a last `{name+}` takes the rest of the path,
/// slashes included (registry ids such as `openrouter:openai/gpt-4o`).
struct PathPattern: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    let segments: [Segment]
    let description: String

    init(_ text: String) {
        self.description = text
        self.segments = text.split(separator: "/").map { part in
            guard part.hasPrefix("{"), part.hasSuffix("}") else { return .literal(String(part)) }
            let name = part.dropFirst().dropLast()
            return name.hasSuffix("+") ? .rest(String(name.dropLast())) : .parameter(String(name))
        }
    }

    /// The path as OpenAPI writes it: `/api/v0/models/{id}` (a rest parameter is one parameter there).
    var template: String {
        self.segments.map { segment in
            switch segment {
            case .literal(let text): "/" + text
            case .parameter(let name), .rest(let name): "/{\(name)}"
            }
        }.joined()
    }

    /// The names of the path's parameters, in order.
    var parameterNames: [String] {
        self.segments.compactMap { segment in
            switch segment {
            case .literal: nil
            case .parameter(let name), .rest(let name): name
            }
        }
    }

    /// The parameters of `path` (its segments, already split) when it has this pattern's shape.
    func match(_ path: [Substring]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (index, segment) in self.segments.enumerated() {
            switch segment {
            case .rest(let name):
                guard index < path.count else { return nil }
                parameters[name] = path[index...].joined(separator: "/")
                return parameters
            case .literal(let text):
                guard index < path.count, path[index] == text else { return nil }
            case .parameter(let name):
                guard index < path.count else { return nil }
                parameters[name] = String(path[index])
            }
        }
        return path.count == self.segments.count ? parameters : nil
    }
}
