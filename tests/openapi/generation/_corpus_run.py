"""Corpus conformance run shared by the corpus test and ``scripts/corpus_generate.py``.

For one spec: every (or a seeded sample of) operation, every documented response media
type with a JSON-ish schema: the example body (``examples.choose_example``) and generated
bodies must conform to the response schema, checked by ``jsonschema_rs`` over a bundled
registry (``SpecConformance``), and must pass the product's own validator
(``openapi.jsonschema.ValidatorCache``, what the runtime uses). Request bodies are generated in request mode and checked
the same way. Spec-author examples are checked too but only counted: the runtime serves
them as written.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _schema_conformance import SpecConformance
from tests.corpus import CORPUS, index_entries

from mockingbird.openapi.generation.examples import choose_example
from mockingbird.openapi.generation.generator import DataGenerator, Mode
from mockingbird.openapi.jsonschema import ValidatorCache
from mockingbird.openapi.loading import load_spec

REPO = Path(__file__).resolve().parents[3]


JSONISH = re.compile(r"(^|[/+])json\b|^\*/\*$", re.IGNORECASE)


def corpus_entries() -> list[Path]:
    """Every corpus spec: single files, plus the entry file of each multi-file folder (INDEX.md)."""
    return [CORPUS / name for name in index_entries()]


@dataclass
class CorpusResult:
    """What one spec's run found."""

    spec: str
    targets: int = 0
    generated: int = 0
    failures: list[str] = field(default_factory=list)  # invalid with no reported contradiction
    contradictions: list[str] = field(default_factory=list)  # invalid, and the generator said why
    assembled: int = 0
    spec_examples: int = 0
    bad_spec_examples: list[str] = field(default_factory=list)


def run_spec(path: Path, *, max_operations: int | None = None, seeds: int = 2) -> CorpusResult:
    """Check generated and example bodies of one spec (a seeded sample of ``max_operations``)."""
    spec = load_spec(str(path))
    result = CorpusResult(spec=path.name)
    operations = list(spec.iter_operations())
    if max_operations is not None and len(operations) > max_operations:
        operations = random.Random(2026).sample(operations, max_operations)
    targets: list[tuple[str, Any, Mode]] = []
    for op in operations:
        for status, response in op.responses.items():
            for content_type, media in response.content.items():
                if JSONISH.search(content_type) and media.schema is not None:
                    targets.append((f"{op.key} {status} {content_type}", media, "response"))
        if op.request_body is not None:
            for content_type, media in op.request_body.content.items():
                if JSONISH.search(content_type) and media.schema is not None:
                    targets.append((f"{op.key} request {content_type}", media, "request"))
    result.targets = len(targets)
    checkers = {
        mode: SpecConformance(spec.resolve, [m.schema for _, m, md in targets if md == mode], mode=mode)
        for mode in ("response", "request")
    }
    gen = DataGenerator(spec.resolve)
    validators = ValidatorCache(spec.resolve)
    for key, media, mode in targets:
        checker = checkers[mode]
        for seed in range(seeds):
            problems: list[str] = []
            value = gen.generate(media.schema, rng=random.Random(seed), mode=mode, problems=problems)
            result.generated += 1
            errors = checker.errors(value, media.schema) + _product_errors(
                value, media.schema, validators, mode
            )
            _record(result, f"{key} (seed {seed})", errors, problems)
        if mode != "response":
            continue
        problems = []
        chosen = choose_example(media, gen, rng=random.Random(seeds), problems=problems)
        if chosen is None:
            continue
        errors = checker.errors(chosen.value, media.schema)
        if not chosen.from_spec:
            errors += _product_errors(chosen.value, media.schema, validators, mode)
        if chosen.from_spec:
            result.spec_examples += 1
            if errors:
                result.bad_spec_examples.append(f"{key} [{chosen.source}]: {errors[0]}")
        else:
            result.assembled += 1
            _record(result, f"{key} (assembled example)", errors, problems)
    return result


def _product_errors(value: Any, schema: Any, validators: ValidatorCache, mode: Mode) -> list[str]:
    validator = validators.get(schema, mode)
    if validator.is_valid(value):
        return []
    return [f"product validator: {v.message} at {v.location}" for v in validator.errors(value)[:3]]


def _record(result: CorpusResult, key: str, errors: list[str], problems: list[str]) -> None:
    if not errors:
        return
    if problems:
        result.contradictions.append(f"{key}: {problems[0]}")
    else:
        result.failures.append(f"{key}: {'; '.join(errors[:3])}")
