/// Reads a Gemini `generateContent` body into a ``Conversation`` for a provider of another protocol, refusing what
/// it cannot carry with a 400 that names the field (`'contents[0].parts[1]'`). Members are read in the REST API's
/// camelCase and in snake_case, as Gemini accepts both. The model and whether to stream come from the path
/// (``GeminiPath``).
///
/// Read: `systemInstruction`, user and model turns with text, thoughts (`thought: true`, with `thoughtSignature`),
/// `inlineData` / `fileData` images and documents, `functionCall` and `functionResponse` (Gemini's calls carry no
/// ids: one is made per call, and a response takes the id of the latest call of its name), function declarations,
/// `toolConfig`, and `generationConfig` (`maxOutputTokens`, sampling, `stopSequences`, JSON output, the thinking
/// budget). Refused: Google's own tools (search, code execution, …) and `candidateCount` above 1.
public enum GeminiRequestReader {
    public static func read(_ body: JSONValue) throws(GatewayError) -> Conversation {
        guard body.members != nil else { throw .invalidField("body", "must be a JSON object") }
        var conversation = Conversation()
        if let system = geminiField(body, "systemInstruction") {
            var none = Calls()
            let parts = try Self.parts(system["parts"], "systemInstruction.parts", calls: &none)
            conversation.system.append(OpenAIChatWriter.text(of: parts))
        }
        guard let contents = body["contents"]?.array else {
            throw .invalidField("contents", "must be an array of contents")
        }
        var calls = Calls()
        for (index, content) in contents.enumerated() {
            let path = "contents[\(index)]"
            let role: Conversation.Message.Role =
                switch content["role"]?.string {
                case "model": .assistant
                case nil, "user", "function", "tool": .user
                case let other?:
                    throw .invalidField("\(path).role", "'\(other)' is not \"user\" or \"model\"")
                }
            conversation.append(role, try Self.parts(content["parts"], "\(path).parts", calls: &calls))
        }
        for (index, tool) in (body["tools"]?.array ?? []).enumerated() {
            guard let declarations = geminiField(tool, "functionDeclarations")?.array else {
                let name = tool.members?.first?.key ?? "?"
                throw .invalidField("tools[\(index)]", "'\(name)' is one of Google's own tools, which only Gemini runs")
            }
            for (number, declaration) in declarations.enumerated() {
                let path = "tools[\(index)].functionDeclarations[\(number)]"
                conversation.tools.append(
                    Conversation.Tool(
                        name: try Read.string(declaration["name"], "\(path).name"),
                        description: declaration["description"]?.string,
                        parameters: geminiField(declaration, "parametersJsonSchema") ?? declaration["parameters"]
                            ?? .object([("type", "object"), ("properties", .object([]))])
                    )
                )
            }
        }
        if let config = geminiField(geminiField(body, "toolConfig"), "functionCallingConfig") {
            let allowed = geminiField(config, "allowedFunctionNames")?.array?.compactMap(\.string) ?? []
            switch config["mode"]?.string?.uppercased() {
            case "ANY", "VALIDATED": conversation.toolChoice = allowed.count == 1 ? .tool(allowed[0]) : .required
            case "NONE": conversation.toolChoice = Conversation.ToolChoice.none
            default: conversation.toolChoice = .auto
            }
        }
        if let generation = geminiField(body, "generationConfig") {
            try Self.generation(generation, into: &conversation)
        }
        return conversation
    }

    private static func generation(_ config: JSONValue, into conversation: inout Conversation) throws(GatewayError) {
        let path = "generationConfig"
        if let value = geminiField(config, "maxOutputTokens") {
            conversation.maxTokens = try Read.integer(value, "\(path).maxOutputTokens")
        }
        if let value = config["temperature"] {
            conversation.temperature = try Read.number(value, "\(path).temperature")
        }
        if let value = geminiField(config, "topP") { conversation.topP = try Read.number(value, "\(path).topP") }
        if let value = geminiField(config, "topK") { conversation.topK = Int(try Read.number(value, "\(path).topK")) }
        if let value = geminiField(config, "stopSequences") {
            conversation.stop = try Read.strings(value, "\(path).stopSequences")
        }
        if let count = geminiField(config, "candidateCount"), count.int != 1 {
            throw .invalidField("\(path).candidateCount", "must be 1: this provider returns one candidate")
        }
        if geminiField(config, "responseMimeType")?.string == "application/json" {
            if let schema = geminiField(config, "responseJsonSchema") ?? geminiField(config, "responseSchema") {
                conversation.responseFormat = .jsonSchema(name: "output", schema: schema, strict: nil)
            } else {
                conversation.responseFormat = .jsonObject
            }
        }
        if let thinking = geminiField(config, "thinkingConfig"),
            let budget = geminiField(thinking, "thinkingBudget")?.int,
            budget > 0
        {
            conversation.thinking = .init(budgetTokens: budget)
        } else if let level = geminiField(geminiField(config, "thinkingConfig"), "thinkingLevel")?.string {
            conversation.thinking = .init(effort: level.lowercased())
        }
    }

    /// Gemini's calls have no ids: each gets one, and a response takes the latest unanswered call of its name.
    struct Calls {
        var open: [(name: String, id: String)] = []
        var count = 0

        mutating func call(_ name: String, id: String?) -> String {
            let id = id ?? "call_\(self.count)_\(name)"
            self.count += 1
            self.open.append((name, id))
            return id
        }

        mutating func response(_ name: String, id: String?) -> String {
            if let id { return id }
            guard let at = self.open.lastIndex(where: { $0.name == name }) else { return "call_\(name)" }
            return self.open.remove(at: at).id
        }
    }

    private static func parts(
        _ value: JSONValue?,
        _ path: String,
        calls: inout Calls
    ) throws(GatewayError) -> [Conversation.Part] {
        guard let items = value?.array else { throw .invalidField(path, "must be an array of parts") }
        var parts: [Conversation.Part] = []
        for (index, part) in items.enumerated() {
            let partPath = "\(path)[\(index)]"
            if let text = part["text"]?.string {
                if part["thought"]?.bool == true {
                    parts.append(.thinking(text: text, signature: geminiField(part, "thoughtSignature")?.string))
                } else {
                    parts.append(.text(text))
                }
            } else if let data = geminiField(part, "inlineData") {
                let type = try Read.string(geminiField(data, "mimeType"), "\(partPath).inlineData.mimeType")
                let media = Conversation.Media.inline(
                    mediaType: type,
                    base64: try Read.string(data["data"], "\(partPath).inlineData.data")
                )
                parts.append(type.hasPrefix("image/") ? .image(media) : .document(media))
            } else if let file = geminiField(part, "fileData") {
                let uri = try Read.string(geminiField(file, "fileUri"), "\(partPath).fileData.fileUri")
                let type = geminiField(file, "mimeType")?.string ?? ""
                parts.append(type.hasPrefix("image/") ? .image(.url(uri)) : .document(.url(uri)))
            } else if let call = geminiField(part, "functionCall") {
                let name = try Read.string(call["name"], "\(partPath).functionCall.name")
                parts.append(
                    .toolCall(
                        id: calls.call(name, id: call["id"]?.string),
                        name: name,
                        arguments: (call["args"] ?? .object([])).jsonText
                    )
                )
            } else if let response = geminiField(part, "functionResponse") {
                let name = try Read.string(response["name"], "\(partPath).functionResponse.name")
                let result = response["response"] ?? .object([])
                let text = result["result"]?.string ?? result["output"]?.string ?? result.jsonText
                parts.append(
                    .toolResult(
                        id: calls.response(name, id: response["id"]?.string),
                        content: [.text(text)],
                        isError: result["error"] != nil
                    )
                )
            } else if geminiField(part, "thoughtSignature") != nil {
                continue
            } else {
                let name = part.members?.first?.key ?? "?"
                throw .invalidField(partPath, "'\(name)' parts cannot be translated for this provider")
            }
        }
        return parts
    }
}

/// A member by its camelCase name or its snake_case spelling (Gemini's REST API takes both).
func geminiField(_ value: JSONValue?, _ camel: String) -> JSONValue? {
    guard let value else { return nil }
    if let found = value[camel], found != .null { return found }
    var snake = ""
    for character in camel {
        if character.isUppercase {
            snake += "_" + character.lowercased()
        } else {
            snake.append(character)
        }
    }
    if let found = value[snake], found != .null { return found }
    return nil
}
