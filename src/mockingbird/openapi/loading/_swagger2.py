"""Swagger 2.0 parts -> model: parameters, body/formData, responses with produces. PURE."""

from __future__ import annotations

from typing import Any

from mockingbird.openapi.loading._context import LoadContext
from mockingbird.openapi.loading._openapi3 import status_key
from mockingbird.openapi.loading._pointers import join
from mockingbird.openapi.matching.mediatypes import match_media_type
from mockingbird.openapi.model import MISSING, Header, MediaType, Parameter, RequestBody, Response

_JSON = "application/json"
_MULTIPART = "multipart/form-data"
_URLENCODED = "application/x-www-form-urlencoded"
# Keywords a 2.0 non-body parameter / header / items object shares with JSON Schema.
_SCHEMA_KEYWORDS = (
    "type", "format", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf",
    "x-nullable", "description",
)  # fmt: skip
# collectionFormat -> (style, explode) for query parameters; path/header use "simple".
_QUERY_STYLE = {
    "csv": ("form", False),
    "multi": ("form", True),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
    "tsv": ("tabDelimited", False),
}


def media_types(ctx: LoadContext, operation: dict[str, Any], key: str) -> list[str]:
    """The operation's ``consumes``/``produces``, else the document's, else ``application/json``."""
    for holder in (operation, ctx.document):
        value = holder.get(key)
        if isinstance(value, list) and value:
            return [str(v) for v in value]
    return [_JSON]


def simple_schema(ctx: LoadContext, node: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The JSON Schema of a 2.0 parameter/header/items object (normalised)."""
    schema = {key: node[key] for key in _SCHEMA_KEYWORDS if key in node}
    items = node.get("items")
    if isinstance(items, dict):
        schema["items"] = items if "$ref" in items else simple_schema(ctx, items, f"{pointer}/items")
    result: dict[str, Any] = ctx.schema(schema, pointer) or {}
    return result


def build_parameter(ctx: LoadContext, node: dict[str, Any], pointer: str) -> Parameter | None:
    """A path/query/header parameter (body and formData are handled by ``build_body``)."""
    location, name = node.get("in"), node.get("name")
    if location not in ("path", "query", "header") or not isinstance(name, str):
        ctx.warn(f"{ctx.source}#{pointer}: parameter with in={location!r} name={name!r} ignored")
        return None
    fmt = str(node.get("collectionFormat") or "csv")
    if location == "query":
        style, explode = _QUERY_STYLE.get(fmt, ("form", False))
    else:
        style, explode = "simple", False
    if node.get("type") != "array":
        explode = style == "form"
    return Parameter(
        name=name,
        location=location,
        required=location == "path" or bool(node.get("required", False)),
        schema=simple_schema(ctx, node, pointer),
        style=style,
        explode=explode,
        allow_empty=node.get("allowEmptyValue") is not False,  # see model.Parameter.allow_empty
        example=node.get("x-example", MISSING),
    )


def build_body(
    ctx: LoadContext, params: list[tuple[dict[str, Any], str]], operation: dict[str, Any]
) -> RequestBody | None:
    """The request body from an ``in: body`` parameter or the ``formData`` parameters."""
    consumes = media_types(ctx, operation, "consumes")
    for node, pointer in params:
        if node.get("in") == "body":
            schema = ctx.schema(node.get("schema"), f"{pointer}/schema") or {}
            raw_examples = node.get("x-examples")
            examples: dict[str, Any] = raw_examples if isinstance(raw_examples, dict) else {}
            return RequestBody(
                required=bool(node.get("required", False)),
                content={
                    ct: MediaType(content_type=ct, schema=schema, example=examples.get(ct, MISSING))
                    for ct in consumes
                },
            )
    form = [(node, pointer) for node, pointer in params if node.get("in") == "formData"]
    if not form:
        return None
    properties: dict[str, Any] = {}
    required: list[str] = []
    has_file = False
    for node, pointer in form:
        name = str(node.get("name", ""))
        has_file = has_file or node.get("type") == "file"
        field = simple_schema(ctx, node, pointer)
        if node.get("type") == "string" and node.get("allowEmptyValue") is False and "minLength" not in field:
            field = {**field, "minLength": 1}  # an explicit allowEmptyValue: false, as for a query parameter
        properties[name] = field
        if node.get("required"):
            required.append(name)
    form_schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        form_schema["required"] = required
    form_types = [ct for ct in consumes if ct.split(";")[0].strip() in (_MULTIPART, _URLENCODED)]
    if not form_types:
        form_types = [_MULTIPART if has_file else _URLENCODED]
    return RequestBody(
        required=bool(required),
        content={ct: MediaType(content_type=ct, schema=form_schema) for ct in form_types},
    )


def _example_for(content_type: str, examples: dict[str, Any]) -> Any:
    """The example for a produced type: keyed by it, else by a key that fits it, else a lone example."""
    if content_type in examples:
        return examples[content_type]
    key = match_media_type(content_type, [str(k) for k in examples])
    if key is not None:
        return examples[key]
    return next(iter(examples.values())) if len(examples) == 1 else MISSING


def build_headers(ctx: LoadContext, raw: Any, pointer: str) -> dict[str, Header]:
    """2.0 response headers (schema-like objects)."""
    if not isinstance(raw, dict):
        return {}
    headers: dict[str, Header] = {}
    for name, node in raw.items():
        node, at = ctx.deref(node, join(pointer, name))
        if isinstance(node, dict):
            headers[str(name)] = Header(
                name=str(name), schema=simple_schema(ctx, node, at), example=node.get("x-example", MISSING)
            )
    return headers


def build_responses(ctx: LoadContext, operation: dict[str, Any], pointer: str) -> dict[str, Response]:
    """2.0 responses: ``schema`` under every ``produces`` type, ``examples`` by mime type."""
    raw = operation.get("responses")
    responses: dict[str, Response] = {}
    if not isinstance(raw, dict):
        return responses
    produces = media_types(ctx, operation, "produces")
    for code, value in raw.items():
        status = status_key(code)
        at = join(pointer, "responses", code)
        if status is None:
            if not str(code).startswith("x-"):
                ctx.warn(f"{ctx.source}#{at}: {code!r} is not a status code; ignored")
            continue
        node, target = ctx.deref(value, at)
        if not isinstance(node, dict):
            raise ctx.error(at, "a response must be an object")
        key = ("response", status, target, *produces)
        if target != at and key in ctx.memo:
            responses[status] = ctx.memo[key]
            continue
        raw_examples = node.get("examples")
        examples: dict[str, Any] = raw_examples if isinstance(raw_examples, dict) else {}
        content: dict[str, MediaType] = {}
        schema = ctx.schema(node["schema"], f"{target}/schema") if node.get("schema") is not None else None
        # `produces` bounds the types: an example keyed otherwise (`*/*`) serves the produced type it fits.
        for ct in produces:
            example = _example_for(ct, examples)
            if schema is not None or example is not MISSING:
                content[ct] = MediaType(content_type=ct, schema=schema, example=example)
        responses[status] = Response(
            status=status,
            description=str(node.get("description") or ""),
            headers=build_headers(ctx, node.get("headers"), f"{target}/headers"),
            content=content,
        )
        if target != at:
            ctx.memo[key] = responses[status]
    return responses
