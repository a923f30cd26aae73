import SwitchboardCore

extension RequestLogRecord {
    /// Sets the record's token counts, their source and the cost.
    public mutating func count(_ usage: TokenUsage, cost: Double?) {
        self.promptTokens = usage.promptTokens
        self.completionTokens = usage.completionTokens
        self.cachedTokens = usage.cachedTokens
        self.cacheWriteTokens = usage.cacheWriteTokens
        self.reasoningTokens = usage.reasoningTokens
        self.usageSource = usage.source.rawValue
        self.costCents = cost
    }
}
