"""OpenAPI 3.0/3.1 parts -> model: parameters, request bodies, responses, examples. PURE."""

from __future__ import annotations

from typing import Any

from mockingbird.openapi.loading._context import LoadContext
from mockingbird.openapi.loading._pointers import join
from mockingbird.openapi.model import (
    MISSING,
    Example,
    Header,
    MediaType,
    Parameter,
    RequestBody,
    Response,
)

_LOCATIONS = ("path", "query", "header", "cookie")
_DEFAULT_STYLE = {"path": "simple", "header": "simple", "query": "form", "cookie": "form"}


def build_examples(ctx: LoadContext, raw: Any, pointer: str) -> tuple[Example, ...]:
    """A named ``examples`` map (entries may ``$ref`` components/examples) as ``Example``s."""
    if not isinstance(raw, dict):
        return ()
    examples: list[Example] = []
    for name, node in raw.items():
        node, _ = ctx.deref(node, join(pointer, name))
        if not isinstance(node, dict):
            continue
        examples.append(
            Example(
                name=str(name),
                value=node.get("value", MISSING),
                summary=node.get("summary"),
                external_value=node.get("externalValue"),
            )
        )
    return tuple(examples)


def build_content(ctx: LoadContext, raw: Any, pointer: str) -> dict[str, MediaType]:
    """A ``content`` map (media type -> MediaType)."""
    if not isinstance(raw, dict):
        return {}
    content: dict[str, MediaType] = {}
    for content_type, node in raw.items():
        at = join(pointer, content_type)
        if not isinstance(node, dict):
            node = {}
        encoding = node.get("encoding")
        content[str(content_type)] = MediaType(
            content_type=str(content_type),
            schema=ctx.schema(node.get("schema"), f"{at}/schema"),
            example=node.get("example", MISSING),
            examples=build_examples(ctx, node.get("examples"), f"{at}/examples"),
            encoding=encoding if isinstance(encoding, dict) else {},
        )
    return content


def build_parameter(ctx: LoadContext, node: dict[str, Any], pointer: str) -> Parameter | None:
    """One (already dereferenced) 3.x parameter; ``None`` (with a warning) for an unknown ``in``."""
    location = node.get("in")
    name = node.get("name")
    if location not in _LOCATIONS or not isinstance(name, str):
        ctx.warn(f"{ctx.source}#{pointer}: parameter with in={location!r} name={name!r} ignored")
        return None
    style = str(node.get("style") or _DEFAULT_STYLE[location])
    schema = ctx.schema(node.get("schema"), f"{pointer}/schema")
    content_type = None
    example, examples = (
        node.get("example", MISSING),
        build_examples(ctx, node.get("examples"), f"{pointer}/examples"),
    )
    content = node.get("content")
    if isinstance(content, dict) and content:
        media = build_content(ctx, content, f"{pointer}/content")
        content_type, first = next(iter(media.items()))
        schema = schema or first.schema
        example = first.example if example is MISSING else example
        examples = examples or first.examples
    return Parameter(
        name=name,
        location=location,
        required=location == "path" or bool(node.get("required", False)),
        schema=schema,
        style=style,
        explode=bool(node.get("explode", style == "form")),
        allow_empty=node.get("allowEmptyValue") is not False,  # see model.Parameter.allow_empty
        content_type=content_type,
        example=example,
        examples=examples,
        deprecated=bool(node.get("deprecated", False)),
    )


def build_request_body(ctx: LoadContext, raw: Any, pointer: str) -> RequestBody | None:
    """A 3.x ``requestBody`` (possibly a ``$ref``)."""
    if raw is None:
        return None
    node, at = ctx.deref(raw, pointer)
    if not isinstance(node, dict):
        raise ctx.error(pointer, "requestBody must be an object")
    return RequestBody(
        required=bool(node.get("required", False)),
        content=build_content(ctx, node.get("content"), f"{at}/content"),
    )


def build_headers(ctx: LoadContext, raw: Any, pointer: str) -> dict[str, Header]:
    """A response ``headers`` map; header objects may ``$ref`` components/headers."""
    if not isinstance(raw, dict):
        return {}
    headers: dict[str, Header] = {}
    for name, value in raw.items():
        node, at = ctx.deref(value, join(pointer, name))
        if not isinstance(node, dict):
            continue
        schema = ctx.schema(node.get("schema"), f"{at}/schema")
        example = node.get("example", MISSING)
        examples = build_examples(ctx, node.get("examples"), f"{at}/examples")
        content = node.get("content")
        if schema is None and isinstance(content, dict) and content:
            first = next(iter(build_content(ctx, content, f"{at}/content").values()))
            schema, example = first.schema, first.example if example is MISSING else example
        headers[str(name)] = Header(
            name=str(name),
            required=bool(node.get("required", False)),
            schema=schema,
            example=example,
            examples=examples,
        )
    return headers


def status_key(code: Any) -> str | None:
    """Normalise a response key: ints from YAML -> str, ``2xx`` -> ``2XX``; ``None`` if not a status."""
    text = str(code).strip()
    if text == "default":
        return text
    if len(text) == 3 and text[0] in "12345" and (text[1:].isdigit() or text[1:].upper() == "XX"):
        return text.upper()
    return None


def build_responses(ctx: LoadContext, raw: Any, pointer: str) -> dict[str, Response]:
    """A 3.x ``responses`` map in spec order."""
    responses: dict[str, Response] = {}
    if not isinstance(raw, dict):
        return responses
    for code, value in raw.items():
        status = status_key(code)
        at = join(pointer, code)
        if status is None:
            if not str(code).startswith("x-"):
                ctx.warn(f"{ctx.source}#{at}: {code!r} is not a status code; ignored")
            continue
        node, target = ctx.deref(value, at)
        if not isinstance(node, dict):
            raise ctx.error(at, "a response must be an object")
        key = ("response", status, target)
        response = ctx.memo.get(key) if target != at else None
        if response is None:
            response = Response(
                status=status,
                description=str(node.get("description") or ""),
                headers=build_headers(ctx, node.get("headers"), f"{target}/headers"),
                content=build_content(ctx, node.get("content"), f"{target}/content"),
            )
            if target != at:
                ctx.memo[key] = response
        responses[status] = response
    return responses
