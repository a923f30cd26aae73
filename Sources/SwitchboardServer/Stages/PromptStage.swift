import NIOCore
import SwitchboardCore
import SwitchboardPrompts

/// `POST /v1/prompts/{id}/completions`, or a chat request without `messages` whose config names a `prompt_id`
/// (docs/prompts.md): the body (`variables`, `stream`, hyperparameters) is replaced by the chat body the prompt
/// renders to, which is then served as a chat completion through the normal routing. The prompt's `virtual_key`
/// routes it when neither the headers nor the config name a provider.
struct PromptStage: RequestStage {
    func bodyRead(
        _ body: inout AttemptSource,
        request: inout GatewayRequest,
        runtime: GatewayRuntime
    )
        throws(GatewayError)
    {
        // A chat body with its messages is never a prompt's: the common path stops here.
        if request.prompt == nil, request.endpoint == .chatCompletions, body.inspection?.missingField != nil,
            let config = try Self.config(request, runtime: runtime)
        {
            request.prompt = config.promptID
        }
        guard let name = request.prompt else { return }
        let catalog = runtime.snapshot.prompts
        guard let (slug, document) = catalog.version(named: name) else {
            throw GatewayError(
                status: 404,
                type: "invalid_request_error",
                code: "prompt_not_found",
                param: "promptId",
                message: "Prompt '\(name)' not found (or not in that version). Create it with POST /v1/prompts; "
                    + "list them with GET /v1/prompts."
            )
        }
        guard let call = JSONValue(parsing: body.body.readableBytesView), call.members != nil else {
            throw GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "invalid_body",
                param: nil,
                message: "The body must be a JSON object: {\"variables\": {…}, \"stream\"?, hyperparameters…}."
            )
        }
        var rendered: JSONValue
        do {
            rendered = try PromptRequest(version: document).body(call: call) { catalog.partials[$0] }
        } catch {
            throw GatewayError(
                status: 400,
                type: "invalid_request_error",
                code: "invalid_prompt_variables",
                param: error.field,
                message: error.message
            )
        }
        // The headers or the config route the request; else the prompt's virtual key does.
        let config = try Self.config(request, runtime: runtime)
        let routed =
            request.portkey.provider != nil || request.portkey.virtualKey != nil
            || (request.portkey.config != nil && config?.promptID == nil)
            || config.map { $0.provider != nil || $0.virtualKey != nil || $0.strategy != nil } == true
        if !routed, let key = document["virtual_key"]?.string, !key.isEmpty,
            let model = rendered["model"]?.string, var members = rendered.members,
            let index = members.firstIndex(where: { $0.key == "model" })
        {
            members[index].value = .string("\(key)/\(model)")
            rendered = .object(members)
        }
        request.promptSlug = slug
        body.body = ByteBuffer(string: rendered.jsonText)
        body.inspection = try body.body.withUnsafeReadableBytes { bytes throws(GatewayError) in
            try RequestInspection.inspect(bytes, endpoint: .chatCompletions)
        }
    }

    /// The request's config (inline or named); an inline one that does not read is its 400.
    private static func config(
        _ request: GatewayRequest,
        runtime: GatewayRuntime
    ) throws(GatewayError)
        -> PortkeyConfig?
    {
        guard let text = request.portkey.config else { return nil }
        guard text.hasPrefix("{") else { return runtime.snapshot.lookup(text) ?? runtime.config.configs[text] }
        do { return try PortkeyConfig.parse(text: text) } catch { throw error.gatewayError }
    }
}
