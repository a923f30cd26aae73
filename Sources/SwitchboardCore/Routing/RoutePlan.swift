/// One target of a plan with the settings it inherited from the config tree.
public struct PlanLeaf: Sendable {
    public var target: RouteTarget
    public var retry: RetryPolicy
    /// `nil`: no circuit breaker for this target.
    public var breaker: CircuitBreakerSettings?
    /// Names the target for its circuit and metrics: provider, upstream and model.
    public var key: String

    public init(target: RouteTarget, retry: RetryPolicy = .none, breaker: CircuitBreakerSettings? = nil) {
        self.target = target
        self.retry = retry
        self.breaker = breaker
        self.key = "\(target.provider)/\(target.model ?? target.overrideModel ?? "*")@\(target.upstream.hostHeader)"
    }
}

/// A node of a resolved plan: config fields are checked and inherited, targets have addresses.
public indirect enum PlanNode: Sendable {
    case leaf(PlanLeaf)
    /// Try children in order while the outcome calls for it.
    case fallback(onStatusCodes: [Int]?, children: [PlanNode])
    /// One weighted pick, no fallback to siblings.
    case loadbalance(weights: [Double], children: [PlanNode])
    /// The first condition that holds picks its child; else the default; else 400.
    case conditional(conditions: [(query: JSONValue, child: Int)], defaultChild: Int?, children: [PlanNode])
}

/// What a request runs: a tree of targets with strategies, built from a Portkey config or OpenRouter's
/// `models` / `provider` fields. Run by ``RouteExecution``.
public struct RoutePlan: Sendable {
    public var root: PlanNode
    /// Whether conditional nodes need ``ConditionContext`` (metadata and the parsed body).
    public var needsConditionContext: Bool
    /// Top-level body fields the gateway consumed and must not send upstream (OpenRouter's `models`, …).
    public var consumedBodyKeys: [String] = []

    public init(root: PlanNode, consumedBodyKeys: [String] = []) {
        self.root = root
        self.needsConditionContext = Self.hasConditional(root)
        self.consumedBodyKeys = consumedBodyKeys
    }

    private static func hasConditional(_ node: PlanNode) -> Bool {
        switch node {
        case .leaf: false
        case .conditional: true
        case .fallback(_, let children), .loadbalance(_, let children): children.contains(where: hasConditional)
        }
    }

    /// Every leaf, in tree order.
    public var leaves: [PlanLeaf] {
        var out: [PlanLeaf] = []
        func walk(_ node: PlanNode) {
            switch node {
            case .leaf(let leaf): out.append(leaf)
            case .fallback(_, let children), .loadbalance(_, let children), .conditional(_, _, let children):
                children.forEach(walk)
            }
        }
        walk(self.root)
        return out
    }
}

/// A route: one target (the common case, no state to keep) or a plan with strategies.
public enum Route: Sendable {
    case target(RouteTarget)
    case plan(RoutePlan)
}

extension RouteTarget {
    /// The `model` of `override_params`, decoded.
    public var overrideModel: String? {
        guard let json = self.overrides.first(where: { $0.key == "model" })?.json else { return nil }
        return JSONValue(parsing: json)?.string
    }
}
