import Foundation

/// The checks that read the text of the request's last message or of the answer (spec/portkey.md B9), with
/// Portkey's rules: a sentence ends at `.`, `!` or `?`; words are separated by white space; `endsWith` also accepts
/// the suffix followed by a full stop; `not` inverts every verdict but `contains` (which has `operator: none`).
enum TextChecks {
    static func run(
        _ check: GuardrailCheck,
        _ parameters: JSONValue,
        text: String,
        not: Bool,
        rule compiled: CompiledRule? = nil
    ) -> CheckOutcome {
        func judged(_ holds: Bool, _ data: [(String, JSONValue)]) -> CheckOutcome {
            let verdict = not ? !holds : holds
            return CheckOutcome(
                verdict: verdict,
                data: .object(data + [("not", .bool(not)), ("verdict", .bool(verdict))])
            )
        }
        func range(_ count: Int, _ minKey: String, _ maxKey: String, _ name: String) -> CheckOutcome {
            guard let low = parameters[minKey]?.number, let high = parameters[maxKey]?.number else {
                return .failure("needs '\(minKey)' and '\(maxKey)'")
            }
            return judged(
                Double(count) >= low && Double(count) <= high,
                [(name, .number(Double(count))), (minKey, .number(low)), (maxKey, .number(high))]
            )
        }
        switch check {
        case .regexMatch:
            guard let rule = parameters["rule"]?.string, let regex = compiled ?? CompiledRule(rule) else {
                return .failure("'rule' is not a regular expression")
            }
            guard !text.isEmpty else { return .failure("no text to match") }
            let match = regex.firstMatch(in: text)
            return judged(
                match != nil,
                [("regexPattern", .string(rule)), ("matchedText", match.map(JSONValue.string) ?? .null)]
            )
        case .sentenceCount:
            let count = text.unicodeScalars.filter { $0 == "." || $0 == "!" || $0 == "?" }.count
            return range(count, "minSentences", "maxSentences", "sentenceCount")
        case .wordCount:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { return .failure("no text to count") }
            let count = trimmed.split(whereSeparator: { $0.isWhitespace }).count
            return range(count, "minWords", "maxWords", "wordCount")
        case .characterCount:
            guard !text.isEmpty else { return .failure("no text to count") }
            // JavaScript's `length`: UTF-16 code units, as Portkey counts.
            return range(text.utf16.count, "minCharacters", "maxCharacters", "characterCount")
        case .contains:
            let words = (parameters["words"]?.array ?? []).compactMap(\.string)
            let found = words.filter { text.contains($0) }
            let missing = words.filter { !text.contains($0) }
            let holds: Bool
            switch parameters["operator"]?.string {
            case "any": holds = !found.isEmpty
            case "all": holds = missing.isEmpty
            case "none": holds = found.isEmpty
            default: return .failure("needs 'operator': \"any\", \"all\" or \"none\"")
            }
            return CheckOutcome(
                verdict: holds,
                data: .object([
                    ("foundWords", .array(found.map(JSONValue.string))),
                    ("missingWords", .array(missing.map(JSONValue.string))),
                    ("operator", parameters["operator"] ?? .null),
                ])
            )
        case .validUrls:
            guard !text.isEmpty else { return .failure("no text to analyze") }
            let urls = Self.urls(in: text)
            // Without a URL there is nothing valid: false, as in Portkey (before `not`).
            guard !urls.isEmpty else {
                return CheckOutcome(verdict: false, data: .object([("urls", .array([])), ("not", .bool(not))]))
            }
            let invalid = urls.filter { !Self.isWellFormed($0) }
            return judged(
                invalid.isEmpty,
                [
                    ("urls", .array(urls.map(JSONValue.string))),
                    ("invalidUrls", .array(invalid.map(JSONValue.string))),
                    ("validationMethod", "syntax"),
                ]
            )
        case .containsCode:
            guard let format = parameters["format"]?.string else { return .failure("needs 'format'") }
            guard !text.isEmpty else { return .failure("no text to analyze") }
            let languages = Self.fencedLanguages(in: text)
            guard !languages.isEmpty else {
                return CheckOutcome(verdict: not, data: .object([("foundFormats", .array([])), ("not", .bool(not))]))
            }
            let wanted = Self.language(format)
            return judged(
                languages.contains { Self.language($0) == wanted },
                [("searchedFormat", .string(format)), ("foundFormats", .array(languages.map(JSONValue.string)))]
            )
        case .alluppercase, .alllowercase:
            guard !text.isEmpty else { return .failure("no text to analyze") }
            let letters = text.unicodeScalars.filter { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
            let lettersText = String(String.UnicodeScalarView(letters))
            let holds =
                check == .alluppercase
                ? lettersText == lettersText.uppercased() : lettersText == lettersText.lowercased()
            return judged(holds, [])
        case .endsWith:
            guard let suffix = parameters["suffix"]?.string, !suffix.isEmpty else {
                return .failure("needs 'suffix' (a non-empty string)")
            }
            guard !text.isEmpty else { return .failure("no text to analyze") }
            return judged(text.hasSuffix(suffix) || text.hasSuffix(suffix + "."), [("suffix", .string(suffix))])
        default:
            return .failure("\(check.id) is not a text check")
        }
    }

    /// `http(s)://…` up to white space, a comma, a quote or a bracket (Portkey's pattern).
    static func urls(in text: String) -> [String] {
        let stops: Set<Character> = [",", "\"", "'", "{", "}", "[", "]"]
        var urls: [String] = []
        var index = text.startIndex
        while let start = text.range(of: "http", range: index..<text.endIndex) {
            let end = text[start.lowerBound...].firstIndex { $0.isWhitespace || stops.contains($0) } ?? text.endIndex
            let candidate = text[start.lowerBound..<end]
            if candidate.hasPrefix("http://") || candidate.hasPrefix("https://") {
                urls.append(String(candidate))
                index = end
            } else {
                index = start.upperBound
            }
        }
        return urls
    }

    /// A URL whose host is a DNS name (labels of letters, digits and hyphens, a top-level label of letters) or an
    /// IP address. Portkey fetches each URL (or looks its name up); a check in the request path that waits on the
    /// internet is a latency and SSRF hazard, so this one judges the form only (docs/guardrails.md).
    static func isWellFormed(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return false }
        if host.hasPrefix("[") || host.allSatisfy({ $0.isNumber || $0 == "." }) { return true }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let top = labels.last, top.count >= 2, top.allSatisfy(\.isLetter) else {
            return false
        }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }
    }

    /// The languages of the fenced code blocks (```` ```python ````).
    static func fencedLanguages(in text: String) -> [String] {
        var languages: [String] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var open = false
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("```") else { continue }
            if open {
                open = false
            } else {
                let language = trimmed.dropFirst(3).prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                open = true
                if !language.isEmpty { languages.append(String(language)) }
            }
        }
        return languages
    }

    /// A fence's language or a `format` parameter, by Portkey's map (`py` → Python, `ts` → TypeScript, …).
    static func language(_ name: String) -> String {
        let key = name.lowercased()
        return Self.languages[key] ?? key
    }

    private static let languages: [String: String] = [
        "sql": "sql", "py": "python", "python": "python", "gyp": "python", "ts": "typescript", "tsx": "typescript",
        "typescript": "typescript", "js": "javascript", "jsx": "javascript", "javascript": "javascript",
        "java": "java", "cs": "c#", "c#": "c#", "cpp": "c++", "c++": "c++", "c": "c", "rb": "ruby", "ruby": "ruby",
        "php": "php", "swift": "swift", "kt": "kotlin", "kotlin": "kotlin", "go": "go", "rs": "rust", "rust": "rust",
        "scala": "scala", "r": "r", "pl": "perl", "perl": "perl", "sh": "shell", "shell": "shell", "bash": "shell",
        "html": "html", "css": "css", "xml": "xml", "json": "json", "yml": "yaml", "yaml": "yaml", "md": "markdown",
        "markdown": "markdown", "dockerfile": "dockerfile",
    ]
}
