/// A local PII detector (docs/guardrails.md) — hosted-only elsewhere: e-mail addresses, phone numbers, payment card
/// numbers (checked with Luhn's algorithm), IBANs (checked with their mod-97 sum) and API-key shapes (OpenAI,
/// Anthropic, AWS, GitHub, Slack, Google). Check id `default.pii` (or `portkey.pii`), parameters
/// `{categories?: [...], redact?: bool}`: the verdict fails when PII is found; with `redact` the request's texts
/// are rewritten (`[EMAIL_ADDRESS]`, …) and it goes on. Patterns are deliberately strict: a year or an order
/// number is not a phone number.
enum PIIDetector {
    enum Category: String, CaseIterable {
        case apiKey = "api_key"
        case email
        case iban
        case creditCard = "credit_card"
        case phone

        var placeholder: String {
            switch self {
            case .apiKey: "[API_KEY]"
            case .email: "[EMAIL_ADDRESS]"
            case .iban: "[IBAN]"
            case .creditCard: "[CREDIT_CARD]"
            case .phone: "[PHONE_NUMBER]"
            }
        }
    }

    struct Finding: Equatable {
        var category: Category
        var range: Range<String.Index>
    }

    static func problem(in parameters: JSONValue) -> String? {
        if let categories = parameters["categories"] {
            guard let names = categories.array?.compactMap(\.string), names.count == categories.array?.count,
                names.allSatisfy({ Category(rawValue: $0) != nil })
            else {
                return "'categories' must list some of "
                    + Category.allCases.map(\.rawValue).joined(separator: ", ")
            }
        }
        if let redact = parameters["redact"], redact.bool == nil { return "'redact' must be true or false" }
        return nil
    }

    static func run(_ parameters: JSONValue, _ context: GuardrailContext, _ event: HookEvent) -> CheckOutcome {
        let categories = Set(
            (parameters["categories"]?.array?.compactMap { $0.string.flatMap(Category.init) })
                ?? Category.allCases
        )
        let redact = parameters["redact"]?.bool ?? false
        let texts: [String] =
            event == .beforeRequest ? Self.texts(in: context.request) : context.contentPart(event).texts
        var found: [Category: Int] = [:]
        for text in texts {
            for finding in Self.findings(in: text, categories: categories) { found[finding.category, default: 0] += 1 }
        }
        let detected = JSONValue.object(
            Category.allCases.compactMap { category in found[category].map { (category.rawValue, .number(Double($0))) }
            }
        )
        guard !found.isEmpty else { return CheckOutcome(verdict: true, data: .object([("detected", detected)])) }
        let redacted = JSONValue.object([("detected", detected), ("redacted", .bool(true))])
        switch event {
        case .beforeRequest where redact:
            return CheckOutcome(
                verdict: true,
                data: redacted,
                transformedRequest: Self.redacted(context.request, keys: Self.textKeys, categories: categories)
            )
        case .afterRequest where redact && context.responseText == nil && context.response != nil:
            return CheckOutcome(
                verdict: true,
                data: redacted,
                transformedResponse: Self.redacted(context.response!, keys: Self.answerKeys, categories: categories)
            )
        default:
            // A streamed answer has reached the client already: found PII is reported, not redacted.
            return CheckOutcome(verdict: false, data: .object([("detected", detected), ("redacted", .bool(false))]))
        }
    }

    /// The PII in `text`, without overlaps, in order.
    static func findings(in text: String, categories: Set<Category> = Set(Category.allCases)) -> [Finding] {
        var findings: [Finding] = []
        func add(_ category: Category, _ range: Range<String.Index>) {
            guard categories.contains(category), !findings.contains(where: { $0.range.overlaps(range) }) else { return }
            findings.append(Finding(category: category, range: range))
        }
        for pattern in Self.keyPatterns {
            for match in text.matches(of: pattern) { add(.apiKey, match.range) }
        }
        for match in text.matches(of: Self.emailPattern) { add(.email, match.range) }
        for match in text.matches(of: Self.ibanPattern) where Self.isIBAN(text[match.range]) { add(.iban, match.range) }
        for run in Self.numberRuns(in: text) {
            let digits = text[run].filter(\.isNumber)
            if (13...19).contains(digits.count), Self.passesLuhn(digits) {
                add(.creditCard, run)
            } else if Self.looksLikePhone(text[run], digits: digits.count) {
                add(.phone, run)
            }
        }
        return findings.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// `text` with each finding replaced by its category's placeholder.
    static func redacting(_ text: String, categories: Set<Category>) -> String {
        var result = text
        for finding in Self.findings(in: text, categories: categories).reversed() {
            result.replaceSubrange(finding.range, with: finding.category.placeholder)
        }
        return result
    }

    // MARK: Patterns

    nonisolated(unsafe) private static let keyPatterns: [Regex<Substring>] = [
        /sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{20,}/, /AKIA[0-9A-Z]{16}/, /gh[pousr]_[A-Za-z0-9]{36,}/,
        /xox[abposr]-[A-Za-z0-9\-]{10,}/, /AIza[0-9A-Za-z_\-]{35}/,
    ]
    nonisolated(unsafe) private static let emailPattern =
        /[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}/
    nonisolated(unsafe) private static let ibanPattern =
        /\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/

    /// Runs of digits with the separators phone and card numbers use, starting with a digit, `+` or `(`.
    private static func numberRuns(in text: String) -> [Range<String.Index>] {
        var runs: [Range<String.Index>] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character.isNumber || character == "+" || character == "(" else {
                index = text.index(after: index)
                continue
            }
            var end = index
            var last = index
            while end < text.endIndex, text[end].isNumber || " -.()+".contains(text[end]) {
                if text[end].isNumber || text[end] == ")" { last = end }
                end = text.index(after: end)
            }
            let run = index..<text.index(after: last)
            // A number glued to letters ("A1234…") is an identifier, not a phone or a card.
            let before = index > text.startIndex ? text[text.index(before: index)] : " "
            if !before.isLetter, text[run].contains(where: \.isNumber) { runs.append(run) }
            index = end
        }
        return runs
    }

    private static func looksLikePhone(_ run: Substring, digits: Int) -> Bool {
        if run.hasPrefix("+") { return (8...15).contains(digits) }
        // Without a country code: ten or eleven digits, grouped (or not) as phone numbers are.
        return (10...11).contains(digits) && !run.contains(".")
    }

    private static func passesLuhn(_ digits: String) -> Bool {
        var sum = 0
        for (offset, character) in digits.reversed().enumerated() {
            guard var value = character.wholeNumberValue else { return false }
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    private static func isIBAN(_ candidate: Substring) -> Bool {
        let compact = candidate.filter { $0 != " " }
        guard (15...34).contains(compact.count) else { return false }
        let rearranged = compact.dropFirst(4) + compact.prefix(4)
        var remainder = 0
        for character in rearranged {
            guard let value = character.wholeNumberValue ?? character.asciiValue.map({ Int($0) - 55 }) else {
                return false
            }
            for digit in String(value) { remainder = (remainder * 10 + digit.wholeNumberValue!) % 97 }
        }
        return remainder == 1
    }

    // MARK: Request bodies

    /// The fields of a request that hold what its user wrote.
    private static let textKeys: Set<String> = [
        "messages", "content", "text", "input", "prompt", "system", "instructions",
    ]

    /// Every text of the request's prompt fields (all messages, not only the last).
    static func texts(in request: JSONValue) -> [String] {
        var texts: [String] = []
        func walk(_ value: JSONValue, _ inText: Bool) {
            switch value {
            case .string(let text): if inText { texts.append(text) }
            case .array(let items): for item in items { walk(item, inText) }
            case .object(let members):
                for (key, member) in members where Self.textKeys.contains(key) { walk(member, true) }
            default: break
            }
        }
        walk(request, false)
        return texts
    }

    /// The keys under which an answer's texts are: its choices' messages, its content blocks, its output items.
    private static let answerKeys = textKeys.union(["choices", "message", "output"])

    /// The request (or answer) with PII in the texts under `keys` replaced by placeholders.
    static func redacted(_ request: JSONValue, keys: Set<String>, categories: Set<Category>) -> JSONValue {
        func walk(_ value: JSONValue, _ inText: Bool) -> JSONValue {
            switch value {
            case .string(let text): return inText ? .string(Self.redacting(text, categories: categories)) : value
            case .array(let items): return .array(items.map { walk($0, inText) })
            case .object(let members):
                return .object(members.map { keys.contains($0.key) ? ($0.key, walk($0.value, true)) : $0 })
            default: return value
            }
        }
        return walk(request, false)
    }
}
