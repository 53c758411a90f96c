"""Endpoint plans: FastAPI parameters from the spec, and spec text that only ever becomes literals."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from mockingbird.generate.endpoints import Endpoint, docstring, literal, plan_endpoints, plan_webhooks
from mockingbird.generate.names import NameAllocator
from mockingbird.openapi.loading import spec_from_document

HOSTILE = '"""; import os; os.system("echo owned") #\\n\'\'\''


def _spec(paths: dict[str, Any], **extra: Any) -> Any:
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}
    return spec_from_document(document, "t.yaml")


def _ok(summary: str = "") -> dict[str, Any]:
    return {"summary": summary, "responses": {"200": {"description": "ok"}}}


def _module(endpoints: list[Endpoint]) -> str:
    """The endpoint functions as main.py writes them (the template's shape)."""
    out = []
    for e in endpoints:
        args = "".join(f"\n    {a.render()}," for a in e.arguments)
        out.append(
            f"@{e.decorator}\nasync def {e.function}({args}\n) -> Any:\n    {e.docstring}\n    return 1\n"
        )
    return "\n\n".join(out)


@pytest.mark.parametrize(
    "text", ["plain", 'say "hi"', "back\\slash", HOSTILE, "tab\there", 'ends with quote"']
)
def test_a_literal_evaluates_to_the_text_itself(text: str) -> None:
    assert ast.literal_eval(literal(text)) == text


@pytest.mark.parametrize("text", ["One line.", "Two\n\nparagraphs", HOSTILE, 'ends "quoted"', "x\x00\x1by"])
def test_a_docstring_is_one_string_literal_whatever_the_text(text: str) -> None:
    tree = ast.parse(f"def f():\n    {docstring([text])}\n")
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef) and len(function.body) == 1
    value = ast.get_docstring(function, clean=False)
    assert value is not None and "\x00" not in value and "\x1b" not in value


def test_hostile_operation_ids_summaries_and_names_compile_to_plain_functions() -> None:
    paths = {
        "/a/{pet-id}/{class}": {
            "get": {**_ok(HOSTILE), "operationId": HOSTILE},
            "post": {**_ok(), "operationId": "class"},
            "parameters": [
                {"name": "pet-id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "class", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
        },
        "/b": {"get": {**_ok(), "operationId": "class"}, "delete": _ok()},
    }
    endpoints = plan_endpoints(_spec(paths))
    tree = ast.parse(_module(endpoints))
    functions = [node for node in tree.body if isinstance(node, ast.AsyncFunctionDef)]
    assert [f.name for f in functions] == [e.function for e in endpoints]
    assert len({e.function for e in endpoints}) == 4
    assert not any(isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr)) for node in tree.body)
    first = functions[0].decorator_list[0]
    assert isinstance(first, ast.Call)
    assert ast.literal_eval(first.args[0]) == "/a/{pet_id}/{class_}"
    assert ast.literal_eval(first.keywords[0].value) == HOSTILE
    assert endpoints[1].function == "class_" and endpoints[2].function == "class_2"
    assert endpoints[3].function == "delete_b"
    assert [a.render() for a in endpoints[0].arguments[1:]] == [
        "pet_id: Annotated[int, Path()]",
        "class_: Annotated[str, Path()]",
    ]


def test_parameters_become_typed_fastapi_parameters_with_aliases() -> None:
    parameters = [
        {"name": "limit", "in": "query", "schema": {"type": ["integer", "null"]}},
        {
            "name": "tags",
            "in": "query",
            "required": True,
            "schema": {"type": "array", "items": {"type": "string"}},
        },
        {"name": "X-Rate", "in": "header", "schema": {"type": "number"}},
        {"name": "Accept", "in": "header", "schema": {"type": "string"}},
        {"name": "session", "in": "cookie", "schema": {"type": "object"}},
        {"name": "request", "in": "query", "schema": {"type": "boolean"}},
    ]
    op = {**_ok(), "operationId": "find", "parameters": parameters,
          "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}  # fmt: skip
    (endpoint,) = plan_endpoints(_spec({"/f": {"post": op}}))
    assert [a.render() for a in endpoint.arguments] == [
        "request: Request",
        "tags: Annotated[list[str], Query()]",
        "limit: Annotated[int | None, Query()] = None",
        'x_rate: Annotated[float | None, Header(alias="X-Rate")] = None',
        "session: Annotated[str | None, Cookie()] = None",
        'request_: Annotated[bool | None, Query(alias="request")] = None',
        "body: Annotated[Any, Body()] = None",
    ]
    assert endpoint.kinds == {"Query", "Header", "Cookie", "Body"}
    assert endpoint.decorator == 'api.post("/f", operation_id="find")'


def test_an_operation_without_id_is_named_by_its_key_and_other_methods_use_api_route() -> None:
    (endpoint,) = plan_endpoints(_spec({"/pets/{id}": {"x-custom": {}, "trace": _ok("Trace it")}}))
    assert endpoint.function == "trace_pets_id"
    assert endpoint.decorator == 'api.trace("/pets/{id}", operation_id="TRACE /pets/{id}")'
    assert (
        endpoint.arguments[1].render() == "id: Annotated[str, Path()]"
    )  # undeclared template: still a parameter


def test_webhooks_get_send_functions_named_beside_the_endpoints() -> None:
    hook = {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                     "responses": {"200": {"description": "ok"}}}}  # fmt: skip
    # A callback gets no function: the runtime sends it after its operation answers.
    callbacks = {"onEvent": {"{$request.query.url}": hook}}
    spec = _spec(
        {"/send-new-pet": {"get": {**_ok(), "operationId": "send_newPet", "callbacks": callbacks}}},
        webhooks={"newPet": hook},
    )
    assert [c.name for c in spec.operations[0].callbacks] == ["onEvent"]
    names = NameAllocator(reserved={"request"})
    endpoints = plan_endpoints(spec, names)
    (webhook,) = plan_webhooks(spec, names)
    assert endpoints[0].function == "send_new_pet"
    assert webhook.function == "send_new_pet_2"
    assert ast.literal_eval(webhook.name) == "newPet"
