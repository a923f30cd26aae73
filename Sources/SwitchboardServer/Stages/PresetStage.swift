import NIOCore
import SwitchboardCore

/// OpenRouter presets (`model: "@preset/slug"`, `"provider/model@preset/slug"`, or a `preset` field): the preset's
/// model, parameters and system prompt go under the request's own (spec/presets.md).
struct PresetStage: RequestStage {
    func bodyRead(
        _ body: inout AttemptSource,
        request: inout GatewayRequest,
        runtime: GatewayRuntime
    )
        throws(GatewayError)
    {
        guard let inspection = body.inspection, let endpoint = request.endpoint,
            let reference = PresetReference.find(model: inspection.model, presetField: inspection.preset)
        else { return }
        guard let preset = runtime.snapshot.preset(reference.slug) else {
            throw GatewayError(
                status: 404,
                type: "invalid_request_error",
                code: "preset_not_found",
                param: "model",
                message: "Preset '\(reference.slug)' not found. Create it with POST /api/v1/presets/\(reference.slug)"
                    + "/chat/completions, or list presets with GET /api/v1/presets."
            )
        }
        let patch = try body.body.withUnsafeReadableBytes { bytes throws(GatewayError) in
            BodyPatch.make(
                body: bytes,
                inspection: inspection,
                model: nil,
                overrides: try PresetApplication.overrides(
                    preset,
                    reference: reference,
                    body: bytes,
                    endpoint: endpoint
                ),
                removing: ["preset"]
            )
        }
        body.body = patch.applied(to: body.body)
        body.inspection = try body.body.withUnsafeReadableBytes { bytes throws(GatewayError) in
            try RequestInspection.inspect(bytes, endpoint: endpoint)
        }
        request.preset = reference.slug
    }
}
