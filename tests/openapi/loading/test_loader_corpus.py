"""Every spec of the shared corpus loads, with INDEX.md's operation counts, and resolves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.corpus import CORPUS

from mockingbird.openapi import load_spec
from mockingbird.openapi.model import Spec

REPO = Path(__file__).resolve().parents[3]


_ROW = re.compile(r"^\| `([^`]+)` \|(?:[^|]*\|){3} [^|]* \| (\d+) \|", re.MULTILINE)
# Operations INDEX.md's scanner did not count: path items that `$ref` another path item
# (valid OpenAPI) are operations too.
_PATH_ITEM_REF_OPS = {"surevoip__api.json": 2}


def _corpus_rows() -> list[tuple[str, int]]:
    index = CORPUS / "INDEX.md"
    return [(name, int(ops)) for name, ops in _ROW.findall(index.read_text())]


ROWS = _corpus_rows()


def test_corpus_index_lists_every_spec() -> None:
    assert len(ROWS) == 34
    names = {name.split("/")[0] for name, _ in ROWS}
    assert names == {p.name for p in CORPUS.iterdir() if p.name != "INDEX.md"}


def _refs(value: Any, into: list[str]) -> None:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                into.append(ref)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _resolve_all_response_schemas(spec: Spec) -> int:
    """Follow every ref reachable from every response schema (visited set: cycles end)."""
    todo: list[str] = []
    for op in spec.operations:
        for response in op.responses.values():
            for media in response.content.values():
                _refs(media.schema, todo)
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref not in seen:
            seen.add(ref)
            target = spec.resolve(ref)
            assert isinstance(target, dict), ref
            _refs(target, todo)
    return len(seen)


@pytest.mark.parametrize(("name", "ops"), ROWS, ids=[name.split("/")[0] for name, _ in ROWS])
def test_corpus_spec_loads_with_its_operations_and_resolvable_responses(name: str, ops: int) -> None:
    spec = load_spec(CORPUS / name)
    assert len(spec.operations) == ops + _PATH_ITEM_REF_OPS.get(name, 0)
    assert len({op.key for op in spec.operations}) == len(spec.operations)
    _resolve_all_response_schemas(spec)
    for op in spec.operations:
        assert op.path.startswith("/")
        assert all(p.location in ("path", "query", "header", "cookie") for p in op.parameters)


def test_slack_type_arrays_give_exactly_one_warning() -> None:
    spec = load_spec(CORPUS / "slack__web-api.json")
    assert sum("type arrays" in w for w in spec.warnings) == 1


def test_webhook_documents_expose_webhooks() -> None:
    assert len(load_spec(CORPUS / "adyen__balanceplatform-configuration-notification-v1.json").webhooks) == 11
    github = load_spec(CORPUS / "github__api.github.com.json")
    assert len(github.webhooks) >= 218 and github.base_path == ""


def test_multi_file_digitalocean_bundles_every_ref() -> None:
    spec = load_spec(CORPUS / "digitalocean__public-v2" / "specification" / "DigitalOcean-public.v2.yaml")
    refs: list[str] = []
    _refs(spec.document, refs)
    assert len(refs) > 9000 and all(ref.startswith("#/") for ref in refs)
    assert "x-mockingbird-bundled" in spec.document
