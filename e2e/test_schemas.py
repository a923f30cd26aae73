"""The control plane driven through the seeds' OpenAPI documents by schemathesis (a property-based API tester):
Portkey's implemented operations and OpenRouter's presets, with the checks `not_a_server_error`,
`content_type_conformance`, `response_schema_conformance` and `negative_data_rejection`, a bounded number of
examples per operation. The documents are the seeds cut down to what Switchboard implements (e2e/spec/cut.py).

Where Switchboard differs from a seed on purpose (docs/control-plane.md, "Where Switchboard differs"), the
difference is listed in ALLOWED with the reason; anything else schemathesis finds fails this test, with the
`curl` that reproduces it in the output.
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import run_gateway

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN_KEY = "sb-schemathesis-admin-key-0123456789abcdef"
CHECKS = "not_a_server_error,content_type_conformance,response_schema_conformance,negative_data_rejection"

# (operation, what schemathesis reports) → why it is not a defect.
ALLOWED = {
    ("POST /api-keys/{id}/rotate", "Schema-violating request accepted"):
        "key_transition_period_ms may be shorter than the schema's 30 minutes, down to 0 (no overlap)",
    ("GET /virtual-keys", "Schema-violating request accepted"):
        "current_page and page_size are optional (the seed marks them required and documents defaults; "
        "the portkey-ai SDK's list() sends neither)",
}


@pytest.fixture(scope="module")
def guarded_gateway(tmp_path_factory):
    yield from run_gateway(tmp_path_factory.mktemp("schemas"), {"SWITCHBOARD_ADMIN_KEY": ADMIN_KEY})


def schemathesis(spec, base_url, header, report):
    command = [
        os.path.join(os.path.dirname(sys.executable), "schemathesis"), "--no-color", "run", os.path.join(HERE, "spec", spec),
        "--url", base_url, "-H", header, "--checks", CHECKS, "--max-examples", "10",
        "--phases", "examples,coverage,fuzzing", "--seed", "20261202", "--report", "junit",
        "--report-junit-path", str(report), "--request-timeout", "10",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def failures(report):
    """(operation, failure title) pairs of a JUnit report."""
    found = set()
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        for failure in list(case.iter("failure")) + list(case.iter("error")):
            text = (failure.get("message") or "") + "\n" + (failure.text or "")
            titles = [line.split(" ", 2)[2].strip() for line in text.splitlines() if line.startswith("- ST")]
            for title in titles or [text.strip().splitlines()[0] if text.strip() else "error"]:
                found.add((case.get("name"), title.split(" (")[0]))
    return found


@pytest.mark.parametrize("spec,prefix,header", [
    ("portkey.json", "/v1", f"x-portkey-api-key: {ADMIN_KEY}"),
    ("openrouter-presets.json", "/api/v1", f"Authorization: Bearer {ADMIN_KEY}"),
])
def test_the_control_plane_matches_the_seeds_schemas(guarded_gateway, tmp_path, spec, prefix, header):
    report = tmp_path / "junit.xml"
    run = schemathesis(spec, guarded_gateway.base_url + prefix, header, report)
    assert report.exists(), run.stdout + run.stderr
    unexpected = {failure for failure in failures(report) if failure not in ALLOWED}
    assert not unexpected, f"{sorted(unexpected)}\n\n{run.stdout[-20000:]}"
    assert "Fatal error" not in guarded_gateway.log()
