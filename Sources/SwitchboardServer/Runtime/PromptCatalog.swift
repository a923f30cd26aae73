import SwitchboardCore
import SwitchboardPrompts
import SwitchboardStore

/// The stored prompts and partials as requests read them (docs/prompts.md): every version's document, by slug and
/// by id, read from the store with the rest of the snapshot so that `POST /v1/prompts/{id}/completions` never
/// waits on the database.
struct PromptCatalog: Sendable {
    struct Prompt: Sendable {
        var slug: String
        var defaultVersion: Int
        var versions: [Int: JSONValue]
    }

    private var prompts: [String: Prompt] = [:]
    /// Partials' templates: by slug (the default version) and by slug and number.
    private(set) var partials: [PartialReference: String] = [:]

    init() {}

    init(from store: any Store) async throws {
        var documents: [String: [Int: JSONValue]] = [:]
        for version in try await store.listPromptVersions(kind: .prompt) {
            documents[version.promptID, default: [:]][version.version] =
                JSONValue(parsing: Array(version.document.utf8)) ?? .object([])
        }
        for prompt in try await store.listPrompts(kind: .prompt) where prompt.status == "active" {
            let entry = Prompt(
                slug: prompt.slug,
                defaultVersion: prompt.defaultVersion,
                versions: documents[prompt.id] ?? [:]
            )
            self.prompts[prompt.slug] = entry
            self.prompts[prompt.id] = entry
        }
        var slugs: [String: (slug: String, defaultVersion: Int)] = [:]
        for partial in try await store.listPrompts(kind: .partial) where partial.status == "active" {
            slugs[partial.id] = (partial.slug, partial.defaultVersion)
        }
        for version in try await store.listPromptVersions(kind: .partial) {
            guard let owner = slugs[version.promptID],
                let text = JSONValue(parsing: Array(version.document.utf8))?["string"]?.string
            else { continue }
            self.partials[PartialReference(slug: owner.slug, version: version.version)] = text
            if version.version == owner.defaultVersion { self.partials[PartialReference(slug: owner.slug)] = text }
        }
    }

    /// The version a request names: `slug` or `id` (the default version), `…@3`, `…@latest`.
    func version(named name: String) -> (slug: String, document: JSONValue)? {
        let at = name.lastIndex(of: "@")
        let key = at.map { String(name[..<$0]) } ?? name
        guard let prompt = self.prompts[key] else { return nil }
        let wanted = at.map { String(name[name.index(after: $0)...]) }
        let number: Int? =
            switch wanted {
            case nil: prompt.defaultVersion
            case "latest"?: prompt.versions.keys.max()
            case let text?: Int(text)
            }
        guard let number, let document = prompt.versions[number] else { return nil }
        return (prompt.slug, document)
    }
}
