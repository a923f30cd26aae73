import SwitchboardCore

/// One seed document as a source of operations for Switchboard's own OpenAPI document: finds the seed's
/// operation for a served route and adopts it — its components under a prefix (`Portkey.ApiKeyObject`), its path
/// parameters renamed to the route's, OpenAPI 3.0's `nullable` written the 3.1 way.
struct SeedOperations {
    /// Prefix of the adopted components' names.
    let prefix: String
    let document: JSONValue
    /// Where the seed's paths start in Switchboard's (`/v1/configs` is the seed's `/configs`).
    let bases: [String]

    static let portkey = SeedOperations(prefix: "Portkey.", document: Seeds.portkey, bases: ["/v1"])
    static let openRouter = SeedOperations(
        prefix: "OpenRouter.",
        document: Seeds.openRouter,
        bases: ["/api/v1", "/v1"]
    )

    private var isOpenAPI30: Bool { self.document["openapi"]?.string?.hasPrefix("3.0") ?? false }

    /// The seed's operation for `method` on Switchboard's path `pattern`, adopted; `nil` when the seed has none.
    func operation(_ method: String, _ pattern: PathPattern) -> JSONValue? {
        let template = pattern.template
        guard let base = self.bases.first(where: { template.hasPrefix($0 + "/") }) else { return nil }
        let shape = Self.shape(String(template.dropFirst(base.count)))
        guard let item = self.document["paths"]?.members?.first(where: { Self.shape($0.key) == shape })?.value,
            let seed = item[method.lowercased()]?.members
        else { return nil }
        var names = pattern.parameterNames.makeIterator()
        var operation: [(key: String, value: JSONValue)] = []
        for (key, value) in seed where !["servers", "security", "operationId", "tags"].contains(key) {
            guard key == "parameters", let parameters = value.array else {
                operation.append((key, value))
                continue
            }
            let renamed = parameters.map { parameter -> JSONValue in
                // A path parameter given by reference is written out, so that it can take the route's name.
                let resolved = self.resolvedParameter(parameter)
                guard resolved["in"]?.string == "path", let name = names.next() else { return parameter }
                return resolved.replacing("name", with: .string(name))
            }
            operation.append((key, .array(renamed)))
        }
        return self.adopt(.object(operation))
    }

    /// `parameter`, or the component parameter it refers to (`#/components/parameters/…`).
    private func resolvedParameter(_ parameter: JSONValue) -> JSONValue {
        guard let reference = parameter["$ref"]?.string, reference.hasPrefix("#/components/parameters/") else {
            return parameter
        }
        let name = String(reference.dropFirst("#/components/parameters/".count))
        return self.document["components"]?["parameters"]?[name] ?? parameter
    }

    /// The seed's components, adopted, as `(kind, name, value)`.
    var components: [(kind: String, name: String, value: JSONValue)] {
        var out: [(kind: String, name: String, value: JSONValue)] = []
        for (kind, members) in self.document["components"]?.members ?? [] where kind != "securitySchemes" {
            for (name, value) in members.members ?? [] { out.append((kind, self.prefix + name, self.adopt(value))) }
        }
        return out
    }

    /// `node` with its references pointing at the prefixed components and, from a 3.0 seed, `nullable` as a type.
    /// Values (`enum`, `default`, `const`) are left alone, except in a `properties` map, whose members are schemas
    /// whatever their names.
    private func adopt(_ node: JSONValue, isPropertyMap: Bool = false) -> JSONValue {
        switch node {
        case .array(let items): return .array(items.map { self.adopt($0) })
        case .object(var members):
            for index in members.indices {
                let key = members[index].key
                if !isPropertyMap, key == "$ref", let reference = members[index].value.string {
                    members[index].value = .string(self.prefixed(reference))
                } else if isPropertyMap || !["enum", "default", "const"].contains(key) {
                    members[index].value = self.adopt(
                        members[index].value,
                        isPropertyMap: !isPropertyMap && key == "properties"
                    )
                }
            }
            if isPropertyMap { return .object(members) }
            return self.isOpenAPI30 ? Self.nullableAsType(Self.withoutNullDefault(members)) : .object(members)
        default: return node
        }
    }

    /// `#/components/schemas/Name` → `#/components/schemas/<prefix>Name`.
    private func prefixed(_ reference: String) -> String {
        let parts = reference.split(separator: "/", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[0] == "#", parts[1] == "components" else { return reference }
        return "#/components/\(parts[2])/\(self.prefix)\(parts[3])"
    }

    /// OpenAPI 3.0's `nullable: true` in 3.1's words: `null` among the types (and the enum), or `anyOf` with
    /// null when the schema has no type of its own (a `$ref`).
    private static func nullableAsType(_ members: [(key: String, value: JSONValue)]) -> JSONValue {
        guard let index = members.firstIndex(where: { $0.key == "nullable" && $0.value.bool != nil }) else {
            return .object(members)
        }
        var rest = members
        let nullable = rest.remove(at: index).value.bool == true
        guard nullable else { return .object(rest) }
        guard let typeIndex = rest.firstIndex(where: { $0.key == "type" }), let type = rest[typeIndex].value.string
        else { return .object([("anyOf", .array([.object(rest), .object([("type", .string("null"))])]))]) }
        rest[typeIndex].value = .array([.string(type), .string("null")])
        if let enumIndex = rest.firstIndex(where: { $0.key == "enum" }), let choices = rest[enumIndex].value.array,
            !choices.contains(.null)
        {
            rest[enumIndex].value = .array(choices + [.null])
        }
        return .object(rest)
    }

    /// A 3.0 schema's `default: null` on a field that is not nullable (the seed says "no default" that way; 3.1
    /// validators refuse a default the schema refuses).
    private static func withoutNullDefault(
        _ members: [(key: String, value: JSONValue)]
    ) -> [(key: String, value: JSONValue)] {
        guard members.contains(where: { $0.key == "default" && $0.value == .null }),
            !members.contains(where: { $0.key == "nullable" && $0.value.bool == true })
        else { return members }
        return members.filter { $0.key != "default" }
    }

    /// `/configs/{slug}/versions` → `/configs/{}/versions`.
    private static func shape(_ path: String) -> String {
        path.split(separator: "/").map { $0.hasPrefix("{") ? "{}" : String($0) }.joined(separator: "/")
    }
}

extension JSONValue {
    /// This object with member `key` set to `value` (added when missing).
    func replacing(_ key: String, with value: JSONValue) -> JSONValue {
        guard var members = self.members else { return self }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append((key, value))
        }
        return .object(members)
    }
}
