/// Which API made a credential. Integrations hold a provider's secret; providers are usable handles that draw
/// on an integration; virtual keys are Portkey's older form of a provider with its own secret. Providers and
/// virtual keys share one slug namespace, integrations have their own.
public enum CredentialKind: String, Sendable, CaseIterable {
    case integration
    case provider
    case virtualKey = "virtual-key"

    /// The kinds whose slugs must differ from this kind's.
    public var namespace: [CredentialKind] { self == .integration ? [.integration] : [.provider, .virtualKey] }
}
