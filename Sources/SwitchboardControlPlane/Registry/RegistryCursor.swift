import Foundation

/// A listing cursor: base64url (no padding) of `v2:after:ID` or `v2:before:ID`.
enum RegistryCursor {
    case after(String)
    case before(String)

    /// The cursor in `text`; `nil` for none.
    /// - Throws: ``APIFailure`` 400 `invalid_cursor` for anything else.
    init?(_ text: String?) throws {
        guard let text, !text.isEmpty else { return nil }
        let invalid = APIFailure(400, "Invalid cursor parameter", code: "invalid_cursor")
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix("v2:")
        else { throw invalid }
        let parts = decoded.dropFirst(3).split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty else { throw invalid }
        switch parts[0] {
        case "after": self = .after(String(parts[1]))
        case "before": self = .before(String(parts[1]))
        default: throw invalid
        }
    }

    var token: String {
        let payload: String
        switch self {
        case .after(let id): payload = "v2:after:\(id)"
        case .before(let id): payload = "v2:before:\(id)"
        }
        return Data(payload.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
