import SwitchboardCore

extension MockResponses {
    /// An answer with reasoning and / or a tool call (options `thinking` and `tool`), in chat and messages
    /// shapes, JSON and events: what translation tests need to see carried across protocols. Reasoning is
    /// "Let me think." (signature `sig-mock` in messages); the call is `get_weather` with `{"city":"Paris"}`.
    struct Rich {
        var context: Context
        var tool: Bool
        var thinking: Bool

        static let reasoning = ["Let me", " think."]
        static let signature = "sig-mock"
        static let toolID = "call_mock_1"
        static let arguments = [#"{"city":"#, #""Paris"}"#]

        private var c: Context { self.context }
        private var text: String { MockResponses.text(tokens: self.c.completionTokens) }

        // MARK: Chat

        var chatCompletion: String {
            var message = #""role":"assistant","content":"# + (self.text.isEmpty ? "null" : JSONString.quote(self.text))
            if self.thinking { message += #","reasoning_content":"# + JSONString.quote(Self.reasoning.joined()) }
            if self.tool {
                message +=
                    #","tool_calls":[{"id":"\#(Self.toolID)","type":"function","function":{"name":"get_weather","arguments":"#
                    + JSONString.quote(Self.arguments.joined()) + "}}]"
            }
            let finish = self.tool ? "tool_calls" : "stop"
            return
                #"{"id":"\#(c.id)","object":"chat.completion","created":\#(c.created),"model":\#(c.modelJSON),"choices":[{"index":0,"message":{\#(message)},"logprobs":null,"finish_reason":"\#(finish)"}],"usage":\#(c.usageJSON)}"#
        }

        var chatEvents: [String] {
            var events = [MockResponses.chatChunk(c, delta: #"{"role":"assistant","content":""}"#)]
            if self.thinking {
                for piece in Self.reasoning {
                    events.append(
                        MockResponses.chatChunk(c, delta: #"{"reasoning_content":\#(JSONString.quote(piece))}"#)
                    )
                }
            }
            for index in 0..<c.completionTokens {
                events.append(MockResponses.chatChunk(c, delta: #"{"content":\#(JSONString.quote(word(index)))}"#))
            }
            if self.tool {
                events.append(
                    MockResponses.chatChunk(
                        c,
                        delta:
                            #"{"tool_calls":[{"index":0,"id":"\#(Self.toolID)","type":"function","function":{"name":"get_weather","arguments":""}}]}"#
                    )
                )
                for piece in Self.arguments {
                    events.append(
                        MockResponses.chatChunk(
                            c,
                            delta: #"{"tool_calls":[{"index":0,"function":{"arguments":\#(JSONString.quote(piece))}}]}"#
                        )
                    )
                }
            }
            events.append(MockResponses.chatChunk(c, delta: "{}", finish: self.tool ? "tool_calls" : "stop"))
            if c.includeUsage {
                events.append(
                    #"data: {"id":"\#(c.id)","object":"chat.completion.chunk","created":\#(c.created),"model":\#(c.modelJSON),"choices":[],"usage":\#(c.usageJSON)}"#
                        + "\n\n"
                )
            }
            events.append("data: [DONE]\n\n")
            return events
        }

        // MARK: Messages

        var message: String {
            var blocks: [String] = []
            if self.thinking {
                blocks.append(
                    #"{"type":"thinking","thinking":\#(JSONString.quote(Self.reasoning.joined())),"signature":"\#(Self.signature)"}"#
                )
            }
            if !self.text.isEmpty { blocks.append(#"{"type":"text","text":\#(JSONString.quote(self.text))}"#) }
            if self.tool {
                blocks.append(
                    #"{"type":"tool_use","id":"\#(Self.toolID)","name":"get_weather","input":\#(Self.arguments.joined())}"#
                )
            }
            let stop = self.tool ? "tool_use" : "end_turn"
            return
                #"{"id":"\#(c.id)","type":"message","role":"assistant","model":\#(c.modelJSON),"content":[\#(blocks.joined(separator: ","))],"stop_reason":"\#(stop)","stop_sequence":null,"usage":{"input_tokens":\#(c.promptTokens),"output_tokens":\#(c.completionTokens)\#(c.anthropicCache)}}"#
        }

        var messageEvents: [String] {
            func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }
            var events = [
                event(
                    "message_start",
                    #"{"type":"message_start","message":{"id":"\#(c.id)","type":"message","role":"assistant","model":\#(c.modelJSON),"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":\#(c.promptTokens),"output_tokens":1\#(c.anthropicCache)}}}"#
                )
            ]
            var index = 0
            func block(_ start: String, _ deltas: [String]) {
                events.append(
                    event(
                        "content_block_start",
                        #"{"type":"content_block_start","index":\#(index),"content_block":\#(start)}"#
                    )
                )
                for delta in deltas {
                    events.append(
                        event(
                            "content_block_delta",
                            #"{"type":"content_block_delta","index":\#(index),"delta":\#(delta)}"#
                        )
                    )
                }
                events.append(event("content_block_stop", #"{"type":"content_block_stop","index":\#(index)}"#))
                index += 1
            }
            if self.thinking {
                block(
                    #"{"type":"thinking","thinking":"","signature":""}"#,
                    Self.reasoning.map { #"{"type":"thinking_delta","thinking":\#(JSONString.quote($0))}"# }
                        + [#"{"type":"signature_delta","signature":"\#(Self.signature)"}"#]
                )
            }
            if c.completionTokens > 0 {
                block(
                    #"{"type":"text","text":""}"#,
                    (0..<c.completionTokens).map { #"{"type":"text_delta","text":\#(JSONString.quote(word($0)))}"# }
                )
            }
            if self.tool {
                block(
                    #"{"type":"tool_use","id":"\#(Self.toolID)","name":"get_weather","input":{}}"#,
                    Self.arguments.map { #"{"type":"input_json_delta","partial_json":\#(JSONString.quote($0))}"# }
                )
            }
            events.append(
                event(
                    "message_delta",
                    #"{"type":"message_delta","delta":{"stop_reason":"\#(self.tool ? "tool_use" : "end_turn")","stop_sequence":null},"usage":{"output_tokens":\#(c.completionTokens)}}"#
                )
            )
            events.append(event("message_stop", #"{"type":"message_stop"}"#))
            return events
        }
    }
}
