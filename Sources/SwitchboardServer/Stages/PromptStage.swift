import NIOCore
import SwitchboardCore
import SwitchboardPrompts

/// `POST /v1/prompts/{id}/completions` (docs/prompts.md): the body (`variables`, `stream`, hyperparameters) is
/// replaced by the chat body the prompt renders to, which is then served as a chat completion through the normal
/// routing. The prompt's `virtual_key` routes it when the request's headers name no provider or config.
struct PromptStage: RequestStage {
    func bodyRead(
        _ body: inout AttemptSource,
        request: inout GatewayRequest,
        runtime: GatewayRuntime
    )
        throws(GatewayError)
    {
        guard let name = request.prompt else { return }
        let catalog = runtime.snapshot.prompts
        guard let (_, document) = catalog.version(named: name) else {
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
        let routed =
            request.portkey.provider != nil || request.portkey.config != nil
            || request.portkey.virtualKey != nil
        if !routed, let key = document["virtual_key"]?.string, !key.isEmpty,
            let model = rendered["model"]?.string, var members = rendered.members,
            let index = members.firstIndex(where: { $0.key == "model" })
        {
            members[index].value = .string("\(key)/\(model)")
            rendered = .object(members)
        }
        body.body = ByteBuffer(string: rendered.jsonText)
        body.inspection = try body.body.withUnsafeReadableBytes { bytes throws(GatewayError) in
            try RequestInspection.inspect(bytes, endpoint: .chatCompletions)
        }
    }
}
