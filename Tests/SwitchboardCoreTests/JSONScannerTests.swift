import Testing

@testable import SwitchboardCore

@Suite struct JSONScannerTests {
    private func members(_ text: String) throws -> [String: JSONValueKind] {
        var found: [String: JSONValueKind] = [:]
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { raw in
            _ = try JSONScanner.scanObject(raw) { key, value in
                found[String(decoding: key, as: UTF8.self)] = value.kind
            }
        }
        return found
    }

    private func syntaxError(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try self.members(text)
            return nil
        } catch let error as JSONSyntaxError {
            return error
        } catch {
            return nil
        }
    }

    @Test func findsTopLevelMembersOnly() throws {
        let found = try self.members(
            #"{"model":"m","stream":true,"n":-1.5e3,"o":{"model":"inner"},"a":[1,{"x":null}],"z":null,"s":"a\"b\u00e9"}"#
        )
        #expect(
            found == [
                "model": .string, "stream": .bool, "n": .number, "o": .object, "a": .array, "z": .null, "s": .string,
            ]
        )
    }

    @Test(arguments: [
        ("{", 1, 2, "expected a quoted member name"),
        (#"{"a":}"#, 1, 6, "expected a value"),
        ("{\n  \"a\": 1,\n  \"b\" 2\n}", 3, 7, "expected ':'"),
        (#"{"a":01}"#, 1, 7, "expected ',' or '}'"),
        (#"{"a":tru}"#, 1, 6, "invalid literal"),
        (#"{"a":"x\q"}"#, 1, 9, "invalid escape"),
        (#"{"a":1} x"#, 1, 9, "unexpected data after"),
        ("[1,2]", 1, 1, "expected a JSON object"),
        ("", 1, 1, "empty"),
        (#"{"a":"unterminated"#, 1, 19, "unterminated string"),
        (#"{"a":[1,2}"#, 1, 10, "expected ',' or ']'"),
    ])
    func reportsWhereSyntaxErrorsAre(text: String, line: Int, column: Int, reason: String) {
        let error = self.syntaxError(text)
        #expect(error?.line == line)
        #expect(error?.column == column)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    /// Long strings take the eight-bytes-at-a-time path: escapes, quotes and control characters must still be
    /// found at every offset.
    @Test func longStringsAreScannedExactly() throws {
        for offset in 0..<17 {
            let pad = String(repeating: "é", count: offset) + String(repeating: "x", count: 20)
            let escaped = #"{"a":"\#(pad)\"\#(pad)\\\\","b":1}"#
            #expect(try self.members(escaped) == ["a": .string, "b": .number])
            #expect(self.syntaxError("{\"a\":\"\(pad)\u{01}\(pad)\"}")?.reason.contains("control character") == true)
            let unterminated = "{\"a\":\"" + pad + pad
            #expect(self.syntaxError(unterminated)?.reason.contains("unterminated") == true)
        }
    }

    @Test func rejectsControlCharactersInStrings() {
        #expect(self.syntaxError("{\"a\":\"x\ny\"}")?.reason.contains("control character") == true)
    }

    @Test func limitsNestingDepth() {
        let deep = "{\"a\":" + String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000) + "}"
        #expect(self.syntaxError(deep)?.reason.contains("nesting") == true)
    }

    @Test func decodesEscapedStrings() {
        let cases: [(String, String)] = [
            (#""plain""#, "plain"), (#""a\"b""#, "a\"b"), (#""\u00e9\n""#, "é\n"), (#""\ud83d\ude00""#, "😀"),
        ]
        for (quoted, expected) in cases {
            let decoded = Array(quoted.utf8).withUnsafeBytes { JSONString.decode($0) }
            #expect(decoded == expected)
        }
    }

    @Test func quotesStrings() {
        #expect(JSONString.quote("a\"b\\c\n\u{01}") == #""a\"b\\c\n\u0001""#)
    }
}

@Suite struct RequestInspectionTests {
    private func inspect(_ text: String) throws(GatewayError) -> RequestInspection {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { raw in
            Result { () throws(GatewayError) in try RequestInspection.inspect(raw) }
        }.get()
    }

    @Test func readsRoutingFields() throws {
        let body =
            #"{"messages":[{"role":"user","content":"model"}],"model":"mock/gpt-4o","stream":true,"stream_options":{"include_usage":true}}"#
        let inspection = try self.inspect(body)
        #expect(inspection.model == "mock/gpt-4o")
        #expect(inspection.stream)
        #expect(inspection.includeUsage == true)
        let range = try #require(inspection.modelRange)
        #expect(String(decoding: Array(body.utf8)[range], as: UTF8.self) == #""mock/gpt-4o""#)
    }

    @Test func defaultsWhenAbsent() throws {
        let inspection = try self.inspect(#"{"input":"x"}"#)
        #expect(inspection.model == nil)
        #expect(!inspection.stream)
        #expect(inspection.includeUsage == nil)
    }

    @Test(arguments: [
        (#"{"model":5}"#, "model"), (#"{"model":"m","stream":"yes"}"#, "stream"),
        (#"{"model":"m","stream_options":{"include_usage":1}}"#, "stream_options.include_usage"),
        (#"{"model":"m","stream_options":[]}"#, "stream_options"),
    ])
    func rejectsWrongTypes(body: String, field: String) {
        #expect(
            throws: GatewayError.invalidField(
                field,
                field == "stream"
                    ? "must be a boolean"
                    : field == "model"
                        ? "must be a string" : field == "stream_options" ? "must be an object" : "must be a boolean"
            )
        ) {
            try self.inspect(body)
        }
    }

    @Test func malformedJSONIs400WithThePlace() {
        do {
            _ = try self.inspect("{\"model\": \"m\",\n \"x\": }")
            Issue.record("expected an error")
        } catch {
            #expect(error.status == 400)
            #expect(error.code == "invalid_json")
            #expect(error.message.contains("line 2, column 7"))
        }
    }
}

@Suite struct BodyPatchTests {
    private func patched(_ body: String, model: String?, overrides: [(String, String)] = []) throws -> String {
        let bytes = Array(body.utf8)
        let inspection = try bytes.withUnsafeBytes { raw in
            Result { () throws(GatewayError) in try RequestInspection.inspect(raw) }
        }.get()
        let patch = bytes.withUnsafeBytes { raw in
            BodyPatch.make(
                body: raw,
                inspection: inspection,
                model: model,
                overrides: overrides.map { (key: $0.0, json: Array($0.1.utf8)) }
            )
        }
        let result = patch.apply(to: bytes)
        #expect(result.count == patch.patchedLength(originalLength: bytes.count))
        return String(decoding: result, as: UTF8.self)
    }

    @Test func rewritesTheModelInPlace() throws {
        #expect(
            try self.patched(#"{"model":"mock/gpt-4o","stream":true}"#, model: "gpt-4o")
                == #"{"model":"gpt-4o","stream":true}"#
        )
    }

    @Test func leavesAnUnchangedModelAlone() throws {
        let bytes = Array(#"{"model":"gpt-4o"}"#.utf8)
        let inspection = try bytes.withUnsafeBytes { raw in
            Result { () throws(GatewayError) in try RequestInspection.inspect(raw) }
        }.get()
        let patch = bytes.withUnsafeBytes { BodyPatch.make(body: $0, inspection: inspection, model: "gpt-4o") }
        #expect(patch.isEmpty)
    }

    @Test func appendsAMissingModel() throws {
        #expect(try self.patched(#"{"input":"x"}"#, model: "m-1") == #"{"input":"x","model":"m-1"}"#)
        #expect(try self.patched("{ }", model: "m-1") == #"{ "model":"m-1"}"#)
    }

    @Test func overridesWinAndAppend() throws {
        let result = try self.patched(
            #"{"model":"a/b","temperature":1,"messages":[]}"#,
            model: "b",
            overrides: [("temperature", "0.2"), ("max_tokens", "5"), ("model", "\"forced\"")]
        )
        #expect(result == #"{"model":"forced","temperature":0.2,"messages":[],"max_tokens":5}"#)
    }
}
