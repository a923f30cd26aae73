/// What a conditional PUT of a registry model did.
public enum RegistryPutOutcome: Sendable, Equatable {
    case created(StoredRegistryModel)
    case replaced(StoredRegistryModel)
    /// `If-Match` named another ETag than the stored one.
    case etagMismatch
    /// `If-Match` was sent for a model that does not exist.
    case staleIfMatch
    /// Another model of the project is the default already.
    case defaultTaken(String)
}
