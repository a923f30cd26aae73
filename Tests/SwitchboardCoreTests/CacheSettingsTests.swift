import Testing

@testable import SwitchboardCore

/// A config's `cache`: its forms, its checks (400s naming the field), and which targets it covers.
@Suite struct CacheSettingsTests {
    static func parse(_ text: String) -> Result<CacheSettings, CacheSettingsProblem> {
        CacheSettings.parse(JSONValue(parsing: Array(text.utf8))!)
    }

    @Test func readsTheObjectAndTheStringForms() throws {
        #expect(
            try Self.parse(#"{"mode":"simple","max_age":3600}"#).get()
                == CacheSettings(mode: .simple, maxAgeSeconds: 3600)
        )
        #expect(
            try Self.parse(#"{"mode":"semantic","embedding_model":"mock/embed"}"#).get()
                == CacheSettings(mode: .semantic, maxAgeSeconds: 604_800, embeddingModel: "mock/embed")
        )
        #expect(
            try Self.parse(#"{"mode":"semantic","embedding_model":"e","threshold":0.9,"multi_turn":true}"#).get()
                == CacheSettings(mode: .semantic, embeddingModel: "e", threshold: 0.9, multiTurn: true)
        )
        #expect(try Self.parse(#""simple""#).get() == CacheSettings(mode: .simple))
        #expect(try Self.parse(#"{"mode":"simple","max_age":null}"#).get().maxAgeSeconds == 604_800)
    }

    @Test func refusesWhatItCannotUseNamingTheField() {
        let cases: [(String, String)] = [
            (#"{"mode":"fuzzy"}"#, "mode"),
            (#"{"max_age":60}"#, "mode"),
            (#"{"mode":"simple","max_age":59}"#, "max_age"),
            (#"{"mode":"simple","max_age":7776001}"#, "max_age"),
            (#"{"mode":"simple","max_age":"1h"}"#, "max_age"),
            (#"{"mode":"simple","max_age":60.5}"#, "max_age"),
            // Semantic mode needs the model that embeds prompts.
            (#"{"mode":"semantic"}"#, "embedding_model"),
            (#""semantic""#, "embedding_model"),
            (#"{"mode":"semantic","embedding_model":7}"#, "embedding_model"),
            (#"{"mode":"semantic","embedding_model":"e","threshold":0}"#, "threshold"),
            (#"{"mode":"semantic","embedding_model":"e","threshold":1.5}"#, "threshold"),
            (#"{"mode":"semantic","embedding_model":"e","multi_turn":"yes"}"#, "multi_turn"),
            (#"true"#, ""),
            (#""exact""#, ""),
        ]
        for (text, field) in cases {
            guard case .failure(let problem) = Self.parse(text) else {
                Issue.record("\(text) was accepted")
                continue
            }
            #expect(problem.field == field, "\(text)")
        }
    }

    @Test func aConfigsCacheProblemNamesItsPath() {
        do {
            _ = try PortkeyConfig.parse(
                text:
                    #"{"strategy":{"mode":"fallback"},"targets":[{"provider":"openai","cache":{"mode":"simple","max_age":1}}]}"#
            )
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.joined().contains("path: targets[0].cache.max_age"), "\(error.errors)")
        }
    }

    /// A target's own `cache` replaces its parent's; without one it has its parent's.
    @Test func aTargetsCacheReplacesItsParents() throws {
        let yaml = """
            providers:
              a: {kind: openai, base_url: "http://127.0.0.1:1/v1"}
              b: {kind: openai, base_url: "http://127.0.0.1:2/v1"}
            default_route: {provider: a}
            """
        let resolver = RouteResolver(config: try ConfigLoader.load(yaml: yaml, file: "t", environment: [:]))
        let config = #"""
            {"cache":{"mode":"simple","max_age":600},"strategy":{"mode":"fallback"},
             "targets":[{"provider":"a"},{"provider":"b","cache":{"mode":"semantic","max_age":60,"embedding_model":"e"}}]}
            """#
        let request = RoutingRequest(endpoint: .chatCompletions, model: "m", config: config)
        guard case .plan(let plan) = try resolver.route(request) else {
            Issue.record("expected a plan")
            return
        }
        #expect(
            plan.leaves.map(\.target.cache) == [
                CacheSettings(mode: .simple, maxAgeSeconds: 600),
                CacheSettings(mode: .semantic, maxAgeSeconds: 60, embeddingModel: "e"),
            ]
        )
    }

    @Test func canonicalJSONIgnoresKeyOrderAndWhitespace() {
        let one = JSONValue(parsing: Array(#"{"b":1,"a":{"y":[1,{"q":2,"p":1}],"x":null}}"#.utf8))!
        let two = JSONValue(
            parsing: Array(#" { "a" : { "x" : null , "y" : [ 1 , { "p" : 1 , "q" : 2.0 } ] } , "b" : 1 } "#.utf8)
        )!
        #expect(one.canonical.jsonText == two.canonical.jsonText)
        #expect(one.canonical.jsonText == #"{"a":{"x":null,"y":[1,{"p":1,"q":2}]},"b":1}"#)
        // Array order is meaning: it stays.
        let swapped = JSONValue(parsing: Array(#"{"a":{"x":null,"y":[{"p":1,"q":2},1]},"b":1}"#.utf8))!
        #expect(swapped.canonical.jsonText != one.canonical.jsonText)
    }
}
