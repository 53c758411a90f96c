"""Hostile documents: the inputs a malicious spec author or spec host would try.

Each function builds one kind of attack as text (or a set of routes for a spec host):
alias bombs, deep nesting, reference chains through remote URLs, huge enums and numbers,
pathological regex patterns, references to hosts and files a remote spec must not reach.
``CASES`` lists them with the outcome mockingbird must show: a clear refusal (exit 2, one
line) or a healthy server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.hostile.servers import Reply, Writer, endless, redirect, trickle

HEAD = "openapi: 3.0.3\ninfo: {title: hostile, version: '1'}\n"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs" YAML: ``width`` aliases per level, ``levels`` deep (600 bytes, 9**9 nodes)."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def deep_json(depth: int) -> str:
    """``depth`` nested JSON arrays."""
    return "[" * depth + "]" * depth


def deep_yaml(depth: int, *, flow: bool) -> str:
    """``depth`` nested YAML collections, as flow sequences or as indented block mappings."""
    if flow:
        return "[" * depth + "]" * depth
    return "".join("  " * level + "k:\n" for level in range(depth - 1)) + "  " * (depth - 1) + "k: v\n"


def spec(paths: str = "", components: str = "", extra: str = "") -> str:
    """A small OpenAPI 3.0 document with the given ``paths`` and ``components`` YAML blocks."""
    return (
        HEAD + "paths:\n" + (paths or "  {}\n") + (f"components:\n{components}" if components else "") + extra
    )


def operation(schema: str, path: str = "/items") -> str:
    """One ``GET path`` whose 200 JSON response has ``schema`` (a YAML flow mapping)."""
    return (
        f"  {path}:\n    get:\n      responses:\n        '200':\n          description: ok\n"
        f"          content:\n            application/json:\n              schema: {schema}\n"
    )


def alias_bomb_spec() -> str:
    """A spec carrying the 600-byte alias bomb in an extension."""
    return spec(extra="x-lol:\n" + "".join(f"  {line}\n" for line in alias_bomb().splitlines()))


def deep_schema_spec(depth: int) -> str:
    """A response schema nested ``depth`` objects deep (two document levels per schema level)."""
    schema = '{"type": "string"}'
    for _ in range(depth):
        schema = '{"type": "object", "properties": {"a": ' + schema + "}}"
    return spec(operation(schema))


def huge_enum_spec(size: int) -> str:
    """A string enum of ``size`` values."""
    return spec(operation(json.dumps({"type": "string", "enum": [f"v{n}" for n in range(size)]})))


def huge_number_spec(digits: int) -> str:
    """Numbers of ``digits`` digits as bounds and example (big integers stress generation and JSON)."""
    big = "9" * digits
    return spec(operation(f'{{"type": "integer", "minimum": {big}, "maximum": {big}0, "example": {big}}}'))


def huge_array_spec() -> str:
    """An array schema demanding a billion items of a billion-character strings."""
    return spec(
        operation(
            '{"type": "array", "minItems": 1000000000, "items": {"type": "string", "minLength": 1000000000}}'
        )
    )


def pattern_spec(pattern: str) -> str:
    """A string schema with a ``pattern`` (catastrophic backtracking, huge repetition, invalid)."""
    return spec(operation(json.dumps({"type": "string", "pattern": pattern})))


def ref_cycle_spec() -> str:
    """Schemas referencing each other in a cycle, and one referencing itself."""
    return spec(
        operation('{"$ref": "#/components/schemas/A"}'),
        "  schemas:\n    A: {type: object, properties: {b: {$ref: '#/components/schemas/B'}}}\n"
        "    B: {type: object, properties: {a: {$ref: '#/components/schemas/A'}}}\n"
        "    S: {$ref: '#/components/schemas/S'}\n",
    )


def ref_to(url: str) -> str:
    """A spec whose response schema is ``$ref: url``."""
    return spec(operation(json.dumps({"$ref": url})))


def endless_refs(counter: list[int]) -> Writer:
    """A spec host route answering each document with a ``$ref`` to a new one (never ends)."""

    def write(handler: Any) -> None:
        counter[0] += 1
        body = json.dumps(
            {"type": "object", "properties": {"next": {"$ref": f"/chain?n={counter[0]}"}}}
        ).encode()
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return write


@dataclass
class Case:
    """One hostile input.

    Attributes:
        name: what it is.
        spec: the root spec text, served at ``/spec.yaml`` (``{base}`` and ``{other}`` are filled in
            with the spec host's and a second origin's base URLs), or loaded from a file when ``local``.
        routes: more routes of the spec host (``{base}``/``{other}`` filled in for ``redirect`` targets).
        other_routes: routes of the second origin (127.0.0.2), which must hear nothing unless allowed.
        expect: ``"refused"`` (exit 2, one line containing ``match``) or ``"healthy"`` (``/health`` answers).
        match: text the refusal line must contain.
        args: extra ``serve`` arguments.
        local: serve the spec from a file instead of the spec host.
        known_failure: why mockingbird fails this case today (the test is a strict xfail), or ``""``.
    """

    name: str
    spec: str
    expect: str
    match: str = ""
    routes: dict[str, Callable[[], Reply | Writer]] = field(default_factory=dict)
    other_routes: dict[str, Callable[[], Reply | Writer]] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    local: bool = False
    known_failure: str = ""


_LIB = "type: object\nproperties: {id: {type: integer}}\n"
_CHAIN: list[int] = [0]

CASES = [
    Case("alias bomb (600 bytes, 9**9 nodes)", alias_bomb_spec(), "refused", "aliases expand", local=True),
    Case("alias bomb fetched from a URL", alias_bomb_spec(), "refused", "aliases expand"),
    Case(
        "recursive alias",
        spec(extra="x-a: &a [1, *a]\n"),
        "refused",
        "refers to a node that contains it",
        local=True,
    ),
    Case("JSON nested 100,000 deep", deep_json(100_000), "refused", "nested deeper", local=True),
    Case(
        "YAML nested 5,000 deep (block)", deep_yaml(5000, flow=False), "refused", "nested deeper", local=True
    ),
    Case("schema nested 55 deep (within the depth budget)", deep_schema_spec(55), "healthy", local=True),
    Case(
        "schema nested 65 deep (past the depth budget)",
        deep_schema_spec(65),
        "refused",
        "nested deeper",
        local=True,
    ),
    Case("enum of 200,000 values", huge_enum_spec(200_000), "healthy", local=True),
    Case("4,000-digit integers", huge_number_spec(4000), "healthy", local=True),
    Case("a billion items of a billion characters", huge_array_spec(), "healthy", local=True),
    Case("catastrophic-backtracking pattern", pattern_spec("^(a+)+$"), "healthy", local=True),
    Case(
        "pattern with a huge repetition",
        pattern_spec("^a{1000000000}$"),
        "healthy",
        local=True,
        known_failure="generating a string for ^a{1000000000}$ blocks the server: /health stops answering",
    ),
    Case("invalid pattern", pattern_spec("(unclosed["), "healthy", local=True),
    Case("schema reference cycles", ref_cycle_spec(), "healthy", local=True),
    Case(
        "$ref to another origin",
        ref_to("{other}/lib.yaml"),
        "refused",
        "--allow-ref-host 127.0.0.2",
        other_routes={"/lib.yaml": lambda: Reply(_LIB)},
    ),
    Case(
        "$ref to another origin, allowed",
        ref_to("{other}/lib.yaml"),
        "healthy",
        other_routes={"/lib.yaml": lambda: Reply(_LIB)},
        args=("--allow-ref-host", "127.0.0.2"),
    ),
    Case(
        "$ref to the metadata service",
        ref_to("http://169.254.169.254/latest/meta-data/"),
        "refused",
        "169.254.169.254 is a metadata address",
        args=("--allow-ref-host", "*"),
    ),
    Case(
        "$ref to a metadata name",
        ref_to("http://metadata.google.internal/computeMetadata/v1/"),
        "refused",
        "a cloud metadata host",
        args=("--allow-ref-host", "*"),
    ),
    Case(
        "$ref to a private address",
        ref_to("http://10.0.0.1/x.yaml"),
        "refused",
        "10.0.0.1 is a private address",
        args=("--allow-ref-host", "*"),
    ),
    Case(
        "$ref to another port of localhost",
        ref_to("http://127.0.0.1:9/x.yaml"),
        "refused",
        "another host than the spec's",
    ),
    Case("$ref to a local file", ref_to("file:///etc/passwd"), "refused", "cannot reference local files"),
    Case("$ref to an absolute path", ref_to("/etc/passwd"), "refused", "HTTP 404"),
    Case(
        "$ref through a redirect to another origin",
        ref_to("/hop.yaml"),
        "refused",
        "redirected from",
        routes={"/hop.yaml": lambda: redirect("{other}/lib.yaml")},
        other_routes={"/lib.yaml": lambda: Reply(_LIB)},
    ),
    Case(
        "spec URL redirecting six times",
        "",
        "refused",
        "more than 5 redirects",
        routes={
            "/spec.yaml": lambda: redirect("/r5"),
            **{f"/r{n}": (lambda n=n: redirect(f"/r{n - 1}")) for n in range(1, 6)},
            "/r0": lambda: Reply("{}"),
        },
    ),
    Case(
        "$ref chain that never ends",
        ref_to("/chain?n=0"),
        "refused",
        "no complete answer within 3 s",
        routes={"/chain": lambda: endless_refs(_CHAIN)},
        args=("--fetch-timeout", "3"),
    ),
    Case(
        "spec body that trickles",
        "",
        "refused",
        "no complete answer within 2 s",
        routes={"/spec.yaml": lambda: trickle(10_000, 0.05)},
        args=("--fetch-timeout", "2"),
    ),
    Case(
        "spec body that never ends",
        "",
        "refused",
        "larger than the 8 MiB cap",
        routes={"/spec.yaml": lambda: endless()},
        args=("--fetch-max-bytes", str(8 * 1024 * 1024)),
    ),
    Case(
        "$ref'd document that never ends",
        ref_to("/big.yaml"),
        "refused",
        "past the total of",
        routes={"/big.yaml": lambda: endless()},
        args=("--fetch-max-bytes", str(8 * 1024 * 1024)),
    ),
]
