"""Every corpus spec: every response and request body schema of every operation compiles, and request
validation runs on every operation (a seeded sample of 200 operations on the huge specs)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from tests.corpus import CORPUS, index_entries

from mockingbird.errors import SchemaGenerationError
from mockingbird.openapi.checks.validation import RequestParts, RequestValidator, ValidationResult
from mockingbird.openapi.generation.generator import generate
from mockingbird.openapi.jsonschema import ValidatorCache, build_json_schema
from mockingbird.openapi.loading import load_spec
from mockingbird.openapi.matching.mediatypes import is_json, parse_media_type
from mockingbird.openapi.model import Operation

REPO = Path(__file__).resolve().parents[3]
SAMPLE = 200


@pytest.mark.slow
@pytest.mark.parametrize("entry", index_entries())
def test_every_schema_of_every_operation_compiles(entry: str) -> None:
    spec = load_spec(str(CORPUS / entry))
    operations = list(spec.iter_operations())
    if len(operations) > SAMPLE:
        operations = random.Random(1234).sample(operations, SAMPLE)
    validator = RequestValidator(spec)
    cache = ValidatorCache(spec.resolve)
    compiled = 0
    warnings: list[str] = []
    for operation in operations:
        for response in operation.responses.values():
            for media in response.content.values():
                if media.schema is not None:
                    checker = cache.get(media.schema, "response")
                    checker.is_valid(None)
                    warnings += checker.warnings
                    compiled += 1
        bodies = [operation.request_body] + [c.request_body for c in operation.callbacks]
        for body in bodies:
            for media in body.content.values() if body is not None else ():
                if media.schema is not None:
                    checker = cache.get(media.schema, "request")
                    checker.is_valid({})
                    warnings += checker.warnings
                    compiled += 1
        result = validator.validate(operation, RequestParts(method=operation.method))
        assert isinstance(result, ValidationResult)
        # An empty request is only ever missing things, never anything stranger.
        assert {v.code for v in result.violations} <= {"missing"}, (operation.key, result.violations)
    for hook in spec.webhooks:
        for media in hook.request_body.content.values() if hook.request_body is not None else ():
            if media.schema is not None:
                warnings += cache.get(media.schema, "request").warnings
                compiled += 1
    # Nothing in this corpus needs a repair: a warning here means a conversion gap.
    assert warnings == []


def _json_bodies(operation: Operation) -> list[tuple[str, Any]]:
    body = operation.request_body
    return [
        (key, media.schema)
        for key, media in (body.content.items() if body is not None else ())
        if media.schema is not None and is_json(parse_media_type(key)[0])
    ]


@pytest.mark.slow
@pytest.mark.parametrize("entry", index_entries())
def test_request_validation_agrees_with_an_independent_validator_on_generated_bodies(entry: str) -> None:
    """Generated JSON bodies go through the whole request pipeline (parse, match, validate with jsonschema-rs)
    and through the reference Python ``jsonschema``: both must give the same verdict, and most must pass."""
    spec = load_spec(str(CORPUS / entry))
    operations = [op for op in spec.iter_operations() if _json_bodies(op)]
    if len(operations) > SAMPLE:
        operations = random.Random(1234).sample(operations, SAMPLE)
    validator = RequestValidator(spec)
    verdicts: list[bool] = []
    for operation in operations:
        for key, schema in _json_bodies(operation):
            try:
                value = generate(schema, spec.resolve, rng=random.Random(7), mode="request")
            except SchemaGenerationError:
                continue  # a contradictory schema: nothing to cross-check
            media = "application/json" if "*" in key else parse_media_type(key)[0]
            result = validator.validate(
                operation, RequestParts(method=operation.method, content_type=media, body=orjson.dumps(value))
            )
            ours = not [v for v in result.violations if v.location.startswith("body") or v.status == 415]
            reference = jsonschema.Draft202012Validator(
                build_json_schema(schema, spec.resolve, mode="request"),
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            ).is_valid(value)
            assert ours == reference, (operation.key, key, value, result.violations)
            verdicts.append(ours)
    # Generated data is meant to be valid: a low pass rate means the validator is too strict.
    if len(verdicts) >= 5:
        assert sum(verdicts) / len(verdicts) >= 0.9, (
            f"{sum(verdicts)}/{len(verdicts)} generated bodies accepted"
        )
