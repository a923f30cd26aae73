/// A credential's rate limit (Portkey's `RateLimits`): at most `value` requests or tokens per minute, hour or day.
public struct RateLimit: Codable, Sendable, Equatable {
    public var type: String
    public var unit: String
    public var value: Int

    private enum CodingKeys: String, CodingKey {
        case type, unit, value
    }

    public init(from decoder: any Decoder) throws {
        let fields = try? decoder.container(keyedBy: CodingKeys.self)
        // One message for the whole item: it says every field the item needs.
        guard let type = try? fields?.decode(String.self, forKey: .type), ["requests", "tokens"].contains(type),
            let unit = try? fields?.decode(String.self, forKey: .unit), ["rpm", "rph", "rpd"].contains(unit),
            let value = try? fields?.decode(Int.self, forKey: .value), value >= 1
        else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "must be {type: requests|tokens, unit: rpm|rph|rpd, value: integer ≥ 1}."
                )
            )
        }
        (self.type, self.unit, self.value) = (type, unit, value)
    }
}

/// A credential's budget (Portkey's `UsageLimits`): `credit_limit` in cents (`cost`) or tokens, an alert at
/// `alert_threshold`, reset weekly, monthly or every N days (or never).
public struct UsageLimits: Codable, Sendable, Equatable {
    public var credit_limit: Int?
    public var type: String?
    public var alert_threshold: Int?
    public var periodic_reset: String?
    public var periodic_reset_days: Int?

    private enum CodingKeys: String, CodingKey {
        case credit_limit, type, alert_threshold, periodic_reset, periodic_reset_days
    }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        func invalid(_ key: CodingKeys, _ description: String) -> DecodingError {
            .dataCorruptedError(forKey: key, in: fields, debugDescription: description)
        }
        self.credit_limit = try fields.decodeIfPresent(Int.self, forKey: .credit_limit)
        if let limit = self.credit_limit, limit < 1 { throw invalid(.credit_limit, "must be an integer ≥ 1.") }
        self.type = try fields.decodeIfPresent(String.self, forKey: .type)
        if let type = self.type, !["cost", "tokens"].contains(type) {
            throw invalid(.type, "must be \"cost\" or \"tokens\".")
        }
        self.alert_threshold = try fields.decodeIfPresent(Int.self, forKey: .alert_threshold)
        if let threshold = self.alert_threshold, threshold < 1 {
            throw invalid(.alert_threshold, "must be an integer ≥ 1.")
        }
        self.periodic_reset = try fields.decodeIfPresent(String.self, forKey: .periodic_reset)
        if let reset = self.periodic_reset, !["weekly", "monthly"].contains(reset) {
            throw invalid(.periodic_reset, "must be \"weekly\", \"monthly\" or null.")
        }
        self.periodic_reset_days = try fields.decodeIfPresent(Int.self, forKey: .periodic_reset_days)
        if let days = self.periodic_reset_days {
            guard (1...365).contains(days) else { throw invalid(.periodic_reset_days, "must be from 1 to 365.") }
            if self.periodic_reset != nil {
                throw invalid(.periodic_reset_days, "and 'periodic_reset' exclude each other: send one.")
            }
        }
    }
}

/// Where a credential's field comes from a stored secret (Portkey's `SecretMapping`).
public struct SecretMapping: Codable, Sendable, Equatable {
    public var target_field: String
    public var secret_reference_id: String
    public var secret_key: String?
    public var value_format: String?

    private enum CodingKeys: String, CodingKey {
        case target_field, secret_reference_id, secret_key, value_format
    }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.target_field = try fields.decode(String.self, forKey: .target_field)
        guard
            self.target_field == "key" || self.target_field.hasPrefix("model_config.")
                || self.target_field.hasPrefix("configurations.")
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .target_field,
                in: fields,
                debugDescription: "must be \"key\", \"model_config.<field>\" or \"configurations.<field>\"."
            )
        }
        self.secret_reference_id = try fields.decode(String.self, forKey: .secret_reference_id)
        self.secret_key = try fields.decodeIfPresent(String.self, forKey: .secret_key)
        self.value_format = try fields.decodeIfPresent(String.self, forKey: .value_format)
        if let format = self.value_format, !["json", "string"].contains(format) {
            throw DecodingError.dataCorruptedError(
                forKey: .value_format,
                in: fields,
                debugDescription: "must be \"json\", \"string\" or null."
            )
        }
    }
}
