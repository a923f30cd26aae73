import SwitchboardCore

/// The model the attempt's target is called with: a configured provider's mapping of the request's model
/// (``RouteResolver/upstreamModel(for:requestModel:)``), and the model the request is counted under.
struct ModelRewriteStage: RequestStage {
    func preparing(_ attempt: inout AttemptPreparation, request: inout GatewayRequest, runtime: GatewayRuntime) {
        let requested = request.source?.inspection?.model
        attempt.target.model = runtime.resolver.upstreamModel(for: attempt.target, requestModel: requested)
        if request.source?.inspection != nil {
            request.model = attempt.target.model ?? attempt.target.overrideModel ?? requested
        }
    }
}
