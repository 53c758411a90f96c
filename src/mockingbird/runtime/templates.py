"""Templated override values: Jinja2 in its immutable sandbox, compiled once, never a 500.

Any string in an override's body or header values that contains ``{{`` or ``{%`` is a
template. A string that is exactly one expression (``"{{ request.path.petId | int }}"``)
keeps the expression's type (a number stays a number in JSON); any other template
renders to text.

What a template sees:

* ``request.method``, ``request.path`` (path parameters by name), ``request.query``
  (first value by name), ``request.query_all`` (lists), ``request.headers`` (lower-case
  names), ``request.cookies``, ``request.body`` (the decoded body), ``request.id`` (the
  X-Request-ID), ``request.url`` (the path as sent);
* ``now`` (ISO 8601, UTC) and ``timestamp`` (seconds since the epoch);
* ``fake.email``, ``fake.first_name``, ``fake.uuid``, ``fake.city``, ``fake["date-time"]``...:
  realistic values from the same pools as generated bodies, seeded from the server seed and
  the request, so the same request gets the same values.

Templates compile when the override is set: a syntax error is an ``OverrideError`` with
the line (quoted) and the place in the override, whose ``status`` is 400 (malformed text). At request time a template that fails (an
undefined name is empty, not an error; a sandbox refusal or a bad filter is) renders as an
empty string and the failure is logged: a template never turns the mock into a 500.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from mockingbird.control.overrides import ABSENT
from mockingbird.errors import TEMPLATE_SYNTAX, OverrideError
from mockingbird.openapi.generation.fake import fake_value

log = logging.getLogger("mockingbird.runtime")

Render = Callable[[Mapping[str, Any]], Any]


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=ChainableUndefined, autoescape=False)
    env.globals.clear()  # no range/dict/lipsum/cycler: a template only reads what it is given
    return env


_ENV = _environment()


def is_template(value: str) -> bool:
    """Whether a string is a template (holds ``{{`` or ``{%``)."""
    return "{{" in value or "{%" in value


def compile_value(value: Any, location: str) -> Render | None:
    """A renderer for a body or header value holding templates, or ``None`` when it holds none.

    Raises:
        OverrideError: a template does not compile (the location and line are in the message).
    """
    problems: list[tuple[str, str]] = []
    compiled = _compile(value, location, problems)
    if problems:
        raise OverrideError(problems)
    return compiled


def _compile(value: Any, location: str, problems: list[tuple[str, str]]) -> Render | None:
    if isinstance(value, str):
        return _compile_string(value, location, problems) if is_template(value) else None
    if isinstance(value, dict):
        parts = {k: _compile(v, f"{location}/{k}", problems) for k, v in value.items()}
        if not any(parts.values()):
            return None
        static = dict(value)

        def render_object(context: Mapping[str, Any]) -> Any:
            out: dict[str, Any] = {}
            for key, constant_value in static.items():
                part = parts[key]
                out[key] = part(context) if part is not None else constant_value
            return out

        return render_object
    if isinstance(value, list):
        items = [_compile(v, f"{location}/{i}", problems) for i, v in enumerate(value)]
        if not any(items):
            return None
        constant = list(value)

        def render_list(context: Mapping[str, Any]) -> Any:
            return [item(context) if item is not None else constant[i] for i, item in enumerate(items)]

        return render_list
    return None


def _compile_string(text: str, location: str, problems: list[tuple[str, str]]) -> Render | None:
    stripped = text.strip()
    whole = stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1
    try:
        if whole:
            expression = _ENV.compile_expression(stripped[2:-2], undefined_to_none=True)

            def render_expression(context: Mapping[str, Any]) -> Any:
                try:
                    value = expression(**context)
                except Exception as exc:  # noqa: BLE001 (a template must never fail the request)
                    log.warning("template at %s failed: %s", location, exc)
                    return None
                return _plain(value)

            return render_expression
        template = _ENV.from_string(text)
    except TemplateSyntaxError as exc:
        problems.append(
            (location, f"{TEMPLATE_SYNTAX} on line {exc.lineno}{_near(text, exc.lineno)}: {exc.message}")
        )
        return None

    def render_text(context: Mapping[str, Any]) -> Any:
        try:
            return template.render(context)
        except Exception as exc:  # noqa: BLE001 (a template must never fail the request)
            log.warning("template at %s failed: %s", location, exc)
            return ""

    return render_text


def _near(text: str, lineno: int) -> str:
    """The line a syntax error is on, shortened, to point at it in the message."""
    lines = text.splitlines() or [text]
    line = lines[min(max(lineno, 1), len(lines)) - 1].strip()
    return f" ({line[:60]!r})" if line else ""


def _plain(value: Any) -> Any:
    """JSON-able data out of what an expression gave (undefined is ``None``)."""
    if isinstance(value, ChainableUndefined):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


class Fake:
    """``fake.email`` and friends in templates: realistic values drawn from a seeded source."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def __getattr__(self, kind: str) -> str:
        if kind.startswith("_"):
            raise AttributeError(kind)
        return fake_value(kind, self._rng) or ""

    def __getitem__(self, kind: str) -> str:
        return fake_value(kind, self._rng) or ""


def build_context(
    *,
    method: str,
    url: str,
    path: Mapping[str, str],
    query: list[tuple[str, str]],
    headers: Mapping[str, str],
    cookies: Mapping[str, str],
    body: Any,
    request_id: str | None,
    seed: int,
) -> dict[str, Any]:
    """What templates see for one request (see the module docstring)."""
    first: dict[str, str] = {}
    every: dict[str, list[str]] = {}
    for key, value in query:
        first.setdefault(key, value)
        every.setdefault(key, []).append(value)
    now = datetime.now(timezone.utc)
    rng = random.Random(f"{seed}|{method}|{url}|{sorted(query)}|template")
    return {
        "request": {
            "method": method, "url": url, "path": dict(path), "query": first, "query_all": every,
            "headers": dict(headers), "cookies": dict(cookies), "body": None if body is ABSENT else body,
            "id": request_id,
        },
        "now": now.isoformat().replace("+00:00", "Z"),
        "timestamp": int(now.timestamp()),
        "fake": Fake(rng),
    }  # fmt: skip
