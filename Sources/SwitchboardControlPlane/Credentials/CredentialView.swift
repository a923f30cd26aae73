import SwitchboardStore

/// Which of Portkey's three views of the credential table an API serves.
protocol CredentialView: Sendable {
    static var kind: CredentialKind { get }
}

/// `/v1/virtual-keys`: the older form of a provider, with its own secret.
enum VirtualKeyView: CredentialView {
    static var kind: CredentialKind { .virtualKey }
}

/// `/v1/providers`: a handle (`@slug`) that draws on an integration; it lists virtual keys too.
enum ProviderView: CredentialView {
    static var kind: CredentialKind { .provider }
}

/// `/v1/integrations`: a provider id and its secret.
enum IntegrationView: CredentialView {
    static var kind: CredentialKind { .integration }
}

extension CredentialKind {
    /// The kinds a view shows: a virtual key is a provider too.
    var viewed: [CredentialKind] { self == .provider ? [.provider, .virtualKey] : [self] }

    var noun: String {
        switch self {
        case .integration: "Integration"
        case .provider: "Provider"
        case .virtualKey: "Virtual key"
        }
    }
}
