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
