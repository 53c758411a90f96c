"""Every corpus spec serves, and every answer validates against its response schema.

For each spec in ``<repo>/../shared/corpus/openapi`` the mock is served on a real
socket; for every operation (a seeded sample of 40 on the huge specs) the default
response and a ``Prefer: dynamic=true`` one are requested, and each JSON body is
validated with the independent ``jsonschema`` package against the schema in the
spec *as written* (``spec.document``), with only the OpenAPI-to-JSON-Schema mapping
every tool needs: 3.0 ``nullable`` / 2.0 ``x-nullable`` add ``null``, and
``writeOnly`` properties are not required in responses (OpenAPI 3, "writeOnly").
Draft 4 for 2.0/3.0, 2020-12 for 3.1, as ``../shared/tools/conformance.py`` does.
No answer may be a 5xx.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi import load_spec
from mockingbird.openapi.model import MISSING, Operation, Parameter

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "openapi"
SAMPLE = 40


def _entries() -> list[Path]:
    if not CORPUS.is_dir():
        raise FileNotFoundError(f"the spec corpus is missing: expected it at {CORPUS}")
    index = (CORPUS / "INDEX.md").read_text()
    names = re.findall(r"^\| `([^`]+)` \|", index, flags=re.M)
    return [CORPUS / name for name in names]


def _normalise(node: Any, write_only: bool = True) -> Any:
    if isinstance(node, list):
        return [_normalise(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _normalise(value) for key, value in node.items()}
    if out.get("nullable") is True or out.get("x-nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        elif "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    props = out.get("properties")
    if isinstance(out.get("required"), list) and isinstance(props, dict):
        out["required"] = [
            name for name in out["required"]
            if not (isinstance(props.get(name), dict) and props[name].get("writeOnly") is True)
        ]
    return out


class _Doc:
    def __init__(self, document: dict[str, Any]) -> None:
        self.raw = document
        self.norm = _normalise(document)
        self.v2 = "swagger" in document
        self.v31 = str(document.get("openapi", "")).startswith("3.1")

    def follow(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            node = self.at(node["$ref"])
            seen += 1
            if seen > 20:
                break
        return node

    def at(self, pointer: str) -> Any:
        node: Any = self.raw
        for token in pointer[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def response_schema_pointer(self, op: Operation, status: int, content_type: str) -> str | None:
        path_item = self.follow(self.raw["paths"][op.path])
        operation = self.follow(path_item[op.method.lower()])
        responses = operation.get("responses", {})
        key = next(
            (k for k in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default") if k in responses),
            None,
        )
        if key is None:
            return None
        base = f"/paths/{op.path.replace('~', '~0').replace('/', '~1')}/{op.method.lower()}/responses/{key}"
        response = responses[key]
        while isinstance(response, dict) and "$ref" in response:
            base = response["$ref"][1:]
            response = self.at(response["$ref"])
        if self.v2:
            return f"#{base}/schema" if "schema" in response else None
        content = response.get("content", {})
        ct = content_type.split(";")[0].strip()
        media_key = next((k for k in content if k.split(";")[0].strip() == ct), None)
        if media_key is None:
            media_key = next((k for k in content if "*" in k), None)
        if media_key is None or "schema" not in content[media_key]:
            return None
        return f"#{base}/content/{media_key.replace('~', '~0').replace('/', '~1')}/schema"

    def validate(self, body: Any, pointer: str) -> None:
        cls = jsonschema.Draft202012Validator if self.v31 else jsonschema.Draft4Validator
        # The whole document is the root resource, so every local $ref resolves.
        schema = {**self.norm, "$ref": pointer}
        errors = sorted(cls(schema, format_checker=None).iter_errors(body), key=lambda e: list(e.path))
        if errors:
            raise AssertionError(f"{pointer}: {errors[0].message[:300]} at {list(errors[0].absolute_path)}")


def _value_for(param: Parameter, rng: random.Random) -> str:
    schema = param.schema or {}
    if param.example is not MISSING and isinstance(param.example, (str, int, float)):
        return str(param.example)
    enum = schema.get("enum")
    if enum:
        return str(enum[0])
    kind = schema.get("type")
    kind = next((t for t in kind if t != "null"), "string") if isinstance(kind, list) else kind
    if kind in ("integer", "number"):
        minimum = schema.get("minimum", 1)
        return str(int(minimum) if isinstance(minimum, (int, float)) else 1)
    if kind == "boolean":
        return "true"
    return "abc"


def _url_for(op: Operation, rng: random.Random) -> str:
    path = op.path
    for param in op.parameters:
        if param.location == "path":
            path = path.replace("{" + param.name + "}", quote(_value_for(param, rng), safe=""))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("entry", _entries(), ids=lambda p: p.name if p.parent == CORPUS else p.parent.parent.name)
def test_corpus_spec_serves_schema_valid_answers(entry: Path) -> None:
    spec = load_spec(str(entry))
    doc = _Doc(dict(spec.document))
    ops = list(spec.iter_operations())
    rng = random.Random(1)
    if len(ops) > SAMPLE:
        ops = rng.sample(ops, SAMPLE)
    app = MockApp(spec, seed=1, validate=False, auth=False)
    failures: list[str] = []
    with ThreadedServer(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        for op in ops:
            target = _url_for(op, rng)
            for headers in ({}, {"Prefer": "dynamic=true"}):
                resp = client.request(op.method, target, headers=headers)
                if resp.status_code >= 500:
                    failures.append(f"{op.key} {headers}: {resp.status_code} {resp.text[:200]}")
                    continue
                ctype = resp.headers.get("content-type", "")
                if not resp.content or "json" not in ctype or op.method == "HEAD":
                    continue
                pointer = doc.response_schema_pointer(op, resp.status_code, ctype)
                if pointer is None:
                    continue
                try:
                    doc.validate(resp.json(), pointer)
                except AssertionError as exc:
                    failures.append(f"{op.key} {headers}: {exc}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:15])
