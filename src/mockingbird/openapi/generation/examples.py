"""Choosing the example body of a media type. PURE.

Order (what Prism and the OpenAPI spec imply):

1. the media type's ``example``;
2. its named ``examples``: the first one, or the one asked for by name (``Prefer:
   example=NAME``); an unknown name raises ``ExampleNotFoundError`` listing the names;
3. the schema's own ``example``, else the first of its (3.1) ``examples`` list;
4. an example *assembled* from the schema: properties carrying ``example``/``examples``/
   ``default``/``const``/a single-value ``enum`` use that value when it conforms, the rest is
   generated, so the whole value conforms (see ``generate.DataGenerator``).

Spec examples (1-3) are returned as the author wrote them, even when they do not conform to
the schema: ``ChosenExample.from_spec`` tells them apart from assembled ones. One tolerance:
a JSON media type whose example is a *string holding a JSON object or array* (Jira writes
``"example": "{\"id\":10001}"``) yields the decoded value, unless the schema says the
body is a string.
Treat returned values as read-only: spec examples are the loaded document's own objects.

Example::

    gen = DataGenerator(spec.resolve)
    chosen = choose_example(media, gen, rng=random.Random(seed), hints={"petId": "7"})
    if chosen is not None:
        body, origin = chosen.value, chosen.source      # origin: "example", "examples", ...
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mockingbird.errors import ExampleNotFoundError
from mockingbird.openapi.generation.generator import DataGenerator
from mockingbird.openapi.model import MISSING, MediaType, Operation, Response

_JSONISH = re.compile(r"(^|[/+])json\b", re.IGNORECASE)

ExampleSource = Literal["example", "examples", "schema-example", "assembled"]


@dataclass(frozen=True, slots=True)
class ChosenExample:
    """An example body and where it came from.

    ``source`` is ``"example"`` (media-type ``example``), ``"examples"`` (a named example,
    ``name`` set), ``"schema-example"`` (the schema's own example) or ``"assembled"``.
    """

    value: Any
    source: ExampleSource
    name: str | None = None

    @property
    def from_spec(self) -> bool:
        """Whether the spec's author wrote this value (it may not conform to the schema)."""
        return self.source != "assembled"


def example_names(media: MediaType) -> tuple[str, ...]:
    """The names of ``media``'s named examples that carry a value, in spec order."""
    return tuple(e.name for e in media.examples if e.value is not MISSING)


def response_example_names(response: Response) -> tuple[str, ...]:
    """Every example name across ``response``'s media types (first occurrence order)."""
    return tuple(dict.fromkeys(n for media in response.content.values() for n in example_names(media)))


def operation_example_names(operation: Operation) -> dict[str, tuple[str, ...]]:
    """Example names per status code of ``operation`` (statuses without names are left out).

    Example:
        >>> operation_example_names(op)   # doctest: +SKIP
        {'200': ('cat', 'dog'), '404': ('missing',)}
    """
    out: dict[str, tuple[str, ...]] = {}
    for status, response in operation.responses.items():
        names = response_example_names(response)
        if names:
            out[status] = names
    return out


def find_named_example(media_types: Iterable[MediaType], name: str) -> tuple[MediaType, Any]:
    """The first media type having example ``name``, and that example's value.

    Raises:
        ExampleNotFoundError: no media type has it; ``available`` lists the names that exist.
    """
    medias = list(media_types)
    for media in medias:
        for example in media.examples:
            if example.name == name and example.value is not MISSING:
                return media, example.value
    raise ExampleNotFoundError(name, list(dict.fromkeys(n for m in medias for n in example_names(m))))


def spec_example(
    media: MediaType, generator: DataGenerator, *, name: str | None = None
) -> ChosenExample | None:
    """The spec author's example for ``media`` (steps 1-3), or ``None`` when there is none.

    Raises:
        ExampleNotFoundError: ``name`` was given and ``media`` has no such named example.
    """
    found = _author_example(media, generator, name)
    if found is None or not isinstance(found.value, str) or not _JSONISH.search(media.content_type):
        return found
    text = found.value.strip()
    if not text.startswith(("{", "[")) or _string_body(media, generator):
        return found
    try:
        decoded = json.loads(text)
    except ValueError:
        return found
    return ChosenExample(decoded, found.source, found.name)


def _string_body(media: MediaType, generator: DataGenerator) -> bool:
    schema = media.schema
    if not isinstance(schema, dict):
        return False
    types = generator.flat(schema).get("type") or ()
    return "string" in types and "object" not in types and "array" not in types


def _author_example(media: MediaType, generator: DataGenerator, name: str | None) -> ChosenExample | None:
    if name is not None:
        for example in media.examples:
            if example.name == name and example.value is not MISSING:
                return ChosenExample(example.value, "examples", example.name)
        raise ExampleNotFoundError(name, example_names(media))
    if media.example is not MISSING:
        return ChosenExample(media.example, "example")
    for example in media.examples:
        if example.value is not MISSING:
            return ChosenExample(example.value, "examples", example.name)
    schema = media.schema
    if isinstance(schema, dict):
        flat = generator.flat(schema)
        if "example" in flat:
            return ChosenExample(flat["example"], "schema-example")
        listed = flat.get("examples")
        if isinstance(listed, list) and listed:
            return ChosenExample(listed[0], "schema-example")
    return None


def choose_example(
    media: MediaType,
    generator: DataGenerator,
    *,
    rng: random.Random,
    name: str | None = None,
    hints: Mapping[str, Any] | None = None,
    problems: list[str] | None = None,
) -> ChosenExample | None:
    """The example body for ``media``: the spec's own example first, else an assembled one.

    Args:
        media: the response (or request) media type.
        generator: the spec's ``DataGenerator`` (its caches are reused).
        rng: randomness for the generated parts of an assembled example; seed it with
            something stable (server seed + operation) for a stable example.
        name: a named example to use (``Prefer: example=NAME``).
        hints: path parameters, applied to assembled examples only (spec examples are
            served as written).
        problems: receives why an assembled example cannot conform when the schema
            contradicts itself (see ``DataGenerator.generate``).

    Returns:
        ``None`` when there is neither an example nor a schema (no body to send).

    Raises:
        ExampleNotFoundError: ``name`` is not one of ``example_names(media)``.
        SchemaGenerationError: the schema admits no value.
    """
    found = spec_example(media, generator, name=name)
    if found is not None:
        return found
    if media.schema is None:
        return None
    value = generator.generate(media.schema, rng=rng, hints=hints, use_examples=True, problems=problems)
    return ChosenExample(value, "assembled")
