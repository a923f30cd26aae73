import Foundation

/// Gemini puts the model and the action in the path: `/models/{model}:generateContent`, or
/// `:streamGenerateContent?alt=sse` for a stream. Read from the path after the API prefix (`/v1beta`).
public struct GeminiPath: Sendable, Equatable {
    public var model: String
    public var stream: Bool

    public init(model: String, stream: Bool) {
        self.model = model
        self.stream = stream
    }

    public init?(_ path: Substring) {
        var path = path
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        guard path.hasPrefix("/models/"), let colon = path.lastIndex(of: ":") else { return nil }
        let action = path[path.index(after: colon)...]
        switch action {
        case "generateContent": self.stream = false
        case "streamGenerateContent": self.stream = true
        default: return nil
        }
        let model = path[path.index(path.startIndex, offsetBy: 8)..<colon]
        guard !model.isEmpty else { return nil }
        self.model = String(model).removingPercentEncoding ?? String(model)
    }

    /// The path for a provider: the model and action, streams as server-sent events.
    public var path: Substring {
        "/models/\(self.model):" + (self.stream ? "streamGenerateContent?alt=sse" : "generateContent")
    }
}
