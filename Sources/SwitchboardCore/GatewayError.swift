/// An error the gateway itself answers with, rendered in the OpenAI envelope
/// `{"error":{"message","type","param","code"}}`.
///
/// Status is a plain integer so that Core stays free of any HTTP library.
public struct GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var type: String
    public var code: String?
    public var param: String?
    public var message: String
    public var format: Format
    /// Portkey's `errors[]`: one line per problem (config validation).
    public var details: [String]?

    /// The body shape: OpenAI's error envelope, or Portkey's `{"status":"failure","message"}` used for
    /// gateway-side validation of `x-portkey-*` headers and configs.
    public enum Format: Sendable, Equatable {
        /// `{"error":{"message","type","param","code"}}`: OpenAI's envelope, for OpenAI-style clients.
        case openai
        /// `{"status":"failure","message"}`: the control plane's.
        case portkey
        /// `{"type":"error","error":{"type","message"}}`: Anthropic's, for Messages clients.
        case anthropic
        /// `{"error":{"code","message","status"}}`: Google's, for Gemini clients.
        case gemini
    }

    public init(
        status: Int,
        type: String,
        code: String? = nil,
        param: String? = nil,
        message: String,
        format: Format = .openai
    ) {
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.message = message
        self.format = format
    }

    public var description: String { "\(self.status) \(self.type): \(self.message)" }

    /// A short, value-free label for metrics and logs.
    public var shortDescription: String { self.code ?? self.type }

    /// The JSON body sent to the client.
    public var jsonBody: [UInt8] {
        if self.format == .portkey {
            var out = #"{"status":"failure","message":"# + JSONString.quote(self.message)
            if let details = self.details {
                out += #","errors":["# + details.map(JSONString.quote).joined(separator: ",") + "]"
            }
            return Array((out + "}").utf8)
        }
        if self.format == .gemini {
            let out =
                #"{"error":{"code":\#(self.status),"message":"# + JSONString.quote(self.message) + #","status":"#
                + JSONString.quote(self.googleStatus) + "}}"
            return Array(out.utf8)
        }
        if self.format == .anthropic {
            let out =
                #"{"type":"error","error":{"type":"# + JSONString.quote(self.anthropicType) + #","message":"#
                + JSONString.quote(self.message) + "}}"
            return Array(out.utf8)
        }
        var out = #"{"error":{"message":"#
        out += JSONString.quote(self.message)
        out += #","type":"#
        out += JSONString.quote(self.type)
        out += #","param":"#
        out += self.param.map(JSONString.quote) ?? "null"
        out += #","code":"#
        out += self.code.map(JSONString.quote) ?? "null"
        out += "}}"
        return Array(out.utf8)
    }

    /// Anthropic's error type for the status (its SDKs pick the exception class from it).
    var anthropicType: String {
        switch self.status {
        case 400, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 402, 412: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 504: "timeout_error"
        case 529, 503: "overloaded_error"
        default: self.status >= 500 ? "api_error" : "invalid_request_error"
        }
    }

    /// Google's status name for the HTTP status (the Gemini SDK reads it).
    var googleStatus: String {
        switch self.status {
        case 400, 422: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 409: "ABORTED"
        case 413: "INVALID_ARGUMENT"
        case 429: "RESOURCE_EXHAUSTED"
        case 501: "UNIMPLEMENTED"
        case 503, 529: "UNAVAILABLE"
        case 504: "DEADLINE_EXCEEDED"
        default: self.status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"
        }
    }

    /// This error in the error shape of `endpoint`'s clients (Anthropic's for Messages, Google's for Gemini),
    /// unless it is the control plane's.
    public func shaped(for endpoint: Endpoint?) -> GatewayError {
        guard self.format == .openai else { return self }
        var shaped = self
        switch endpoint {
        case .messages, .countTokens: shaped.format = .anthropic
        case .generateContent: shaped.format = .gemini
        default: return self
        }
        return shaped
    }

    // MARK: - The errors the data plane raises

    public static func invalidJSON(_ error: JSONSyntaxError) -> GatewayError {
        GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "invalid_json",
            message: "The request body is not valid JSON: \(error.description)."
        )
    }

    public static func missingField(_ field: String, _ what: String) -> GatewayError {
        GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "missing_field",
            param: field,
            message: "'\(field)' is required: \(what)."
        )
    }

    public static func invalidField(_ field: String, _ problem: String) -> GatewayError {
        GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "invalid_type",
            param: field,
            message: "'\(field)' \(problem)."
        )
    }

    public static func missingModel(endpoint: String) -> GatewayError {
        GatewayError(
            status: 400,
            type: "invalid_request_error",
            code: "missing_model",
            param: "model",
            message: "The request to \(endpoint) has no 'model'. Name one as \"PROVIDER/MODEL\" "
                + "(for example \"mock/gpt-4o\"), or configure default_route.model."
        )
    }

    public static func bodyTooLarge(limit: Int) -> GatewayError {
        GatewayError(
            status: 413,
            type: "invalid_request_error",
            code: "body_too_large",
            message: "The request body is larger than the limit of \(limit) bytes (server.max_body_bytes)."
        )
    }

    public static func notFound(method: String, path: String) -> GatewayError {
        GatewayError(
            status: 404,
            type: "invalid_request_error",
            code: "not_found",
            message: "No route for \(method) \(path). The API is served under /v1 and /api/v1."
        )
    }

    public static func upstreamUnavailable(provider: String, reason: String) -> GatewayError {
        GatewayError(
            status: 502,
            type: "upstream_error",
            code: "upstream_unavailable",
            message: "Provider '\(provider)' could not be reached: \(reason)."
        )
    }

    /// Portkey's 408 for an attempt that exceeded `request_timeout` / `x-portkey-request-timeout`.
    public static func requestTimeout(milliseconds: Int) -> GatewayError {
        GatewayError(
            status: 408,
            type: "timeout_error",
            message: "Request exceeded the timeout sent in the request: \(milliseconds)ms"
        )
    }

    public static func upstreamTimeout(provider: String, milliseconds: Int) -> GatewayError {
        GatewayError(
            status: 504,
            type: "timeout_error",
            code: "upstream_timeout",
            message: "Provider '\(provider)' did not answer within \(milliseconds) ms."
        )
    }
}

/// JSON string quoting for the few strings the gateway writes itself.
public enum JSONString {
    /// Returns `value` as a quoted, escaped JSON string.
    public static func quote(_ value: String) -> String {
        // Model names and most values need no escapes (request bodies are patched with quoted model names).
        if !value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            return "\"" + value + "\""
        }
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    /// Decodes the bytes of a JSON string value (quotes included); `nil` if they are not a valid string.
    public static func decode(_ quoted: UnsafeRawBufferPointer) -> String? {
        guard quoted.count >= 2 else { return nil }
        let inner = UnsafeRawBufferPointer(rebasing: quoted[1..<(quoted.count - 1)])
        if !inner.contains(UInt8(ascii: "\\")) {
            return String(decoding: inner, as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        var bytes: [UInt8] = []
        var index = 0
        func flush() {
            if !bytes.isEmpty {
                scalars.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= inner.count else { return nil }
            return UInt32(String(decoding: inner[at..<(at + 4)], as: UTF8.self), radix: 16)
        }
        while index < inner.count {
            let byte = inner[index]
            guard byte == UInt8(ascii: "\\") else {
                bytes.append(byte)
                index += 1
                continue
            }
            guard index + 1 < inner.count else { return nil }
            let escape = inner[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "u"):
                guard var code = hex4(index) else { return nil }
                index += 4
                if (0xD800..<0xDC00).contains(code), index + 6 <= inner.count, inner[index] == UInt8(ascii: "\\"),
                    inner[index + 1] == UInt8(ascii: "u"), let low = hex4(index + 2), (0xDC00..<0xE000).contains(low)
                {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                flush()
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: bytes.append(escape)
            }
        }
        flush()
        return String(scalars)
    }
}
