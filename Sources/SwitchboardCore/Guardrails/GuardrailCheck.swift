import Foundation

/// A guardrail check of Portkey's open-source set (spec/portkey.md B9, ids `default.<name>`), and Switchboard's
/// local PII detector. Every check is a function of the request, the answer and the parameters, without I/O; the
/// two that call out (`webhook`, `log`) are run by the server.
public enum GuardrailCheck: String, Sendable, Equatable, CaseIterable {
    case regexMatch, allowedRequestTypes, sentenceCount, wordCount, characterCount, jsonSchema, jsonKeys, contains
    case validUrls, containsCode, alluppercase, alllowercase, endsWith, modelWhitelist, modelRules
    case requiredMetadataKeys, notNull, addPrefix, pii, webhook, log

    /// A check id as configs spell it: `default.regexMatch`, or `regexMatch` (Portkey adds `default.`), with the
    /// manifest's and the runtime's spellings alike (`modelwhitelist`, `modelWhitelist`); `portkey.pii` (the
    /// hosted detector's id) and `default.pii` name the local PII detector.
    public init?(id: String) {
        var name = Substring(id)
        if let dot = name.firstIndex(of: ".") {
            let namespace = name[..<dot]
            name = name[name.index(after: dot)...]
            guard namespace == "default" || (namespace == "portkey" && name == "pii") else { return nil }
        }
        guard let check = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
            return nil
        }
        self = check
    }

    /// The id results carry: `default.<name>` (the manifest's spelling).
    public var id: String {
        self == .modelWhitelist ? "default.modelwhitelist" : "default." + self.rawValue
    }

    /// Calls out over the network: run by the server, never on the event loop.
    public var callsOut: Bool { self == .webhook || self == .log }

    /// Changes the request instead of judging it.
    public var transforms: Bool { self == .addPrefix }

    /// What is wrong with `parameters` for this check, or `nil`: configs with such a check are refused when they
    /// are read (Portkey reports it per request instead, as a check error).
    public func problem(in parameters: JSONValue) -> String? {
        func number(_ key: String) -> String? {
            parameters[key]?.number == nil ? "needs '\(key)' (a number)" : nil
        }
        func strings(_ key: String) -> String? {
            guard let items = parameters[key]?.array, !items.isEmpty, items.allSatisfy({ $0.string != nil }) else {
                return "needs '\(key)' (a list of strings)"
            }
            return nil
        }
        func operatorProblem() -> String? {
            ["any", "all", "none"].contains(parameters["operator"]?.string ?? "")
                ? nil : "needs 'operator': \"any\", \"all\" or \"none\""
        }
        switch self {
        case .regexMatch:
            guard let rule = parameters["rule"]?.string else { return "needs 'rule' (a regular expression)" }
            do {
                _ = try NSRegularExpression(pattern: rule)
            } catch {
                return "'rule' is not a regular expression (\(rule))"
            }
            return nil
        case .sentenceCount: return number("minSentences") ?? number("maxSentences")
        case .wordCount: return number("minWords") ?? number("maxWords")
        case .characterCount: return number("minCharacters") ?? number("maxCharacters")
        case .jsonSchema: return parameters["schema"]?.members == nil ? "needs 'schema' (a JSON Schema object)" : nil
        case .jsonKeys: return strings("keys") ?? operatorProblem()
        case .contains: return strings("words") ?? operatorProblem()
        case .containsCode: return parameters["format"]?.string == nil ? "needs 'format' (a language)" : nil
        case .endsWith:
            return (parameters["suffix"]?.string ?? "").isEmpty ? "needs 'suffix' (a non-empty string)" : nil
        case .modelWhitelist: return strings("models")
        case .modelRules: return parameters["rules"]?.members == nil ? "needs 'rules' {defaults, metadata}" : nil
        case .requiredMetadataKeys: return strings("metadataKeys") ?? operatorProblem()
        case .addPrefix: return parameters["prefix"]?.string == nil ? "needs 'prefix' (a string)" : nil
        case .webhook, .log:
            let key = self == .webhook ? "webhookURL" : "logURL"
            guard let url = parameters[key]?.string, UpstreamURL(parsing: url) != nil else {
                return "needs '\(key)': an absolute http:// or https:// URL"
            }
            if let timeout = parameters["timeout"], (timeout.number ?? 0) <= 0 {
                return "'timeout' must be a positive number of milliseconds"
            }
            if let headers = parameters["headers"], headers.members == nil,
                headers.string.flatMap({ JSONValue(parsing: Array($0.utf8))?.members }) == nil
            {
                return "'headers' must be an object of header names to values (or its JSON text)"
            }
            return nil
        case .pii: return PIIDetector.problem(in: parameters)
        case .allowedRequestTypes, .validUrls, .alluppercase, .alllowercase, .notNull: return nil
        }
    }

    /// Runs an I/O-free check (`callsOut` checks answer with an error: the server runs them).
    /// - Parameter rule: `regexMatch`'s rule compiled beforehand (else it is compiled now).
    public func run(
        _ parameters: JSONValue,
        _ context: GuardrailContext,
        _ event: HookEvent,
        rule: CompiledRule? = nil
    ) -> CheckOutcome {
        let not = parameters["not"]?.bool ?? false
        switch self {
        case .regexMatch, .sentenceCount, .wordCount, .characterCount, .contains, .validUrls, .containsCode,
            .alluppercase, .alllowercase, .endsWith:
            let text = context.text(event)
            return TextChecks.run(self, parameters, text: text, not: not, rule: rule)
        case .jsonSchema, .jsonKeys:
            return JSONChecks.run(self, parameters, text: context.text(event), not: not)
        case .allowedRequestTypes, .modelWhitelist, .modelRules, .requiredMetadataKeys:
            return RequestChecks.run(self, parameters, context, event, not: not)
        case .notNull:
            let (content, texts) = context.contentPart(event)
            let empty =
                content == nil || content == .null
                || texts.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty }
            return CheckOutcome(verdict: not ? empty : !empty, data: .object([("not", .bool(not))]))
        case .addPrefix:
            return PromptPrefix.apply(parameters, context, event)
        case .pii:
            return PIIDetector.run(parameters, context, event)
        case .webhook, .log:
            return CheckOutcome(verdict: false, error: "\(self.id) calls out: the server runs it")
        }
    }
}

/// One check's result: its verdict, Portkey's `data` explanation, an error (the check could not judge: its verdict
/// is false), and for transformers the request body they made.
public struct CheckOutcome: Sendable, Equatable {
    public var verdict: Bool
    public var data: JSONValue?
    public var error: String?
    public var transformedRequest: JSONValue?
    /// The answer as a mutator changed it (PII redacted from a JSON answer).
    public var transformedResponse: JSONValue?

    public init(
        verdict: Bool,
        data: JSONValue? = nil,
        error: String? = nil,
        transformedRequest: JSONValue? = nil,
        transformedResponse: JSONValue? = nil
    ) {
        self.verdict = verdict
        self.data = data
        self.error = error
        self.transformedRequest = transformedRequest
        self.transformedResponse = transformedResponse
    }

    static func failure(_ message: String) -> CheckOutcome {
        CheckOutcome(verdict: false, error: message)
    }
}
