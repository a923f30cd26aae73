/// Which requests a policy counts and how it splits them (Portkey's `conditions` and `group_by`): a request is
/// counted when every condition holds, under the entity named by its `group_by` values — one budget per user,
/// per API key, per model…
public struct PolicyScope: Sendable, Equatable {
    /// `{key, value}`: the request's `key` equals `value`; `*` matches any request that has the key.
    public struct Condition: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public let conditions: [Condition]
    public let groupBy: [String]
    /// The keys read once into the subject's fields, so that matching a request makes no strings but the entity.
    private let conditionFields: [(field: PolicySubject.Field, value: String)]
    private let groupFields: [(field: PolicySubject.Field, name: String)]

    /// The keys a condition or a group may name; `metadata.<field>` names a metadata field.
    public static let keys = ["api_key", "workspace_id", "organisation_id", "virtual_key", "provider", "model"]

    public static func isKnown(_ key: String) -> Bool {
        Self.keys.contains(key) || (key.hasPrefix("metadata.") && key.count > "metadata.".count)
    }

    public init(conditions: [Condition], groupBy: [String]) {
        self.conditions = conditions
        self.groupBy = groupBy
        self.conditionFields = conditions.map { (PolicySubject.Field($0.key), $0.value) }
        self.groupFields = groupBy.map { (PolicySubject.Field($0), $0) }
    }

    /// Whether the policy looks at the target a request is sent to (its virtual key or provider): such a limit is
    /// checked for each attempt, so that a fallback can move on from a target whose limit is reached.
    public var dependsOnTarget: Bool {
        let fields = self.conditionFields.map(\.field) + self.groupFields.map(\.field)
        return fields.contains { $0 == .virtualKey || $0 == .provider }
    }

    public static func == (lhs: PolicyScope, rhs: PolicyScope) -> Bool {
        lhs.conditions == rhs.conditions && lhs.groupBy == rhs.groupBy
    }

    /// The entity (`value_key`) `subject` is counted under, or `nil` when the policy does not apply to it (a
    /// condition fails, or a group value is missing).
    public func entity(for subject: PolicySubject) -> String? {
        for condition in self.conditionFields {
            guard let value = subject.value(condition.field) else { return nil }
            if condition.value != "*", value != condition.value { return nil }
        }
        var entity = ""
        for (index, group) in self.groupFields.enumerated() {
            guard let value = subject.value(group.field) else { return nil }
            if index > 0 { entity += "|" }
            entity += group.name
            entity += ":"
            entity += value
        }
        return entity
    }
}

/// What a policy can see of a request.
public struct PolicySubject: Sendable, Equatable {
    public var apiKey: String?
    public var workspace: String?
    public var organisation: String?
    public var virtualKey: String?
    public var provider: String?
    public var model: String?
    /// `x-portkey-metadata` over the API key's default metadata.
    public var metadata: [String: String]

    public init(
        apiKey: String? = nil,
        workspace: String? = nil,
        organisation: String? = nil,
        virtualKey: String? = nil,
        provider: String? = nil,
        model: String? = nil,
        metadata: [String: String] = [:]
    ) {
        self.apiKey = apiKey
        self.workspace = workspace
        self.organisation = organisation
        self.virtualKey = virtualKey
        self.provider = provider
        self.model = model
        self.metadata = metadata
    }

    public func value(of key: String) -> String? {
        self.value(Field(key))
    }

    /// A condition or group key, read once.
    public enum Field: Sendable, Equatable {
        case apiKey, workspace, organisation, virtualKey, provider, model
        case metadata(String)
        case unknown

        public init(_ key: String) {
            switch key {
            case "api_key": self = .apiKey
            case "workspace_id": self = .workspace
            case "organisation_id": self = .organisation
            case "virtual_key": self = .virtualKey
            case "provider": self = .provider
            case "model": self = .model
            default:
                self = key.hasPrefix("metadata.") ? .metadata(String(key.dropFirst("metadata.".count))) : .unknown
            }
        }
    }

    public func value(_ field: Field) -> String? {
        switch field {
        case .apiKey: self.apiKey
        case .workspace: self.workspace
        case .organisation: self.organisation
        case .virtualKey: self.virtualKey
        case .provider: self.provider
        case .model: self.model
        case .metadata(let name): self.metadata[name]
        case .unknown: nil
        }
    }
}
