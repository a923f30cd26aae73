/// A prompt template or a partial (`kind`), with the version requests use by default.
public struct StoredPrompt: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case prompt, partial
    }

    public var id: String
    public var slug: String
    public var kind: Kind
    public var name: String
    public var collectionID: String
    public var status: String
    /// The version number used when a caller names none (`PUT …/makeDefault` moves it).
    public var defaultVersion: Int
    public var createdAt: String
    public var lastUpdatedAt: String
    /// The default version.
    public var version: StoredPromptVersion
}

/// One version of a prompt or partial: its document (JSON text: `{string, parameters, model, virtual_key, tools,
/// functions, tool_choice, template_metadata}`; a partial's `{string}`), numbered from 1.
public struct StoredPromptVersion: Sendable, Equatable {
    public var id: String
    public var promptID: String
    public var version: Int
    public var document: String
    public var description: String?
    public var labelID: String?
    public var status: String
    public var createdAt: String

    public init(
        id: String,
        promptID: String,
        version: Int,
        document: String,
        description: String?,
        labelID: String?,
        status: String,
        createdAt: String
    ) {
        self.id = id
        self.promptID = promptID
        self.version = version
        self.document = document
        self.description = description
        self.labelID = labelID
        self.status = status
        self.createdAt = createdAt
    }
}

/// What creating a prompt or partial takes.
public struct NewPrompt: Sendable {
    public var kind: StoredPrompt.Kind
    public var slug: String
    public var name: String
    public var collectionID: String
    public var document: String
    public var description: String?

    public init(
        kind: StoredPrompt.Kind,
        slug: String,
        name: String,
        collectionID: String,
        document: String,
        description: String?
    ) {
        self.kind = kind
        self.slug = slug
        self.name = name
        self.collectionID = collectionID
        self.document = document
        self.description = description
    }
}
