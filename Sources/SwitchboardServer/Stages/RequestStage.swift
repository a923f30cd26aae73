import NIOCore
import SwitchboardCore

/// A step of the request path that looks at or changes a request before it goes upstream (docs/architecture.md).
///
/// Each stage implements the points it needs; the others do nothing. Stages run in the order of
/// ``RequestStages/all``. A stage that throws answers the request with its error: nothing goes upstream.
protocol RequestStage: Sendable {
    /// The head is read, before the body: refuse the request, or note what its head says.
    func headRead(_ request: inout GatewayRequest, runtime: GatewayRuntime) throws(GatewayError)
    /// A JSON body is complete, before routing: rewrite it (and its inspection).
    func bodyRead(
        _ body: inout AttemptSource,
        request: inout GatewayRequest,
        runtime: GatewayRuntime
    )
        throws(GatewayError)
    /// Before each attempt: how the body is edited for the attempt's target.
    func preparing(_ attempt: inout AttemptPreparation, request: inout GatewayRequest, runtime: GatewayRuntime)
}

extension RequestStage {
    func headRead(_ request: inout GatewayRequest, runtime: GatewayRuntime) throws(GatewayError) {}
    func bodyRead(
        _ body: inout AttemptSource,
        request: inout GatewayRequest,
        runtime: GatewayRuntime
    )
        throws(GatewayError)
    {}
    func preparing(_ attempt: inout AttemptPreparation, request: inout GatewayRequest, runtime: GatewayRuntime) {}
}

/// The request stages, in the order they run. Adding a stage is a new file and a line here.
enum RequestStages {
    static let all: [any RequestStage] = [
        AuthStage(),
        PromptStage(),
        PresetStage(),
        CacheControlStage(),
        ModelRewriteStage(),
        UsageOptionStage(),
    ]
}

/// One attempt's request as the stages prepare it: the target (its upstream model) and the edits to the body.
struct AttemptPreparation {
    var target: RouteTarget
    /// Members set on the body (the target's `override_params`, then what stages add).
    var overrides: [(key: String, json: [UInt8])]
    /// Whether the gateway asked the upstream for a usage chunk the client did not ask for.
    var asksForUsage = false

    init(target: RouteTarget) {
        self.target = target
        self.overrides = target.overrides
    }
}
