import Foundation
import SwitchboardCore
import SwitchboardStore

/// Portkey's feedback (`/v1/feedback`): a score for the request of a trace id.
struct FeedbackAPI: ControlPlaneAPI {
    let context: APIContext

    init(_ context: APIContext) { self.context = context }

    func create(_ request: APIRequest) async throws -> ControlPlane.Response {
        let body = try request.decode(FeedbackBody.self)
        guard let trace = body.trace_id, !trace.isEmpty else {
            throw APIFailure(
                400,
                "'trace_id' is required: the x-portkey-trace-id of the request the feedback is about."
            )
        }
        let feedback = StoredFeedback(
            id: UUID().uuidString.lowercased(),
            traceID: trace,
            value: body.value,
            weight: body.weight,
            metadata: body.metadataText,
            createdAt: Timestamps.now()
        )
        try await self.context.store.addFeedback(feedback)
        return .json(FeedbackWritten(message: "feedback recorded", feedback_ids: [feedback.id]))
    }

    func update(_ request: APIRequest) async throws -> ControlPlane.Response {
        let id = request.parameter("id")
        let body = try request.decode(FeedbackBody.self)
        guard
            try await self.context.store.updateFeedback(
                id: id,
                value: body.value,
                weight: body.weight,
                metadata: body.metadataText
            ) != nil
        else { throw APIFailure(404, "Feedback '\(id)' not found.") }
        return .json(FeedbackWritten(message: "feedback updated", feedback_ids: [id]))
    }
}

/// `POST /v1/feedback` and `PUT /v1/feedback/{id}`.
struct FeedbackBody: Decodable {
    var trace_id: String?
    var value: Int
    var weight = 1.0
    var metadata: JSONValue?

    private enum CodingKeys: String, CodingKey {
        case trace_id, value, weight, metadata
    }

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.trace_id = try fields.optional(String.self, .trace_id)
        guard let value = try fields.integer(.value, in: -10...10) else {
            throw fields.invalid(.value, "is required: an integer from -10 to 10.")
        }
        self.value = value
        if fields.contains(.weight) {
            // Not nullable in the schema: `null` is refused like any other wrong type.
            let weight = try fields.decode(Double.self, forKey: .weight)
            guard (0...1).contains(weight) else { throw fields.invalid(.weight, "must be a number from 0 to 1.") }
            self.weight = weight
        }
        self.metadata = try fields.object(.metadata)
    }

    var metadataText: String { self.metadata.map(SortedJSON.text) ?? "{}" }
}

struct FeedbackWritten: Encodable {
    var status = "success"
    var message: String
    var feedback_ids: [String]
}
