/// The schemas of what Switchboard serves beyond the seeds (its error shapes, the models registry, the log list),
/// for `/openapi.json`, under the `Switchboard.` prefix.
enum OwnSchemas {
    static let json = #"""
        {
          "Switchboard.PortkeyError": {
            "type": "object", "required": ["success", "status", "message"],
            "properties": {
              "success": {"const": false}, "status": {"const": "failure"}, "message": {"type": "string"},
              "data": {"type": "object", "properties": {"message": {"type": "string"}}},
              "errors": {"type": "array", "items": {"type": "string"}}
            }
          },
          "Switchboard.OpenRouterError": {
            "type": "object", "required": ["error"],
            "properties": {
              "error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "metadata": {}}
              },
              "openrouter_metadata": {}, "user_id": {"type": ["string", "null"]}
            }
          },
          "Switchboard.Problem": {
            "type": "object", "required": ["type", "title", "status", "detail", "instance", "code"],
            "properties": {
              "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
              "detail": {"type": "string"}, "instance": {"type": "string"}, "code": {"type": "string"},
              "references": {
                "type": "array",
                "items": {
                  "type": "object",
                  "properties": {"resource": {"type": "string"}, "ids": {"type": "array", "items": {"type": "string"}}}
                }
              }
            }
          },
          "Switchboard.CacheStats": {
            "type": "object", "required": ["object", "memory", "store"],
            "properties": {
              "object": {"const": "cache"},
              "memory": {
                "type": "object", "required": ["entries", "bytes", "max_bytes", "evictions", "vectors"],
                "properties": {
                  "entries": {"type": "integer"}, "bytes": {"type": "integer"}, "max_bytes": {"type": "integer"},
                  "evictions": {"type": "integer"}, "vectors": {"type": "integer"}
                }
              },
              "store": {
                "type": "object", "required": ["entries", "bytes"],
                "properties": {"entries": {"type": "integer"}, "bytes": {"type": "integer"}}
              }
            }
          },
          "Switchboard.CacheDeleted": {
            "type": "object", "required": ["object", "deleted"],
            "properties": {
              "object": {"const": "cache"}, "namespace": {"type": ["string", "null"]}, "deleted": {"type": "integer"}
            }
          },
          "Switchboard.RegistryModelBody": {
            "type": "object", "required": ["provider", "model"], "additionalProperties": false,
            "properties": {
              "id": {"type": ["string", "null"]}, "resource": {"type": ["string", "null"]}, "etag": {"type": ["string", "null"]},
              "provider": {"type": "string", "minLength": 1}, "model": {"type": "string", "minLength": 1},
              "api_key": {"type": ["string", "null"]}, "api_url": {"type": ["string", "null"]},
              "params": {"type": ["object", "null"]}, "organization": {"type": ["string", "null"]},
              "default": {"type": ["boolean", "null"]}, "max_tool_iterations": {"type": ["integer", "null"]},
              "pricing": {"type": ["object", "null"]}
            }
          },
          "Switchboard.RegistryModel": {
            "type": "object", "required": ["resource", "id", "provider", "model"],
            "properties": {
              "resource": {"const": "model"}, "id": {"type": "string"}, "provider": {"type": "string"},
              "model": {"type": "string"}, "api_key": {"type": "string", "description": "Masked."},
              "api_url": {"type": "string"}, "params": {"type": "object"}, "organization": {"type": "string"},
              "default": {"type": "boolean"}, "max_tool_iterations": {"type": "integer"}, "etag": {"type": "string"}
            }
          },
          "Switchboard.RegistryModelEnvelope": {
            "type": "object", "required": ["status", "message", "data"],
            "properties": {
              "status": {"type": "integer"}, "message": {"type": "string"},
              "data": {"$ref": "#/components/schemas/Switchboard.RegistryModel"}
            }
          },
          "Switchboard.RegistryPage": {
            "type": "object", "required": ["status", "message", "data"],
            "properties": {
              "status": {"type": "integer"}, "message": {"type": "string"},
              "data": {
                "type": "object", "required": ["models", "page"],
                "properties": {
                  "models": {"type": "array", "items": {"$ref": "#/components/schemas/Switchboard.RegistryModel"}},
                  "page": {
                    "type": "object", "required": ["limit"],
                    "properties": {
                      "limit": {"type": "integer"}, "total": {"type": "integer"},
                      "next_cursor": {"type": "string"}, "prev_cursor": {"type": "string"}
                    }
                  }
                }
              }
            }
          },
          "Switchboard.LogList": {
            "type": "object", "required": ["total", "data"],
            "properties": {
              "object": {"const": "list"}, "total": {"type": "integer"},
              "data": {"type": "array", "items": {"type": "object", "description": "A log, as GET /v1/logs/{id} shows it without its bodies."}}
            }
          }
        }
        """#
}
