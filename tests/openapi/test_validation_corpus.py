"""Every corpus spec: every response and request body schema of every operation compiles, and request
validation runs on every operation (a seeded sample of 200 operations on the huge specs)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from mockingbird.openapi.jsonschema import compile_validator
from mockingbird.openapi.loader import load_spec
from mockingbird.openapi.validation import RequestParts, RequestValidator, ValidationResult

REPO = Path(__file__).resolve().parents[2]
SAMPLE = 200


def find_corpus() -> Path | None:
    """``<repo root>/../shared/corpus/openapi`` (or beside an ancestor, for git worktrees)."""
    for parent in (REPO, *REPO.parents):
        candidate = parent.parent / "shared" / "corpus" / "openapi"
        if (candidate / "INDEX.md").is_file():
            return candidate
    return None


CORPUS = find_corpus()


def corpus_entries() -> list[str]:
    if CORPUS is None:
        # Never skip: CI has shared/ beside the checkout, and a missing corpus must fail loudly.
        return ["<missing>"]
    return re.findall(r"^\| `([^`]+)` \|", (CORPUS / "INDEX.md").read_text(encoding="utf-8"), flags=re.MULTILINE)


@pytest.mark.slow
@pytest.mark.parametrize("entry", corpus_entries())
def test_every_schema_of_every_operation_compiles(entry: str) -> None:
    assert CORPUS is not None, f"the OpenAPI corpus is missing: expected {REPO.parent}/shared/corpus/openapi"
    spec = load_spec(str(CORPUS / entry))
    operations = list(spec.iter_operations())
    if len(operations) > SAMPLE:
        operations = random.Random(1234).sample(operations, SAMPLE)
    validator = RequestValidator(spec)
    compiled = 0
    for operation in operations:
        for response in operation.responses.values():
            for media in response.content.values():
                if media.schema is not None:
                    compile_validator(media.schema, spec.resolve, mode="response").is_valid(None)
                    compiled += 1
        bodies = [operation.request_body] + [c.request_body for c in operation.callbacks]
        for body in bodies:
            for media in (body.content.values() if body is not None else ()):
                if media.schema is not None:
                    compile_validator(media.schema, spec.resolve, mode="request").is_valid({})
                    compiled += 1
        result = validator.validate(operation, RequestParts(method=operation.method))
        assert isinstance(result, ValidationResult)
        # An empty request is only ever missing things, never anything stranger.
        assert {v.code for v in result.violations} <= {"missing"}, (operation.key, result.violations)
    for hook in spec.webhooks:
        for media in (hook.request_body.content.values() if hook.request_body is not None else ()):
            if media.schema is not None:
                compile_validator(media.schema, spec.resolve, mode="request")
                compiled += 1
