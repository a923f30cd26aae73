/// A config's `cache` (spec/portkey.md B6): `{"mode": "simple" | "semantic", "max_age": seconds}`, or the string
/// `"simple"`. `max_age` is in seconds as Portkey's documents say (its open-source gateway reads milliseconds).
public struct CacheSettings: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// An identical request (same endpoint, provider, model, body and namespace) is answered from the cache.
        case simple
        /// Exact first, then a stored prompt close enough in meaning (docs/cache.md).
        case semantic
    }

    public var mode: Mode
    public var maxAgeSeconds: Int

    public static let defaultMaxAge = 604_800
    public static let maxAgeRange = 60...7_776_000

    public init(mode: Mode, maxAgeSeconds: Int = Self.defaultMaxAge) {
        self.mode = mode
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// Reads a config's `cache` value.
    /// - Returns: the settings, or the problem with the field it names (relative to `cache`).
    public static func parse(_ value: JSONValue) -> Result<CacheSettings, CacheSettingsProblem> {
        if let text = value.string {
            guard let mode = Mode(rawValue: text) else { return .failure(.init(field: "", message: Self.modes)) }
            return .success(CacheSettings(mode: mode))
        }
        guard let members = value.members else {
            return .failure(.init(field: "", message: "must be an object {mode, max_age} or the string \"simple\""))
        }
        var settings = CacheSettings(mode: .simple)
        var sawMode = false
        for (key, member) in members {
            switch key {
            case "mode":
                guard let text = member.string, let mode = Mode(rawValue: text) else {
                    return .failure(.init(field: "mode", message: Self.modes))
                }
                settings.mode = mode
                sawMode = true
            case "max_age":
                if case .null = member { continue }
                guard let seconds = member.int, Self.maxAgeRange.contains(seconds) else {
                    return .failure(
                        .init(
                            field: "max_age",
                            message: "must be a whole number of seconds from 60 to 7776000 (90 days)"
                        )
                    )
                }
                settings.maxAgeSeconds = seconds
            default:
                continue
            }
        }
        guard sawMode else { return .failure(.init(field: "mode", message: "is required: " + Self.modes)) }
        return .success(settings)
    }

    private static let modes = "must be \"simple\" or \"semantic\""
}

/// What is wrong with a `cache` value: the field under `cache` (empty for the value itself) and why.
public struct CacheSettingsProblem: Error, Sendable, Equatable {
    public var field: String
    public var message: String
}
