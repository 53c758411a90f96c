"""Validations per second of a typical request through RequestValidator.validate, against a bare
compiled jsonschema_rs validator on the same body, measured in the same run. Prints the ratio.

    .venv/bin/python bench/bench_validate.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import orjson

from mockingbird.openapi.checks.validation import RequestParts, RequestValidator
from mockingbird.openapi.jsonschema import build_json_schema
from mockingbird.openapi.model import MediaType, Operation, Parameter, RequestBody, Spec

SCHEMAS: dict[str, Any] = {
    "#/components/schemas/NewPet": {
        "type": "object",
        "required": ["name", "status"],
        "properties": {
            "id": {"type": "integer", "format": "int64", "readOnly": True},
            "name": {"type": "string", "minLength": 1, "maxLength": 64},
            "status": {"type": "string", "enum": ["available", "pending", "sold"]},
            "owner": {"type": "string", "format": "email"},
            "born": {"type": "string", "format": "date"},
            "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
        },
    },
    "#/components/schemas/Tag": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
}
SPEC = Spec(title="bench", version="1", source="inline", resolve=SCHEMAS.__getitem__)
OPERATION = Operation(
    method="POST",
    path="/pets",
    parameters=(
        Parameter(name="limit", location="query", schema={"type": "integer", "minimum": 1, "maximum": 100}),
        Parameter(name="tags", location="query", schema={"type": "array", "items": {"type": "string"}}),
        Parameter(name="dryRun", location="query", schema={"type": "boolean"}),
        Parameter(name="X-Request-Id", location="header", schema={"type": "string", "format": "uuid"}),
    ),
    request_body=RequestBody(
        required=True,
        content={
            "application/json": MediaType(
                content_type="application/json", schema={"$ref": "#/components/schemas/NewPet"}
            )
        },
    ),
)
BODY = orjson.dumps(
    {
        "name": "Rex",
        "status": "available",
        "owner": "ann@example.com",
        "born": "2020-02-02",
        "tags": [{"id": 1, "name": "good"}, {"id": 2, "name": "boy"}],
    }
)
PARTS = RequestParts(
    method="POST",
    query=[("limit", "20"), ("tags", "a"), ("tags", "b"), ("dryRun", "true")],
    headers={"x-request-id": "123e4567-e89b-12d3-a456-426614174000", "content-type": "application/json"},
    content_type="application/json",
    body=BODY,
)


def rate(fn: Callable[[], object], seconds: float) -> float:
    for _ in range(200):
        fn()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(500):
            fn()
        n += 500
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    validator = RequestValidator(SPEC)
    result = validator.validate(OPERATION, PARTS)
    if not result.ok:
        raise SystemExit(f"benchmark request is invalid: {result.violations}")
    bare = jsonschema_rs.Draft202012Validator(
        build_json_schema({"$ref": "#/components/schemas/NewPet"}, SPEC.resolve, mode="request"),
        validate_formats=True,
    )
    baseline = rate(lambda: bare.is_valid(orjson.loads(BODY)), args.seconds)
    ours = rate(lambda: validator.validate(OPERATION, PARTS), args.seconds)
    bad = RequestParts(
        method="POST",
        query=[("limit", "x")],
        content_type="application/json",
        body=b'{"name": "", "status": "lost"}',
    )
    invalid = rate(lambda: validator.validate(OPERATION, bad), args.seconds)
    print(
        f"baseline  orjson.loads + jsonschema_rs.is_valid : {baseline:>10,.0f} /s  {1e6 / baseline:6.1f} us"
    )
    print(f"mockingbird RequestValidator.validate (valid)   : {ours:>10,.0f} /s  {1e6 / ours:6.1f} us")
    print(f"mockingbird RequestValidator.validate (invalid) : {invalid:>10,.0f} /s  {1e6 / invalid:6.1f} us")
    print(f"ratio valid/baseline: {ours / baseline:.2f}   invalid/baseline: {invalid / baseline:.2f}")


if __name__ == "__main__":
    main()
