import Foundation

/// Expands `${NAME}` and `${NAME:-default}` in configuration values.
public enum EnvironmentExpansion {
    /// Why a value could not be expanded.
    public enum Failure: Error, Equatable {
        case unset(String)
        case malformed
    }

    /// Returns `value` with every reference replaced from `environment`.
    /// - Throws: ``Failure/unset(_:)`` for `${NAME}` when NAME is not set (use `${NAME:-}` to allow that).
    public static func expand(_ value: String, environment: [String: String]) throws(Failure) -> String {
        guard value.contains("${") else { return value }
        var out = ""
        var rest = value[...]
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { throw .malformed }
            let reference = rest[start.upperBound..<end]
            let name: Substring
            let fallback: Substring?
            if let separator = reference.range(of: ":-") {
                name = reference[..<separator.lowerBound]
                fallback = reference[separator.upperBound...]
            } else {
                name = reference
                fallback = nil
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw .malformed
            }
            if let found = environment[String(name)], !found.isEmpty {
                out += found
            } else if let fallback {
                out += fallback
            } else {
                throw .unset(String(name))
            }
            rest = rest[rest.index(after: end)...]
        }
        out += rest
        return out
    }
}
