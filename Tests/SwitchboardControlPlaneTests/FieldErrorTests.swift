import SwitchboardCore
import SwitchboardStore
import Testing

@testable import SwitchboardControlPlane

/// A body that does not decode is a 400 that names the field and says what it must be.
struct FieldErrorTests {
    private func failure<T: Decodable>(_ type: T.Type, _ body: String) -> APIFailure? {
        let request = APIRequest(method: "POST", path: "/", query: [:], headers: [:], body: Array(body.utf8))
        do {
            _ = try request.decode(T.self)
            return nil
        } catch let failure as APIFailure {
            return failure
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        ("", "needs a JSON object body"),
        ("{", "not valid JSON"),
        ("[1]", "must be a JSON object"),
        (#"{"name":"n","scopes":"admin"}"#, "'scopes' must be a list"),
        (#"{"name":"n","scopes":[]}"#, "'scopes' must be a non-empty list"),
        (#"{"name":"","scopes":["admin"]}"#, "'name' must be a non-empty string"),
        (#"{"name":7}"#, "'name' must be a string"),
        (#"{"defaults":{"allow_config_override":"yes"}}"#, "'defaults.allow_config_override' must be true or false"),
        (#"{"status":"gone"}"#, "'status' must be \"active\" or \"archived\""),
    ])
    func apiKeyBodies(body: String, message: String) {
        let failure = self.failure(APIKeyBody.self, body)
        #expect(failure?.status == 400)
        #expect(failure?.message.contains(message) == true, "\(failure?.message ?? "decoded")")
    }

    @Test(arguments: [
        (#"{"value":1.5}"#, "'value' must be an integer from -10 to 10"),
        (#"{"value":"1"}"#, "'value' must be a number"),
        (#"{"value":1,"weight":2}"#, "'weight' must be a number from 0 to 1"),
        (#"{"value":1,"metadata":[]}"#, "'metadata' must be an object"),
    ])
    func feedbackBodies(body: String, message: String) {
        let failure = self.failure(FeedbackBody.self, body)
        #expect(failure?.message.contains(message) == true, "\(failure?.message ?? "decoded")")
    }

    @Test func pathsNameListItemsAndNestedFields() {
        let failure = self.failure(
            IngestBody.self,
            #"[{"request":{"url":"https://a.b/v1"}},{"request":{"url":"https://a.b/v1"},"metadata":{"team":1}}]"#
        )
        #expect(failure?.message == "'[1].metadata.team' must be a string.")
        let relative = self.failure(IngestBody.self, #"{"request":{"url":"/v1/chat"}}"#)
        #expect(relative?.message.hasPrefix("'request.url' must be an absolute URL") == true)
    }

    @Test func anUpdateTellsAbsentFromNull() throws {
        let request = APIRequest(
            method: "PUT",
            path: "/",
            query: [:],
            headers: [:],
            body: Array(#"{"note":null,"rate_limits":[{"type":"requests","unit":"rpm","value":5}]}"#.utf8)
        )
        let body = try request.decode(CredentialBody.self)
        var current = CredentialDetailsFixture.details
        current = body.details(over: current, kind: .virtualKey)
        #expect(current.note == nil && current.expires_at == "2027-01-01T00:00:00Z")
        #expect(current.rate_limits?.count == 1)
    }
}

private enum CredentialDetailsFixture {
    static var details: CredentialDetails {
        var details = CredentialDetails()
        details.note = "kept?"
        details.expires_at = "2027-01-01T00:00:00Z"
        return details
    }
}
