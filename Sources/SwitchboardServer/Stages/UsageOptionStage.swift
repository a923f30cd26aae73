import NIOCore
import SwitchboardCore

/// A streamed request that did not ask for usage gets the `stream_options` that asks the upstream for it, so its
/// tokens can be counted; the usage chunk is then taken out of the stream before the client sees it
/// (``ResponseStages``).
struct UsageOptionStage: RequestStage {
    func preparing(_ attempt: inout AttemptPreparation, request: inout GatewayRequest, runtime: GatewayRuntime) {
        guard let endpoint = request.endpoint, let source = request.source, let inspection = source.inspection,
            !attempt.overrides.contains(where: { $0.key == "stream_options" })
        else { return }
        let kind = attempt.target.kind
        let options = source.body.withUnsafeReadableBytes {
            StreamUsage.streamOptionsOverride(endpoint: endpoint, kind: kind, inspection: inspection, body: $0)
        }
        guard let options else { return }
        attempt.overrides.append(("stream_options", options))
        attempt.asksForUsage = true
    }
}
