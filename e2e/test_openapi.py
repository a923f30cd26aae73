"""`GET /openapi.json` is a valid OpenAPI 3.1 document that lists what the gateway serves."""
import httpx
from openapi_spec_validator import validate
from openapi_spec_validator.versions.shortcuts import get_spec_version


def test_openapi_document_is_valid_openapi_3_1(gateway):
    response = httpx.get(f"{gateway.base_url}/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    version = get_spec_version(document)
    assert (version.major, version.minor) == ("3", "1")
    validate(document)
    assert "post" in document["paths"]["/v1/chat/completions"]
    assert set(document["paths"]["/v1/configs/{slug}"]) == {"get", "put", "delete"}


def answer_schema(document, path, method, status):
    """A validator for the answer `document` promises for `method path` → `status` (its references resolving in it)."""
    from jsonschema import Draft202012Validator

    def escape(token):
        return token.replace("~", "~0").replace("/", "~1")

    pointer = "/".join(["#", "paths", escape(path), method, "responses", str(status), "content",
                        escape("application/json"), "schema"])
    return Draft202012Validator({**document, "$ref": pointer})


def test_answers_match_the_document(gateway):
    """Real answers of the gateway validate against the schemas its own document carries (the seeds' for the
    operations that follow a seed, Switchboard's own for the registry), so tools can trust it."""
    base = gateway.base_url
    document = httpx.get(f"{base}/openapi.json").json()
    created = httpx.post(f"{base}/v1/configs", json={"name": "doc-check", "config": {"retry": {"attempts": 2}}})
    assert created.status_code == 200, created.text
    slug = created.json()["data"]["slug"]
    preset = httpx.post(f"{base}/api/v1/presets/doc-check/chat/completions",
                        json={"model": "mock/mock-1", "messages": [{"role": "user", "content": "hi"}]})
    assert preset.status_code == 200, preset.text
    checks = [
        ("/v1/configs", "get", 200, "/v1/configs"),
        ("/v1/configs/{slug}", "get", 200, f"/v1/configs/{slug}"),
        ("/v1/configs/{slug}/versions", "get", 200, f"/v1/configs/{slug}/versions"),
        ("/api/v1/presets", "get", 200, "/api/v1/presets"),
        ("/api/v1/presets/{slug}", "get", 200, "/api/v1/presets/doc-check"),
        ("/api/v0/models", "get", 200, "/api/v0/models"),
    ]
    for template, method, status, path in checks:
        response = httpx.request(method.upper(), f"{base}{path}")
        assert response.status_code == status, (path, response.text)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in answer_schema(document, template, method, status).iter_errors(response.json())]
        assert not errors, (path, errors[:5])
    # An error answer follows the document's error schema too.
    missing = httpx.get(f"{base}/v1/configs/no-such-config")
    assert missing.status_code == 404
    from jsonschema import Draft202012Validator
    error_schema = Draft202012Validator({**document, "$ref": "#/components/schemas/Switchboard.PortkeyError"})
    assert not list(error_schema.iter_errors(missing.json()))
