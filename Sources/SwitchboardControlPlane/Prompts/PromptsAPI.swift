import SwitchboardCore
import SwitchboardPrompts
import SwitchboardStore

/// Portkey's prompts and partials (`/v1/prompts`, `/v1/prompts/partials`, docs/prompts.md): Mustache templates
/// stored with numbered versions; requests use the default version (`PUT …/makeDefault` moves it) unless they name
/// one (`slug@3`, `slug@latest`). An update with a new template adds a version. Rendering fills a version in with
/// the caller's variables and the partials it names.
struct PromptsAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    /// The fields of a prompt version's document, as the API takes them.
    static let promptFields = [
        "string", "parameters", "model", "virtual_key", "functions", "tools", "tool_choice", "template_metadata",
        "is_raw_template",
    ]

    // MARK: Prompts

    func list(_ request: APIRequest) async throws -> ControlPlane.Response {
        var prompts = try await self.context.store.listPrompts(kind: .prompt)
        if let collection = request.query["collection_id"] {
            prompts = prompts.filter { $0.collectionID == collection }
        }
        if let search = request.query["search"]?.lowercased(), !search.isEmpty {
            prompts = prompts.filter { $0.name.lowercased().contains(search) || $0.slug.contains(search) }
        }
        return .json(PortkeyList(prompts.map(PromptView.summary)))
    }

    func create(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.create(request, kind: .prompt)
    }

    func get(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (prompt, version) = try await self.resolve(request.parameter("id"), kind: .prompt)
        return .json(PromptView.prompt(prompt, version: version))
    }

    func update(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.update(request, kind: .prompt)
    }

    func delete(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.delete(request, kind: .prompt)
    }

    func versions(_ request: APIRequest) async throws -> ControlPlane.Response {
        let key = request.parameter("id")
        guard let versions = try await self.context.store.promptVersions(kind: .prompt, key: key) else {
            throw Self.notFound(.prompt, key)
        }
        return .json(JSONValue.array(versions.map(PromptView.version)))
    }

    func version(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (prompt, version) = try await self.version(request, kind: .prompt)
        return .json(PromptView.prompt(prompt, version: version))
    }

    func labelVersion(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (prompt, version) = try await self.version(request, kind: .prompt)
        let body = try Self.object(request)
        guard let label = body["label_id"], label.string != nil || label == .null else {
            throw APIFailure(400, "'label_id' is required: a label id (a string), or null to clear it.")
        }
        _ = try await self.context.store.labelPromptVersion(
            kind: .prompt,
            key: prompt.id,
            versionID: version.id,
            labelID: label.string
        )
        try await self.context.host.storeChanged()
        return .json(JSONValue.object([]))
    }

    func makeDefault(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.makeDefault(request, kind: .prompt)
    }

    /// `POST /v1/prompts/{id}/render`: `{success, data: <the chat body>}`.
    func render(_ request: APIRequest) async throws -> ControlPlane.Response {
        let call = try Self.object(request)
        let (_, version) = try await self.resolve(request.parameter("id"), kind: .prompt)
        let partials = try await self.partials()
        do {
            let body = try PromptRequest(version: Self.document(version)).body(call: call) { partials[$0] }
            return .json(JSONValue.object([("success", .bool(true)), ("data", body)]))
        } catch {
            throw APIFailure(400, error.message, code: error.field)
        }
    }

    // MARK: Partials

    func listPartials(_ request: APIRequest) async throws -> ControlPlane.Response {
        let partials = try await self.context.store.listPrompts(kind: .partial)
        return .json(JSONValue.array(partials.map(PromptView.summary)))
    }

    func createPartial(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.create(request, kind: .partial)
    }

    func getPartial(_ request: APIRequest) async throws -> ControlPlane.Response {
        let (partial, version) = try await self.resolve(request.parameter("id"), kind: .partial)
        return .json(PromptView.partial(partial, version: version))
    }

    func updatePartial(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.update(request, kind: .partial)
    }

    func deletePartial(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.delete(request, kind: .partial)
    }

    func partialVersions(_ request: APIRequest) async throws -> ControlPlane.Response {
        let key = request.parameter("id")
        guard let partial = try await self.context.store.prompt(kind: .partial, key: key),
            let versions = try await self.context.store.promptVersions(kind: .partial, key: key)
        else { throw Self.notFound(.partial, key) }
        return .json(JSONValue.array(versions.map { PromptView.partialVersion(partial, $0) }))
    }

    func makeDefaultPartial(_ request: APIRequest) async throws -> ControlPlane.Response {
        try await self.makeDefault(request, kind: .partial)
    }

    // MARK: Shared

    private func create(_ request: APIRequest, kind: StoredPrompt.Kind) async throws -> ControlPlane.Response {
        let body = try Self.object(request)
        guard let name = body["name"]?.string, !name.isEmpty else {
            throw APIFailure(400, "'name' is required: a non-empty string naming the \(kind.rawValue).")
        }
        let document = try Self.document(from: body, kind: kind, required: true)
        let slug = try Self.slug(body, name: name, kind: kind)
        let stored: StoredPrompt
        do {
            stored = try await self.context.store.createPrompt(
                NewPrompt(
                    kind: kind,
                    slug: slug,
                    name: name,
                    collectionID: body["collection_id"]?.string ?? "default",
                    document: document.jsonText,
                    description: body["version_description"]?.string
                )
            )
        } catch let error as StoreError where error.code == .conflict {
            throw APIFailure(409, "A \(kind.rawValue) with slug '\(slug)' already exists; choose another slug.")
        }
        try await self.context.host.storeChanged()
        return .json(
            JSONValue.object([
                ("id", .string(stored.id)), ("slug", .string(stored.slug)),
                ("version_id", .string(stored.version.id)), ("object", .string(kind.rawValue)),
            ])
        )
    }

    private func update(_ request: APIRequest, kind: StoredPrompt.Kind) async throws -> ControlPlane.Response {
        let key = request.parameter("id")
        let body = try Self.object(request)
        guard let current = try await self.context.store.prompt(kind: kind, key: key) else {
            throw Self.notFound(kind, key)
        }
        if let name = body["name"], name.string?.isEmpty != false {
            throw APIFailure(400, "'name' must be a non-empty string.")
        }
        let fields = kind == .prompt ? Self.promptFields : ["string"]
        let changes = fields.contains { body[$0] != nil }
        guard changes || body["name"] != nil else {
            throw APIFailure(
                400,
                "Nothing to update: send 'name' or \(fields.map { "'\($0)'" }.joined(separator: ", "))."
            )
        }
        var document: String?
        if changes {
            // A new version: the latest one, with what was sent over it.
            let latest = try await self.context.store.promptVersions(kind: kind, key: current.id)?.first
            var merged = (latest.map(Self.document) ?? .object([])).members ?? []
            for key in fields {
                guard let value = body[key] else { continue }
                merged.removeAll { $0.key == key }
                merged.append((key, value))
            }
            document = try Self.document(from: .object(merged), kind: kind, required: true).jsonText
        }
        guard
            let (stored, version) = try await self.context.store.updatePrompt(
                kind: kind,
                key: current.id,
                name: body["name"]?.string,
                document: document,
                description: body["version_description"]?.string ?? body["description"]?.string
            )
        else { throw Self.notFound(kind, key) }
        try await self.context.host.storeChanged()
        let versionID = JSONValue.string(version?.id ?? stored.version.id)
        return .json(
            kind == .prompt
                ? JSONValue.object([
                    ("id", .string(stored.id)), ("slug", .string(stored.slug)), ("prompt_version_id", versionID),
                ])
                : JSONValue.object([("prompt_partial_version_id", versionID)])
        )
    }

    private func delete(_ request: APIRequest, kind: StoredPrompt.Kind) async throws -> ControlPlane.Response {
        let key = request.parameter("id")
        guard try await self.context.store.deletePrompt(kind: kind, key: key) else { throw Self.notFound(kind, key) }
        try await self.context.host.storeChanged()
        return .success
    }

    private func makeDefault(_ request: APIRequest, kind: StoredPrompt.Kind) async throws -> ControlPlane.Response {
        let key = request.parameter("id")
        let body = try Self.object(request)
        guard let number = body["version"]?.number, number == number.rounded(), number >= 1 else {
            throw APIFailure(400, "'version' is required: the number of the version to make the default.")
        }
        guard try await self.context.store.prompt(kind: kind, key: key) != nil else { throw Self.notFound(kind, key) }
        guard try await self.context.store.makeDefaultPromptVersion(kind: kind, key: key, version: Int(number)) else {
            throw APIFailure(404, "The \(kind.rawValue) '\(key)' has no version \(Int(number)).")
        }
        try await self.context.host.storeChanged()
        return .json(JSONValue.object([]))
    }

    /// The version `GET/PUT …/versions/{versionId}` names: by id, or by number.
    private func version(
        _ request: APIRequest,
        kind: StoredPrompt.Kind
    ) async throws -> (StoredPrompt, StoredPromptVersion) {
        let key = request.parameter("id")
        let versionKey = request.parameter("versionId")
        guard let prompt = try await self.context.store.prompt(kind: kind, key: key),
            let versions = try await self.context.store.promptVersions(kind: kind, key: key)
        else { throw Self.notFound(kind, key) }
        guard let version = versions.first(where: { $0.id == versionKey || String($0.version) == versionKey }) else {
            throw APIFailure(404, "The \(kind.rawValue) '\(key)' has no version '\(versionKey)'.")
        }
        return (prompt, version)
    }

    /// A prompt named with an optional version: `slug`, `slug@3`, `slug@latest`.
    func resolve(_ name: String, kind: StoredPrompt.Kind) async throws -> (StoredPrompt, StoredPromptVersion) {
        let (key, wanted) = Self.split(name)
        guard let prompt = try await self.context.store.prompt(kind: kind, key: key) else {
            throw Self.notFound(kind, key)
        }
        guard let wanted else { return (prompt, prompt.version) }
        let versions = try await self.context.store.promptVersions(kind: kind, key: key) ?? []
        let version = wanted == "latest" ? versions.first : versions.first { String($0.version) == wanted }
        guard let version else { throw APIFailure(404, "The \(kind.rawValue) '\(key)' has no version '\(wanted)'.") }
        return (prompt, version)
    }

    /// Every partial's templates by reference: the default version by slug, every version by slug and number.
    private func partials() async throws -> [PartialReference: String] {
        var templates: [PartialReference: String] = [:]
        var slugs: [String: String] = [:]
        for partial in try await self.context.store.listPrompts(kind: .partial) {
            slugs[partial.id] = partial.slug
            templates[PartialReference(slug: partial.slug)] = Self.document(partial.version)["string"]?.string
        }
        // Every version in one query, not one per partial.
        for version in try await self.context.store.listPromptVersions(kind: .partial) {
            guard let slug = slugs[version.promptID] else { continue }
            templates[PartialReference(slug: slug, version: version.version)] = Self.document(version)["string"]?.string
        }
        return templates
    }

    static func split(_ name: String) -> (key: String, version: String?) {
        guard let at = name.lastIndex(of: "@") else { return (name, nil) }
        return (String(name[..<at]), String(name[name.index(after: at)...]))
    }

    static func document(_ version: StoredPromptVersion) -> JSONValue {
        JSONValue(parsing: Array(version.document.utf8)) ?? .object([])
    }

    /// The version document of a create or update body, checked: the template parses, the fields have their types.
    private static func document(from body: JSONValue, kind: StoredPrompt.Kind, required: Bool) throws -> JSONValue {
        guard let string = body["string"]?.string else {
            throw APIFailure(400, "'string' is required: the \(kind.rawValue)'s Mustache template.")
        }
        do {
            _ = try PromptTemplate(string, name: "the \(kind.rawValue)")
        } catch {
            throw APIFailure(400, error.message, code: "string")
        }
        guard kind == .prompt else { return .object([("string", .string(string))]) }
        if let parameters = body["parameters"], parameters.members == nil, parameters != .null {
            throw APIFailure(400, "'parameters' must be an object of model parameters (temperature, max_tokens …).")
        }
        for key in ["model", "virtual_key"] {
            if let value = body[key], value.string == nil, value != .null {
                throw APIFailure(400, "'\(key)' must be a string.")
            }
        }
        for key in ["functions", "tools"] {
            if let value = body[key], value.array == nil, value != .null {
                throw APIFailure(400, "'\(key)' must be an array.")
            }
        }
        return .object(Self.promptFields.compactMap { key in body[key].map { (key, $0) } })
    }

    private static func slug(_ body: JSONValue, name: String, kind: StoredPrompt.Kind) throws -> String {
        guard let given = body["slug"] else { return Slugs.make(name: name, prefix: kind == .prompt ? "pp-" : "pl-") }
        guard let slug = given.string, Slug.isValid(slug, allowingDots: false) else {
            throw APIFailure(400, "'slug' must use a-z, 0-9, '-' and '_' (at most 64 characters).")
        }
        return slug
    }

    static func object(_ request: APIRequest) throws -> JSONValue {
        guard let body = JSONValue(parsing: request.body), body.members != nil else {
            throw APIFailure(400, "The body must be a JSON object.")
        }
        return body
    }

    static func notFound(_ kind: StoredPrompt.Kind, _ key: String) -> APIFailure {
        APIFailure(404, "\(kind == .prompt ? "Prompt" : "Partial") '\(key)' not found.")
    }
}
