import SwitchboardCore
import Testing

/// The JSON Schema checker without sockets: each keyword accepts what it should and names what it refuses.
struct JSONSchemaTests {
    private static func json(_ text: String) -> JSONValue {
        guard let value = JSONValue(parsing: Array(text.utf8)) else { preconditionFailure("bad JSON in test: \(text)") }
        return value
    }

    private static func message(_ schema: String, _ instance: String) -> String? {
        JSONSchema(Self.json(schema)).violation(of: Self.json(instance))?.message()
    }

    @Test(
        arguments: [
            (#"{"type":"integer"}"#, "3", nil),
            (#"{"type":"integer"}"#, "3.0", nil),
            (#"{"type":"integer"}"#, "3.5", "The value must be an integer, not a number."),
            (#"{"type":["string","null"]}"#, "true", "The value must be a string or null, not a boolean."),
            (#"{"type":"object","required":["a"]}"#, "{}", "'a' is required."),
            (
                #"{"properties":{"a":{"type":"string"}},"additionalProperties":false}"#, #"{"a":"x","b":1}"#,
                "'b' is not a field of this object: leave it out."
            ),
            (#"{"additionalProperties":{"type":"number"}}"#, #"{"a":"x"}"#, "'a' must be a number, not a string."),
            (
                #"{"patternProperties":{"^x-":{"type":"string"}}}"#, #"{"x-a":1,"b":1}"#,
                "'x-a' must be a string, not a number."
            ),
            (#"{"enum":["a","b",null]}"#, #""c""#, #"The value must be one of "a", "b", null."#),
            (#"{"const":"function"}"#, #""tool""#, #"The value must be "function"."#),
            (#"{"items":{"type":"string"},"minItems":1}"#, "[]", "The value must have at least 1 item."),
            (#"{"items":{"type":"string"}}"#, #"["a",2]"#, "'[1]' must be a string, not a number."),
            (
                #"{"prefixItems":[{"type":"number"}],"items":{"type":"string"}}"#, #"[1,"a",3]"#,
                "'[2]' must be a string, not a number."
            ),
            (#"{"uniqueItems":true}"#, "[1,2,1]", "'[2]' repeats an earlier item: items must be unique."),
            (#"{"contains":{"type":"string"}}"#, "[1,2]", "The value must contain at least 1 matching item."),
            (#"{"maxLength":2}"#, #""héé""#, "The value must have at most 2 characters."),
            (#"{"maxLength":3}"#, #""héé""#, nil),
            (#"{"pattern":"^[a-z]+$"}"#, #""abc1""#, "The value must match the pattern ^[a-z]+$."),
            (#"{"minimum":0,"exclusiveMaximum":2}"#, "2", "The value must be less than 2."),
            (#"{"minimum":0.5}"#, "0", "The value must be at least 0.5."),
            (#"{"multipleOf":0.5}"#, "1.5", nil),
            (#"{"not":{"type":"null"}}"#, "null", "The value has a form that is not allowed here."),
            (
                #"{"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]}}"#, #"{"k":"a"}"#,
                "'x' is required."
            ),
            (#"{"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]}}"#, #"{"k":"b"}"#, nil),
            (#"{"dependentRequired":{"a":["b"]}}"#, #"{"a":1}"#, "'b' is required when 'a' is given."),
            (
                #"{"propertyNames":{"maxLength":1}}"#, #"{"ab":1}"#,
                "'ab' is not an allowed name: it must have at most 1 character."
            ),
            (
                #"{"anyOf":[{"type":"string"},{"type":"object"}]}"#, "7",
                "The value must be a string or an object, not a number."
            ),
            (
                #"{"oneOf":[{"type":"number"},{"type":"integer"}]}"#, "7",
                "The value matches more than one of the allowed forms: make it match exactly one."
            ),
            (#"{"oneOf":[{"type":"number"},{"type":"integer"}]}"#, "7.5", nil),
            (
                ##"{"$defs":{"n":{"type":"number"}},"properties":{"a":{"$ref":"#/$defs/n"}}}"##, ##"{"a":"x"}"##,
                "'a' must be a number, not a string."
            ),
            (
                ##"{"$defs":{"loop":{"$ref":"#/$defs/loop"}},"$ref":"#/$defs/loop"}"##, "1",
                "The value is nested too deeply to check."
            ),
            ("false", "1", "The value is not allowed here."),
            ("true", "1", nil),
        ] as [(String, String, String?)]
    )
    func keywords(schema: String, instance: String, expected: String?) {
        #expect(Self.message(schema, instance) == expected)
    }

    /// OpenAPI's discriminator picks the branch, so the message is about the field that is wrong in it, not "none
    /// of the forms".
    @Test func discriminatorNamesTheFieldInsideTheChosenBranch() {
        let schema = #"""
            {"components":{"schemas":{
              "A":{"type":"object","required":["kind","a"],"properties":{"kind":{"const":"a"},"a":{"type":"string"}}},
              "B":{"type":"object","required":["kind","b"],"properties":{"kind":{"const":"b"},"b":{"type":"integer"}}},
              "Item":{"oneOf":[{"$ref":"#/components/schemas/A"},{"$ref":"#/components/schemas/B"}],
                      "discriminator":{"propertyName":"kind","mapping":{"a":"#/components/schemas/A","b":"#/components/schemas/B"}}},
              "List":{"type":"array","items":{"$ref":"#/components/schemas/Item"}}}}}
            """#
        let list = JSONSchema(pointer: "#/components/schemas/List", in: Self.json(schema))
        #expect(
            list?.violation(of: Self.json(#"[{"kind":"a","a":"x"},{"kind":"b","b":"y"}]"#))?.message()
                == "'[1].b' must be an integer, not a string."
        )
        #expect(
            list?.violation(of: Self.json(#"[{"kind":"c"}]"#))?.message() == #"'[0].kind' must be one of "a", "b"."#
        )
        #expect(list?.violation(of: Self.json(#"[{"b":1}]"#))?.message() == "'[0].kind' is required.")
        #expect(list?.violation(of: Self.json(#"[{"kind":"b","b":2}]"#)) == nil)
    }

    /// Without a discriminator, the branch that got furthest into the value speaks.
    @Test func theDeepestBranchFailureIsReported() {
        let schema =
            #"{"anyOf":[{"type":"string"},{"type":"object","properties":{"n":{"type":"object","required":["x"]}}}]}"#
        #expect(Self.message(schema, #"{"n":{}}"#) == "'n.x' is required.")
        #expect(SchemaViolation([.key("messages"), .index(0), .key("role")], .required).field == "messages[0].role")
        #expect(SchemaViolation([], .required).message(root: "The body") == "The body is required.")
    }
}
