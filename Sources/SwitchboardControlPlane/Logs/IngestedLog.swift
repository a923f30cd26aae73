import Foundation
import SwitchboardCore

/// One log of `POST /v1/logs` from outside the gateway: `{request:{url, method, headers, body},
/// response:{status, headers, body, response_time}, metadata}`.
struct IngestedLog: Decodable {
    struct Request: Decodable {
        var url: String
        var host: String
        var method: String?
        var body: JSONValue?

        private enum CodingKeys: String, CodingKey {
            case url, method, body
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            self.url = try fields.decode(String.self, forKey: .url)
            guard let components = URLComponents(string: self.url), let host = components.host else {
                throw fields.invalid(.url, "must be an absolute URL, e.g. https://api.openai.com/v1/chat/completions.")
            }
            self.host = host
            self.method = try fields.optional(String.self, .method)
            self.body = try fields.optional(JSONValue.self, .body)
        }
    }

    struct Response: Decodable {
        var status: Int?
        var body: JSONValue?
        var response_time: Double?

        private enum CodingKeys: String, CodingKey {
            case status, body, response_time
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            self.status = try fields.integer(.status, in: 100...599)
            self.body = try fields.optional(JSONValue.self, .body)
            self.response_time = try fields.optional(Double.self, .response_time)
        }
    }

    var request: Request
    var response: Response?
    var metadata: [String: String]?
}

/// `POST /v1/logs`: one log or a list of them.
struct IngestBody: Decodable {
    var logs: [IngestedLog]

    init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var logs: [IngestedLog] = []
            while !list.isAtEnd { logs.append(try list.decode(IngestedLog.self)) }
            self.logs = logs
        } else {
            self.logs = [try IngestedLog(from: decoder)]
        }
    }
}
