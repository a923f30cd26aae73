import SwitchboardCore

/// The limits the store defines, as the gateway enforces them: the policies API's policies, and the limits set
/// on API keys and on providers / virtual keys (each a policy whose condition is that key).
extension LimitPolicy {
    /// An active stored policy; `nil` for one whose body cannot be read (written by a newer build, say).
    public init?(_ stored: StoredPolicy) {
        guard stored.status == "active", let body = PolicyBody(text: stored.body) else { return nil }
        switch stored.kind {
        case .usageLimits:
            guard let limit = body.credit_limit else { return nil }
            self.init(
                id: stored.limitID,
                owner: stored.id,
                name: body.name,
                scope: body.scope,
                measure: body.type == "tokens" ? .tokens : .cost,
                limit: limit,
                period: body.periodic_reset.flatMap(PeriodicReset.init(rawValue:)).map(Period.periodic) ?? .cumulative,
                alertThreshold: body.alert_threshold
            )
        case .rateLimits:
            guard let value = body.value, let unit = body.unit.flatMap(RateWindow.Unit.init(rawValue:)) else {
                return nil
            }
            self.init(
                id: stored.limitID,
                owner: stored.id,
                name: body.name,
                scope: body.scope,
                measure: body.type == "tokens" ? .tokens : .requests,
                limit: value,
                period: .window(unit)
            )
        }
    }

    /// The `usage_limits` and `rate_limits` of an API key (`key` "api_key") or a provider / virtual key
    /// (`key` "virtual_key"), owned by `owner` (the key's id or the credential's slug).
    public static func limits(of key: String, owner: String, usage: UsageLimits?, rates: [RateLimit]?) -> [LimitPolicy]
    {
        let scope = PolicyScope(conditions: [.init(key: key, value: owner)], groupBy: [key])
        let holder = key == "api_key" ? "API key \(owner)" : "provider \(owner)"
        var policies: [LimitPolicy] = []
        if let usage, let limit = usage.credit_limit {
            let period: Period =
                if let days = usage.periodic_reset_days {
                    .days(days)
                } else if let reset = usage.periodic_reset.flatMap(PeriodicReset.init(rawValue:)) {
                    .periodic(reset)
                } else {
                    .cumulative
                }
            policies.append(
                LimitPolicy(
                    id: "\(key):\(owner):usage",
                    owner: owner,
                    name: "\(holder)'s usage_limits",
                    scope: scope,
                    measure: usage.type == "tokens" ? .tokens : .cost,
                    limit: Double(limit),
                    period: period,
                    alertThreshold: usage.alert_threshold.map(Double.init)
                )
            )
        }
        for rate in rates ?? [] {
            guard let unit = RateWindow.Unit(rawValue: rate.unit) else { continue }
            policies.append(
                LimitPolicy(
                    id: "\(key):\(owner):\(rate.type):\(rate.unit)",
                    owner: owner,
                    name: "\(holder)'s rate_limits",
                    scope: scope,
                    measure: rate.type == "tokens" ? .tokens : .requests,
                    limit: Double(rate.value),
                    period: .window(unit)
                )
            )
        }
        return policies
    }
}
