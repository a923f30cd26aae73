import NIOCore
import SwitchboardCore

/// One client request while it is served: what was read, what the request stages found, its ``Exchange`` with
/// upstreams, and what the response stages count.
///
/// A class, though only its handler holds it: the handler reaches it dozens of times per request, and each read
/// of a struct this size through the handler's optional property copied it whole, retaining every reference in
/// it (measured: ~18 µs more CPU per request at light load than with the smaller struct before it).
final class GatewayRequest {
    let head: ClientRequestHead
    /// The `x-portkey-*` headers, read once when the request starts.
    let portkey: PortkeyHeaders
    let id: String
    let traceID: String
    let start: NIODeadline
    /// Numbers the connection's requests, so a late callback of an earlier request is recognised.
    let serial: UInt64

    // MARK: Reading
    var mode: BodyMode
    var keepAlive: Bool
    /// A buffered body while it is collected; then the body sent to the current attempt.
    var body: ByteBuffer?
    var requestEnded = false
    /// Streamed body parts that arrived before the upstream connection was ready.
    var pendingUpload: [ByteBuffer] = []
    var pendingUploadBytes = 0

    // MARK: What the request stages found
    var endpoint: Endpoint?
    var upstreamPath: Substring = ""
    var model: String?
    var stream = false
    /// The gateway API key's grant, when auth is on.
    var grant: KeyGrant?
    var gatewayKeyHeader: GatewayKeyHeader?
    var preset: String?
    /// The prompt a `POST /v1/prompts/{id}/completions` names (`slug`, `slug@3`, `slug@latest`).
    var prompt: String?
    /// The slug of the prompt it was rendered from (for the log).
    var promptSlug: String?
    /// `x-portkey-metadata` over the API key's default metadata, read once (by routing conditions, the policy
    /// stage and the request log) after the key is known.
    lazy var metadata: [(key: String, value: JSONValue)] = self.portkey.metadata(
        over: self.grant?.defaultMetadata ?? []
    )
    /// What the request reserved under the limits in force, settled when it ends.
    var policyTicket: PolicyBook.Ticket?
    /// The limit that refused it.
    var refusedBy: String?
    /// A usage limit had no room for the request, but a cached answer costs nothing: its attempts may only be
    /// answered from the cache, and what the cache cannot answer gets this refusal.
    var cacheOnly: PolicyBook.Refusal?
    /// What its guardrails found, once they ran.
    var guardrails: GuardrailUse?
    /// The outcomes of its input hooks' `webhook` and `log` calls, between their return and the hooks' run.
    var calloutOutcomes: [GuardrailCallout.Position: CheckOutcome]?
    /// The status its hooks gave the answer (246: a guardrail failed without `deny`).
    var hooksStatus: Int?
    /// What the response cache did for it, when its target's config caches.
    var cache: CacheUse?
    /// The cache OpenRouter's controls ask for (headers, preset), for targets whose config sets none.
    var openRouterCache: CacheSettings?
    /// `X-OpenRouter-Cache-Clear: true`.
    var openRouterCacheClears = false
    /// The inspected JSON body each attempt is prepared from.
    var source: AttemptSource?
    /// The body read in no protocol's shape, when a target of the route speaks another protocol than the client.
    var conversation: Conversation?
    /// The current attempt's translation, when its provider speaks another protocol than the client.
    var translation: TranslationPair?

    // MARK: The exchange
    var exchange: Exchange
    /// The connection the current attempt was sent on.
    var upstream: UpstreamConnection?
    /// The wait before a retry.
    var retryTimer: Scheduled<Void>?
    /// Usage, timings and bodies for the metrics and the request log.
    var accounting = Accounting()

    init(
        head: ClientRequestHead,
        portkey: PortkeyHeaders,
        id: String,
        traceID: String,
        start: NIODeadline,
        serial: UInt64,
        mode: BodyMode,
        keepAlive: Bool,
        exchange: Exchange
    ) {
        self.head = head
        self.portkey = portkey
        self.id = id
        self.traceID = traceID
        self.start = start
        self.serial = serial
        self.mode = mode
        self.keepAlive = keepAlive
        self.exchange = exchange
    }

    var providerLabel: String { self.exchange.target?.provider ?? "gateway" }
    var endpointLabel: String { self.endpoint?.label ?? "other" }
    var status: Int { self.hooksStatus ?? self.exchange.status }
}

/// How the request body is handled.
enum BodyMode {
    /// Collected (up to the body limit) and inspected before routing: JSON APIs.
    case buffered
    /// Forwarded upstream as it arrives: pass-through of uploads and other non-JSON bodies.
    case streamed
    /// Answered by the gateway itself once the request ends; the body is discarded.
    case local(LocalResponse)
    /// A control-plane API call: the body is collected like a buffered one and served by ``ControlPlane``.
    case control

    /// Whether the body is collected before the request is served.
    var collectsBody: Bool {
        switch self {
        case .buffered, .control: true
        case .streamed, .local: false
        }
    }
}

/// A response the gateway makes without an upstream.
enum LocalResponse {
    case error(GatewayError)
    case health
    case ready
    case metrics
    case models(ModelListShape)
    case root
    /// `GET /model-configs/pricing/{provider}/{model}`.
    case pricing(provider: String, model: String)

    var isError: Bool {
        if case .error = self { return true }
        return false
    }
}

/// Which header carried the gateway key, so it is not forwarded to the provider.
enum GatewayKeyHeader {
    case portkey, authorization, xAPIKey
}

/// The client's JSON body as the body stages left it, which every attempt is prepared from.
struct AttemptSource {
    var body: ByteBuffer
    var inspection: RequestInspection?
    /// Body fields the plan consumed (OpenRouter's `models`, …), removed before sending.
    var consumedBodyKeys: [String] = []
}

/// What the metrics and the request log need beyond routing.
struct Accounting {
    /// The response stages: usage scanning, the usage-event filter, the body kept for the log.
    var stages = ResponseStages()
    /// Response body bytes handed to the client (after filtering, without the gateway's chunk framing).
    var responseBytes = 0
    /// Filtered events relayed during the current upstream read, written together when the read ends.
    var relayed: ByteBuffer?
    /// The gateway asked the current attempt's upstream for a usage chunk the client did not ask for.
    var asksForUsage = false
    var requestBytes = 0
    var attemptSentAt: NIODeadline?
    var firstByteAt: NIODeadline?
    /// Request body kept for the log (`log.bodies`, unless `x-portkey-debug: false`).
    var requestBody: [UInt8]?
    var countsStream = false
}
