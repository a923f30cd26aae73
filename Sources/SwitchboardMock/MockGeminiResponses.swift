import SwitchboardCore

/// The mock's Gemini API answers (`models/{model}:generateContent`, `:streamGenerateContent?alt=sse`): the same
/// deterministic text and usage as the other shapes, events ended by CRLF as Google's are, `usageMetadata` in
/// every chunk with the candidates counted so far.
extension MockResponses {
    static func geminiUsage(_ c: Context, candidates: Int) -> String {
        let cached = c.cachedTokens > 0 ? #","cachedContentTokenCount":\#(c.cachedTokens)"# : ""
        return
            #"{"promptTokenCount":\#(c.promptTokens),"candidatesTokenCount":\#(candidates),"totalTokenCount":\#(c.promptTokens + candidates)\#(cached)}"#
    }

    static func geminiChunk(_ c: Context, parts: String, finish: Bool, candidates: Int) -> String {
        let reason = finish ? #","finishReason":"STOP""# : ""
        return
            #"{"candidates":[{"content":{"parts":[\#(parts)],"role":"model"}\#(reason),"index":0}],"usageMetadata":\#(geminiUsage(c, candidates: candidates)),"modelVersion":\#(c.modelJSON),"responseId":"\#(c.id)"}"#
    }

    static func geminiAnswer(_ c: Context) -> String {
        geminiChunk(
            c,
            parts: #"{"text":\#(JSONString.quote(text(tokens: c.completionTokens)))}"#,
            finish: true,
            candidates: c.completionTokens
        )
    }

    /// Chunk `index` of a stream (`data: …` and CRLF CRLF), or `nil` past the end.
    static func geminiEvent(_ c: Context, _ index: Int) -> String? {
        switch index {
        case 0..<c.completionTokens:
            let chunk = geminiChunk(
                c,
                parts: #"{"text":\#(JSONString.quote(word(index)))}"#,
                finish: false,
                candidates: index + 1
            )
            return "data: " + chunk + "\r\n\r\n"
        case c.completionTokens:
            return "data: " + geminiChunk(c, parts: #"{"text":""}"#, finish: true, candidates: c.completionTokens)
                + "\r\n\r\n"
        default: return nil
        }
    }

    static func geminiError(status: Int) -> String {
        let name =
            switch status {
            case 400: "INVALID_ARGUMENT"
            case 401: "UNAUTHENTICATED"
            case 403: "PERMISSION_DENIED"
            case 404: "NOT_FOUND"
            case 429: "RESOURCE_EXHAUSTED"
            case 503: "UNAVAILABLE"
            default: "INTERNAL"
            }
        return
            #"{"error":{"code":\#(status),"message":\#(JSONString.quote("mock fault: status \(status)")),"status":"\#(name)"}}"#
    }
}

extension MockResponses.Rich {
    /// Thoughts (the second carries the signature), the text, a whole function call (Gemini sends no call id).
    var geminiParts: [String] {
        var parts: [String] = []
        if self.thinking {
            parts.append(#"{"text":\#(JSONString.quote(Self.reasoning[0])),"thought":true}"#)
            parts.append(
                #"{"text":\#(JSONString.quote(Self.reasoning[1])),"thought":true,"thoughtSignature":"\#(Self.signature)"}"#
            )
        }
        for index in 0..<self.context.completionTokens {
            parts.append(#"{"text":\#(JSONString.quote(MockResponses.word(index)))}"#)
        }
        if self.tool {
            parts.append(#"{"functionCall":{"name":"get_weather","args":\#(Self.arguments.joined())}}"#)
        }
        return parts
    }

    var geminiAnswer: String {
        var parts: [String] = []
        if self.thinking {
            parts.append(
                #"{"text":\#(JSONString.quote(Self.reasoning.joined())),"thought":true,"thoughtSignature":"\#(Self.signature)"}"#
            )
        }
        if self.context.completionTokens > 0 {
            parts.append(#"{"text":\#(JSONString.quote(MockResponses.text(tokens: self.context.completionTokens)))}"#)
        }
        if self.tool { parts.append(#"{"functionCall":{"name":"get_weather","args":\#(Self.arguments.joined())}}"#) }
        return MockResponses.geminiChunk(
            self.context,
            parts: parts.joined(separator: ","),
            finish: true,
            candidates: self.context.completionTokens
        )
    }

    var geminiEvents: [String] {
        let c = self.context
        var events = self.geminiParts.map { part in
            "data: " + MockResponses.geminiChunk(c, parts: part, finish: false, candidates: 0) + "\r\n\r\n"
        }
        events.append(
            "data: "
                + MockResponses.geminiChunk(c, parts: #"{"text":""}"#, finish: true, candidates: c.completionTokens)
                + "\r\n\r\n"
        )
        return events
    }
}
