/// What a model's tokens cost, in US cents per token (Portkey's `ModelPricingConfig` units).
public struct ModelPrice: Sendable, Equatable {
    public var requestToken: Double
    public var responseToken: Double
    /// Cached prompt tokens read; `nil` bills them as request tokens.
    public var cacheReadInputToken: Double?
    /// Prompt tokens written to the cache; `nil` bills them as request tokens.
    public var cacheWriteInputToken: Double?

    public init(
        requestToken: Double,
        responseToken: Double,
        cacheReadInputToken: Double? = nil,
        cacheWriteInputToken: Double? = nil
    ) {
        self.requestToken = requestToken
        self.responseToken = responseToken
        self.cacheReadInputToken = cacheReadInputToken
        self.cacheWriteInputToken = cacheWriteInputToken
    }

    /// The cost of `usage` in cents: uncached prompt tokens, cached reads and writes at their prices, output.
    public func cost(of usage: TokenUsage) -> Double {
        let uncached = max(0, usage.promptTokens - usage.cachedTokens - usage.cacheWriteTokens)
        return Double(uncached) * self.requestToken
            + Double(usage.cachedTokens) * (self.cacheReadInputToken ?? self.requestToken)
            + Double(usage.cacheWriteTokens) * (self.cacheWriteInputToken ?? self.requestToken)
            + Double(usage.completionTokens) * self.responseToken
    }

    /// Portkey's `ModelPricingConfig` object.
    public var pricingConfig: JSONValue {
        var rates: [(key: String, value: JSONValue)] = [
            ("request_token", .object([("price", .number(self.requestToken))])),
            ("response_token", .object([("price", .number(self.responseToken))])),
        ]
        if let price = self.cacheReadInputToken {
            rates.append(("cache_read_input_token", .object([("price", .number(price))])))
        }
        if let price = self.cacheWriteInputToken {
            rates.append(("cache_write_input_token", .object([("price", .number(price))])))
        }
        func rate(_ tokens: String, _ price: String) -> JSONValue {
            .object([
                ("operation", .string("multiply")),
                ("operands", .array([.object([("value", .string(tokens))]), .object([("value", .string(price))])])),
            ])
        }
        return .object([
            ("pay_as_you_go", .object(rates)),
            (
                "calculate",
                .object([
                    (
                        "request",
                        .object([
                            ("operation", .string("sum")),
                            (
                                "operands",
                                .array([
                                    rate("input_tokens", "rates.request_token"),
                                    rate("cache_read_input_tokens", "rates.cache_read_input_token"),
                                    rate("cache_write_input_tokens", "rates.cache_write_input_token"),
                                ])
                            ),
                        ])
                    ),
                    ("response", rate("output_tokens", "rates.response_token")),
                ])
            ),
            ("currency", .string("USD")),
        ])
    }

    /// Reads a `ModelPricingConfig`-shaped object (`pay_as_you_go.request_token.price` …) or the flat form of
    /// the config file (`request_token: 0.00025` …). `nil` when neither request nor response price is there.
    public init?(_ value: JSONValue) {
        let rates = value["pay_as_you_go"] ?? value
        func price(_ name: String) -> Double? { rates[name]?["price"]?.number ?? rates[name]?.number }
        guard let request = price("request_token"), let response = price("response_token") else { return nil }
        self.init(
            requestToken: request,
            responseToken: response,
            cacheReadInputToken: price("cache_read_input_token"),
            cacheWriteInputToken: price("cache_write_input_token")
        )
    }
}

/// Prices by provider and model: the bundled table (``BundledPrices``) under the config file's `pricing:`.
/// A model is found by its exact name, else by the longest priced name it starts with
/// (`gpt-4o-2024-08-06` is priced as `gpt-4o`).
public struct PricingTable: Sendable {
    private var prices: [String: [String: ModelPrice]] = [:]
    /// Each provider's priced names, longest first, for the prefix search a model without a price of its own
    /// runs on every request.
    private var prefixes: [String: [(first: UInt8, name: String, price: ModelPrice)]] = [:]

    public init(_ prices: [String: [String: ModelPrice]] = [:]) {
        for (provider, models) in prices {
            for (model, price) in models { self.set(price, provider: provider, model: model) }
        }
    }

    /// The bundled table.
    public static let bundled: PricingTable = {
        var table = PricingTable()
        if let root = JSONValue(parsing: Array(BundledPrices.json.utf8))?.members {
            for (provider, models) in root {
                for (model, value) in models.members ?? [] {
                    if let price = ModelPrice(value) { table.set(price, provider: provider, model: model) }
                }
            }
        }
        return table
    }()

    public mutating func set(_ price: ModelPrice, provider: String, model: String) {
        self.prices[provider, default: [:]][model] = price
        guard let first = model.utf8.first else { return }
        var list = self.prefixes[provider, default: []].filter { $0.name != model }
        list.append((first, model, price))
        list.sort { $0.name.utf8.count > $1.name.utf8.count }
        self.prefixes[provider] = list
    }

    /// `other`'s prices over these.
    public func merging(_ other: PricingTable) -> PricingTable {
        var merged = self
        for (provider, models) in other.prices {
            for (model, price) in models { merged.set(price, provider: provider, model: model) }
        }
        return merged
    }

    public func price(provider: String, model: String) -> ModelPrice? {
        guard let models = self.prices[provider] else { return nil }
        if let exact = models[model] { return exact }
        guard let first = model.utf8.first, let candidates = self.prefixes[provider] else { return nil }
        // Longest first, so the first match is the longest; most names are ruled out by their first byte.
        for candidate in candidates where candidate.first == first && model.utf8.starts(with: candidate.name.utf8) {
            return candidate.price
        }
        return nil
    }
}
