/// The bundled price list, in Portkey's `ModelPricingConfig` form: US cents per token, by provider id and
/// model. List prices as published by the providers (per million tokens ÷ 10⁴); override or extend them with
/// `pricing:` in the config file or a registry model's `pricing`.
enum BundledPrices {
    static let json = #"""
        {
          "openai": {
            "gpt-4o": {"pay_as_you_go": {"request_token": {"price": 0.00025}, "response_token": {"price": 0.001}, "cache_read_input_token": {"price": 0.000125}}},
            "gpt-4o-mini": {"pay_as_you_go": {"request_token": {"price": 0.000015}, "response_token": {"price": 0.00006}, "cache_read_input_token": {"price": 0.0000075}}},
            "gpt-4.1": {"pay_as_you_go": {"request_token": {"price": 0.0002}, "response_token": {"price": 0.0008}, "cache_read_input_token": {"price": 0.00005}}},
            "gpt-4.1-mini": {"pay_as_you_go": {"request_token": {"price": 0.00004}, "response_token": {"price": 0.00016}, "cache_read_input_token": {"price": 0.00001}}},
            "gpt-4.1-nano": {"pay_as_you_go": {"request_token": {"price": 0.00001}, "response_token": {"price": 0.00004}, "cache_read_input_token": {"price": 0.0000025}}},
            "o3": {"pay_as_you_go": {"request_token": {"price": 0.0002}, "response_token": {"price": 0.0008}, "cache_read_input_token": {"price": 0.00005}}},
            "o4-mini": {"pay_as_you_go": {"request_token": {"price": 0.00011}, "response_token": {"price": 0.00044}, "cache_read_input_token": {"price": 0.0000275}}},
            "gpt-3.5-turbo": {"pay_as_you_go": {"request_token": {"price": 0.00005}, "response_token": {"price": 0.00015}}},
            "text-embedding-3-small": {"pay_as_you_go": {"request_token": {"price": 0.000002}, "response_token": {"price": 0}}},
            "text-embedding-3-large": {"pay_as_you_go": {"request_token": {"price": 0.000013}, "response_token": {"price": 0}}}
          },
          "anthropic": {
            "claude-3-5-haiku": {"pay_as_you_go": {"request_token": {"price": 0.00008}, "response_token": {"price": 0.0004}, "cache_read_input_token": {"price": 0.000008}, "cache_write_input_token": {"price": 0.0001}}},
            "claude-3-5-sonnet": {"pay_as_you_go": {"request_token": {"price": 0.0003}, "response_token": {"price": 0.0015}, "cache_read_input_token": {"price": 0.00003}, "cache_write_input_token": {"price": 0.000375}}},
            "claude-3-7-sonnet": {"pay_as_you_go": {"request_token": {"price": 0.0003}, "response_token": {"price": 0.0015}, "cache_read_input_token": {"price": 0.00003}, "cache_write_input_token": {"price": 0.000375}}},
            "claude-sonnet-4": {"pay_as_you_go": {"request_token": {"price": 0.0003}, "response_token": {"price": 0.0015}, "cache_read_input_token": {"price": 0.00003}, "cache_write_input_token": {"price": 0.000375}}},
            "claude-opus-4": {"pay_as_you_go": {"request_token": {"price": 0.0015}, "response_token": {"price": 0.0075}, "cache_read_input_token": {"price": 0.00015}, "cache_write_input_token": {"price": 0.001875}}},
            "claude-3-haiku": {"pay_as_you_go": {"request_token": {"price": 0.000025}, "response_token": {"price": 0.000125}, "cache_read_input_token": {"price": 0.000003}, "cache_write_input_token": {"price": 0.00003}}}
          },
          "groq": {
            "llama-3.3-70b-versatile": {"pay_as_you_go": {"request_token": {"price": 0.000059}, "response_token": {"price": 0.000079}}},
            "llama-3.1-8b-instant": {"pay_as_you_go": {"request_token": {"price": 0.000005}, "response_token": {"price": 0.000008}}}
          },
          "mistral-ai": {
            "mistral-large-latest": {"pay_as_you_go": {"request_token": {"price": 0.0002}, "response_token": {"price": 0.0006}}},
            "mistral-small-latest": {"pay_as_you_go": {"request_token": {"price": 0.00001}, "response_token": {"price": 0.00003}}}
          },
          "deepseek": {
            "deepseek-chat": {"pay_as_you_go": {"request_token": {"price": 0.000027}, "response_token": {"price": 0.00011}, "cache_read_input_token": {"price": 0.000007}}},
            "deepseek-reasoner": {"pay_as_you_go": {"request_token": {"price": 0.000055}, "response_token": {"price": 0.000219}, "cache_read_input_token": {"price": 0.000014}}}
          },
          "google": {
            "gemini-2.0-flash": {"pay_as_you_go": {"request_token": {"price": 0.00001}, "response_token": {"price": 0.00004}}},
            "gemini-1.5-pro": {"pay_as_you_go": {"request_token": {"price": 0.000125}, "response_token": {"price": 0.0005}}}
          }
        }
        """#
}
