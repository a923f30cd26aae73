"""Cuts the seeds' OpenAPI documents (../shared/spec/vendor) down to the operations Switchboard implements and the
components they reference, for the schemathesis run of the test command (e2e/test_schemas.py). Run it again when a
seed or the set of implemented operations changes:

    python3 e2e/spec/cut.py ../shared/spec/vendor
"""
import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

# (seed file, output file, paths kept: a regular expression over the seed's paths)
CUTS = [
    ("portkey-openapi.yaml", "portkey.json",
     r"^/(configs|virtual-keys|providers|integrations|api-keys|logs|feedback)(/\{[^}]+\})?(/(versions|rotate|\{[^}]+\}))?$"
     r"|^/analytics/(graphs/(requests|cost|latency|tokens|errors|errors/rate|errors/status-codes|cache/hit-rate)"
     r"|summary/cache)$"),
    ("openrouter-openapi.yaml", "openrouter-presets.json", r"^/presets"),
]


def references(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/"):
                found.add(value)
            else:
                references(value, found)
    elif isinstance(node, list):
        for item in node:
            references(item, found)


def cut(document, pattern):
    paths = {path: item for path, item in document["paths"].items() if re.search(pattern, path)}
    out = {key: value for key, value in document.items() if key not in ("paths", "components")}
    out["paths"] = paths
    components = {}
    pending, seen = set(), set()
    references(paths, pending)
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        parts = ref[2:].split("/")
        node = document
        for part in parts:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        target = components.setdefault(parts[1], {})
        target[parts[2]] = node
        references(node, pending)
    # Security schemes are referenced by name, not by $ref.
    if "securitySchemes" in document.get("components", {}):
        components["securitySchemes"] = document["components"]["securitySchemes"]
    out["components"] = components
    return out


def main():
    seeds = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "spec", "vendor")
    for seed, output, pattern in CUTS:
        with open(os.path.join(seeds, seed)) as f:
            document = yaml.safe_load(f)
        result = cut(document, pattern)
        with open(os.path.join(HERE, output), "w") as f:
            json.dump(result, f, indent=1, sort_keys=True, default=str)
            f.write("\n")
        print(f"{output}: {len(result['paths'])} paths, {sum(len(v) for v in result['components'].values())} components")


if __name__ == "__main__":
    main()
