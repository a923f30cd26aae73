import SwitchboardCore

extension MockResponses.Rich {
    /// The Responses API shape of the rich answer: a reasoning item (summary, `encrypted_content`), a message, a
    /// function call.
    var responseItems: [String] {
        var items: [String] = []
        if self.thinking {
            items.append(
                #"{"id":"rs_mock","type":"reasoning","summary":[{"type":"summary_text","text":\#(JSONString.quote(Self.reasoning.joined()))}],"encrypted_content":"\#(Self.signature)"}"#
            )
        }
        if self.context.completionTokens > 0 {
            items.append(
                #"{"id":"msg_mock","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":\#(JSONString.quote(MockResponses.text(tokens: self.context.completionTokens))),"annotations":[]}]}"#
            )
        }
        if self.tool {
            items.append(
                #"{"id":"fc_mock","type":"function_call","status":"completed","call_id":"\#(Self.toolID)","name":"get_weather","arguments":\#(JSONString.quote(Self.arguments.joined()))}"#
            )
        }
        return items
    }

    var response: String {
        let c = self.context
        return
            #"{"id":"resp_\#(c.id)","object":"response","created_at":\#(c.created),"status":"completed","model":\#(c.modelJSON),"output":[\#(self.responseItems.joined(separator: ","))],"usage":{"input_tokens":\#(c.promptTokens),"input_tokens_details":{"cached_tokens":\#(c.cachedTokens)},"output_tokens":\#(c.completionTokens),"total_tokens":\#(c.promptTokens + c.completionTokens)}}"#
    }

    var responseEvents: [String] {
        let c = self.context
        var sequence = 0
        var events: [String] = []
        func event(_ type: String, _ members: String) {
            events.append(
                "event: \(type)\ndata: {\"type\":\"\(type)\",\(members),\"sequence_number\":\(sequence)}\n\n"
            )
            sequence += 1
        }
        event(
            "response.created",
            #""response":{"id":"resp_\#(c.id)","object":"response","created_at":\#(c.created),"status":"in_progress","model":\#(c.modelJSON),"output":[]}"#
        )
        var index = 0
        if self.thinking {
            event(
                "response.output_item.added",
                #""output_index":\#(index),"item":{"id":"rs_mock","type":"reasoning","summary":[]}"#
            )
            for piece in Self.reasoning {
                event(
                    "response.reasoning_summary_text.delta",
                    #""item_id":"rs_mock","output_index":\#(index),"summary_index":0,"delta":\#(JSONString.quote(piece))"#
                )
            }
            event("response.output_item.done", #""output_index":\#(index),"item":\#(self.responseItems[0])"#)
            index += 1
        }
        if c.completionTokens > 0 {
            event(
                "response.output_item.added",
                #""output_index":\#(index),"item":{"id":"msg_mock","type":"message","status":"in_progress","role":"assistant","content":[]}"#
            )
            for token in 0..<c.completionTokens {
                event(
                    "response.output_text.delta",
                    #""item_id":"msg_mock","output_index":\#(index),"content_index":0,"delta":\#(JSONString.quote(MockResponses.word(token)))"#
                )
            }
            event("response.output_item.done", #""output_index":\#(index),"item":\#(self.responseItems[index])"#)
            index += 1
        }
        if self.tool {
            event(
                "response.output_item.added",
                #""output_index":\#(index),"item":{"id":"fc_mock","type":"function_call","status":"in_progress","call_id":"\#(Self.toolID)","name":"get_weather","arguments":""}"#
            )
            for piece in Self.arguments {
                event(
                    "response.function_call_arguments.delta",
                    #""item_id":"fc_mock","output_index":\#(index),"delta":\#(JSONString.quote(piece))"#
                )
            }
            event("response.output_item.done", #""output_index":\#(index),"item":\#(self.responseItems[index])"#)
        }
        event("response.completed", #""response":\#(self.response)"#)
        return events
    }
}
