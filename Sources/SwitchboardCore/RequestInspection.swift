/// What the gateway reads from a JSON request body to route it: nothing more is decoded.
public struct RequestInspection: Sendable, Equatable {
    /// The `model` string, escapes decoded.
    public var model: String?
    /// Byte range of the `model` value (quotes included), for rewriting it in place.
    public var modelRange: Range<Int>?
    public var stream: Bool = false
    /// `stream_options.include_usage`, when the client sent it.
    public var includeUsage: Bool?
    /// OpenRouter's `models` fallback list.
    public var models: [String]?
    /// Span of OpenRouter's `provider` preferences object, decoded only when routing needs it.
    public var providerSpan: JSONValueSpan?
    /// OpenRouter's `preset` field: the slug of a preset to apply.
    public var preset: String?
    public var layout: JSONObjectLayout
    /// A required field of the endpoint's body that is missing: refused after the body stages (a preset may
    /// supply it).
    public var missingField: GatewayError?

    /// Scans `body` once, validating all of it, and picks out the routing fields; the fields of `endpoint`'s
    /// body that no provider would accept are refused (``RequestFieldRules``).
    /// - Throws: ``GatewayError`` (400) naming the place of a syntax error, the field with a wrong type, or a
    ///   (``missingField`` is set, not thrown, for a required field that is missing).
    public static func inspect(
        _ body: UnsafeRawBufferPointer,
        endpoint: Endpoint = .passthrough
    ) throws(GatewayError) -> RequestInspection {
        var rules = RequestFieldRules(endpoint: endpoint)
        var model: String?
        var modelRange: Range<Int>?
        var stream = false
        var includeUsage: Bool?
        var models: [String]?
        var providerSpan: JSONValueSpan?
        var preset: String?
        var fieldError: GatewayError?
        let layout: JSONObjectLayout
        do {
            layout = try JSONScanner.scanObject(body) { key, value in
                if fieldError == nil { fieldError = rules.check(key, value, in: body) }
                if key.equals("model") {
                    switch value.kind {
                    case .string:
                        model = JSONString.decode(UnsafeRawBufferPointer(rebasing: body[value.range]))
                        modelRange = value.range
                    case .null: break
                    default: fieldError = fieldError ?? .invalidField("model", "must be a string")
                    }
                } else if key.equals("stream") {
                    switch value.kind {
                    case .bool: stream = body[value.range.lowerBound] == UInt8(ascii: "t")
                    case .null: break
                    default: fieldError = fieldError ?? .invalidField("stream", "must be a boolean")
                    }
                } else if key.equals("stream_options"), value.kind == .object {
                    try JSONScanner.scanNestedObject(body, at: value) { key, value in
                        guard key.equals("include_usage") else { return }
                        if value.kind == .bool {
                            includeUsage = body[value.range.lowerBound] == UInt8(ascii: "t")
                        } else if value.kind != .null {
                            fieldError =
                                fieldError ?? .invalidField("stream_options.include_usage", "must be a boolean")
                        }
                    }
                } else if key.equals("stream_options"), value.kind != .null {
                    fieldError = fieldError ?? .invalidField("stream_options", "must be an object")
                } else if key.equals("models"), value.kind != .null {
                    let list = JSONValue(parsing: UnsafeRawBufferPointer(rebasing: body[value.range]))?.array
                    models = list?.compactMap(\.string)
                    if models == nil || models?.count != list?.count {
                        fieldError = fieldError ?? .invalidField("models", "must be an array of model names")
                    }
                } else if key.equals("preset"), value.kind != .null {
                    if value.kind == .string {
                        preset = JSONString.decode(UnsafeRawBufferPointer(rebasing: body[value.range]))
                    } else {
                        fieldError = fieldError ?? .invalidField("preset", "must be the slug of a preset")
                    }
                } else if key.equals("provider"), value.kind != .null {
                    if value.kind == .object {
                        providerSpan = value
                    } else {
                        fieldError =
                            fieldError ?? .invalidField("provider", "must be an object of provider preferences")
                    }
                }
            }
        } catch let error as JSONSyntaxError {
            throw .invalidJSON(error)
        } catch {
            throw .invalidJSON(JSONSyntaxError(offset: 0, line: 1, column: 1, reason: "\(error)"))
        }
        if let fieldError { throw fieldError }
        var result = RequestInspection(layout: layout)
        result.model = model
        result.modelRange = modelRange
        result.stream = stream
        result.includeUsage = includeUsage
        result.models = models
        result.providerSpan = providerSpan
        result.preset = preset
        result.missingField = rules.missing()
        return result
    }
}
