import SwitchboardCore
import Testing

/// Which requests a policy counts, and under which entity.
struct PolicyScopeTests {
    let alice = PolicySubject(apiKey: "key-1", workspace: "ws", model: "gpt-x", metadata: ["user_id": "alice"])

    @Test func conditionsSelectAndGroupsSplit() {
        let perUser = PolicyScope(
            conditions: [.init(key: "workspace_id", value: "ws")],
            groupBy: ["metadata.user_id"]
        )
        #expect(perUser.entity(for: self.alice) == "metadata.user_id:alice")
        var other = self.alice
        other.workspace = "elsewhere"
        #expect(perUser.entity(for: other) == nil, "the condition fails")
        other = self.alice
        other.metadata = [:]
        #expect(perUser.entity(for: other) == nil, "no user to count under")
        let perKeyAndModel = PolicyScope(
            conditions: [.init(key: "api_key", value: "*")],
            groupBy: ["api_key", "model"]
        )
        #expect(perKeyAndModel.entity(for: self.alice) == "api_key:key-1|model:gpt-x")
        #expect(perKeyAndModel.entity(for: PolicySubject(model: "gpt-x")) == nil, "`*` needs the key present")
    }

    @Test func knownKeys() {
        #expect(PolicyScope.isKnown("metadata.team") && PolicyScope.isKnown("api_key"))
        #expect(!PolicyScope.isKnown("metadata.") && !PolicyScope.isKnown("user"))
    }
}
