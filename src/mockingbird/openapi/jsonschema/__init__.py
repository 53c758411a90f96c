"""Canonical schema -> standalone JSON Schema 2020-12 -> compiled ``jsonschema_rs`` validator. PURE.

A spec schema (see ``mockingbird.openapi.model``) is a dict in the canonical dialect whose ``$ref``s are local
pointers into the spec document, followed with ``Spec.resolve``. ``jsonschema_rs`` needs one self-contained
document, so :func:`build_json_schema` collects the transitive closure of referenced pointers into ``$defs``
and rewrites each ``$ref`` to point there. Refs stay refs, so cyclic schemas are fine.

Decisions, for users and for the other areas:

* **OpenAPI-only keywords are dropped** (``discriminator``, ``example``, ``xml``, ``externalDocs``, ``nullable``
  leftovers, ``x-*``) together with pure annotations (``title``, ``description``, ``default``...): they never
  change validity, and dropping them keeps documents small and compiles fast.
* **discriminator** keeps its OpenAPI meaning: with a discriminator, ``oneOf`` relaxes to ``anyOf`` and the
  discriminator value selects the branch that must validate (explicit ``mapping`` and implicit schema names).
* ``additionalProperties: false`` next to ``allOf``/``anyOf``/``oneOf`` becomes ``unevaluatedProperties: false``:
  taken literally it rejects every property the branches declare, which is never what the author meant.
* ``type: null`` (or a type array with null) next to ``oneOf``/``anyOf``/``allOf`` branches that visibly reject
  null becomes ``anyOf: [<the rest>, {type: null}]``: a converted 3.0 ``nullable`` (Vercel's spec), which taken
  literally admits no value (or never null). The generator still reads it as written (``docs/schemas.md``).
* **readOnly / writeOnly by mode.** In ``"request"`` mode a ``readOnly`` property is not required; in
  ``"response"`` mode a ``writeOnly`` property is not required. Sending a readOnly property in a request is
  *accepted* (as Prism does): clients often send back what they read. ``"plain"`` mode changes nothing.
* **Formats are asserted** (``email``, ``uuid``, ``date-time``, ``date``, ``time``, ``uri``, ``ipv4``...,
  everything ``jsonschema_rs`` knows) plus the OpenAPI format ``byte`` (base64). Unknown and custom formats
  (``int64``, ``binary``, ``password``, ``x-my-format``) are ignored, never an error.
* **Broken schemas degrade, never crash.** When ``jsonschema_rs`` rejects part of a document (an ECMA regex it
  cannot compile, a 3.0 leftover such as a boolean ``exclusiveMinimum``), that keyword is removed, the compile is
  retried, and the fact is recorded in ``SchemaValidator.warnings``. A ``$ref`` that cannot be resolved becomes
  ``{}`` (accept anything) with a warning.

* **Caches have owners.** A :class:`ValidatorCache` holds the compiled validators of one spec; whoever
  validates (the request validator, the response builder) builds and keeps its own, so two mocks in one process
  share nothing and dropping one frees its validators. :func:`compile_validator` keeps nothing.

Example:
    >>> v = compile_validator({"type": "integer", "minimum": 1}, lambda ref: {}, mode="request")
    >>> v.is_valid(3), [x.code for x in v.errors(0)]
    (True, ['minimum'])
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import orjson

from mockingbird.openapi.jsonschema._conversion import Mode, Resolve, SchemaConverter
from mockingbird.openapi.model import Schema

__all__ = [
    "Mode",
    "SchemaConverter",
    "SchemaValidator",
    "ValidatorCache",
    "Violation",
    "build_json_schema",
    "compile_validator",
    "escape_token",
]


_MAX_RETRIES = 64


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason a value does not conform.

    ``location`` is a slash-separated path into a virtual request document: the first segment says where
    (``path``, ``query``, ``header``, ``cookie``, ``body``), the next one names the parameter (absent for the
    body), the rest is a JSON pointer into the value, with ``~0``/``~1`` escapes: ``query/limit``,
    ``path/petId``, ``header/x-rate``, ``body``, ``body/tags/0/name``. ``code`` is short and stable:
    ``missing``, ``type``, ``format``, ``enum``, ``const``, ``minimum``, ``pattern``,
    ``additional_properties``, ``unknown_content_type``, ``malformed_body``... ``message`` is for humans.
    ``status`` is the HTTP status this violation alone would warrant (400, 415 or 422).
    """

    location: str
    code: str
    message: str
    status: int = 400

    def as_dict(self) -> dict[str, str]:
        """The ``errors[]`` entry of a problem+json body."""
        return {"location": self.location, "code": self.code, "message": self.message}


def escape_token(token: str) -> str:
    """Escape one JSON pointer segment (RFC 6901): ``~`` -> ``~0``, ``/`` -> ``~1``."""
    return token.replace("~", "~0").replace("/", "~1")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _check_byte(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


_FORMATS = {"byte": _check_byte}
_MAX_SHOWN = 80


def _message(err: Any) -> str:
    """The validator's message, with a long instance (it quotes whole objects) abbreviated."""
    message: str = err.message
    if len(message) <= 2 * _MAX_SHOWN:
        return message
    try:
        shown = orjson.dumps(err.instance).decode()
    except TypeError:
        return message[: 2 * _MAX_SHOWN] + "…"
    if message.startswith(shown) and len(shown) > _MAX_SHOWN:
        return shown[:_MAX_SHOWN] + "…" + message[len(shown) :]
    return message


def _branch_hints(context: list[list[Any]], depth: int) -> str:
    """Why each ``anyOf``/``oneOf`` option failed (first errors of the first options), for the message."""
    hints = []
    for i, branch in enumerate(context[:3], 1):
        if branch:
            first = branch[0]
            where = "".join("/" + escape_token(str(seg)) for seg in list(first.instance_path)[depth:])
            hints.append(f"option {i}: {where + ': ' if where else ''}{_message(first)}")
    return " (" + "; ".join(hints) + ")" if hints else ""


class SchemaValidator:
    """A compiled validator for one schema. Get it from a :class:`ValidatorCache` (or :func:`compile_validator`).

    Example:
        >>> v = compile_validator({"type": "object", "required": ["id"]}, lambda ref: {}, mode="plain")
        >>> [x.location for x in v.errors({}, location="body")]
        ['body/id']
    """

    __slots__ = ("_validator", "check", "document", "warnings")

    def __init__(self, document: dict[str, Any], warnings: tuple[str, ...] = ()) -> None:
        self.document = document
        self.warnings = list(warnings)
        self._validator = self._compile()
        # The compiled validator's own is_valid, for hot loops: no Python frame in between.
        self.check: Callable[[Any], bool] = self._validator.is_valid

    def _compile(self) -> Any:
        for _ in range(_MAX_RETRIES):
            try:
                return jsonschema_rs.Draft202012Validator(
                    self.document, validate_formats=True, ignore_unknown_formats=True, formats=_FORMATS
                )
            except jsonschema_rs.ValidationError as exc:
                # The meta-schema check points into our document: neutralise that keyword and retry.
                if not self._drop(list(exc.instance_path), exc.message):
                    break
            except (ValueError, jsonschema_rs.ReferencingError) as exc:
                self.warnings.append(f"schema could not be compiled, accepting anything: {exc}")
                break
        else:
            self.warnings.append("schema needed too many repairs, accepting anything")
        return jsonschema_rs.Draft202012Validator({})

    def _drop(self, path: list[str | int], message: str) -> bool:
        steps: list[tuple[Any, str | int]] = []
        node: Any = self.document
        for seg in path:
            steps.append((node, seg))
            try:
                node = node[seg]
            except (KeyError, IndexError, TypeError):
                return False
        # Remove the innermost keyword (a dict entry) holding the value the meta-schema rejected.
        for parent, seg in reversed(steps):
            if isinstance(parent, dict):
                del parent[seg]
                where = "/".join(escape_token(str(p)) for p in path)
                self.warnings.append(f"ignored /{where}: {message.splitlines()[0]}")
                return True
        return False

    def is_valid(self, instance: Any) -> bool:
        """Whether ``instance`` conforms (fast path, no error objects)."""
        return bool(self._validator.is_valid(instance))

    def errors(self, instance: Any, *, location: str = "", status: int = 422) -> list[Violation]:
        """Every violation, each located at ``location`` + the JSON pointer of the failing value.

        Args:
            instance: the decoded value (JSON types).
            location: prefix for ``Violation.location``, e.g. ``"body"`` or ``"query/limit"``.
            status: the ``Violation.status`` to give (422 for bodies, 400 for parameters).
        """
        if self._validator.is_valid(instance):
            return []
        out: list[Violation] = []
        for err in self._validator.iter_errors(instance):
            pointer = "".join("/" + escape_token(str(seg)) for seg in err.instance_path)
            kind = err.kind
            name = kind.name
            if name == "required":
                prop = str(kind.as_dict().get("property", ""))
                out.append(
                    Violation(f"{location}{pointer}/{escape_token(prop)}", "missing", _message(err), status)
                )
                continue
            if name in ("additionalProperties", "unevaluatedProperties"):  # one per unexpected property
                unexpected = kind.as_dict().get("unexpected") or []
                out.extend(
                    Violation(
                        f"{location}{pointer}/{escape_token(str(prop))}",
                        "additional_properties",
                        f"property {prop!r} is not allowed here",
                        status,
                    )
                    for prop in unexpected
                )
                if unexpected:
                    continue
            code = {"additionalProperties": "additional_properties", "const": "enum"}.get(name, _snake(name))
            message = _message(err)
            if name in ("anyOf", "oneOf"):
                message += _branch_hints(kind.as_dict().get("context") or [], len(err.instance_path))
            out.append(Violation(f"{location}{pointer}", code, message, status))
        return out


def build_json_schema(schema: Schema | bool, resolve: Resolve, *, mode: Mode = "plain") -> dict[str, Any]:
    """Turn a canonical schema into a standalone JSON Schema 2020-12 document.

    Args:
        schema: a schema in the canonical dialect (its ``$ref``s are local spec pointers).
        resolve: ``Spec.resolve``.
        mode: ``"request"`` (readOnly not required), ``"response"`` (writeOnly not required) or ``"plain"``.

    Example:
        >>> build_json_schema({"$ref": "#/components/schemas/A"}, lambda ref: {"type": "string"})["$defs"]
        {'A': {'type': 'string'}}
    """
    return SchemaConverter(resolve, mode).build(schema)[0]


class ValidatorCache:
    """Compiled validators for one spec; compiles lazily on first use. Owned by whoever builds it.

    Keyed first by (schema identity, mode), then by the converted top level of the schema, so the many
    operations whose responses are the same ``{"$ref": ".../Error"}`` share one compiled validator (on
    Stripe's spec one closure is ~500 schemas and tens of milliseconds to compile). The cache keeps a
    reference to each schema it saw, so identities stay unique while it lives.

    Args:
        resolve: ``Spec.resolve`` of the spec whose schemas this cache compiles.

    Example:
        >>> cache = ValidatorCache(lambda ref: {})
        >>> cache.get({"type": "string"}, "request") is cache.get({"type": "string"}, "request")
        True
    """

    def __init__(self, resolve: Resolve) -> None:
        self.resolve = resolve
        self._converters: dict[str, SchemaConverter] = {}
        self._validators: dict[tuple[int, str], tuple[object, SchemaValidator]] = {}
        self._by_content: dict[tuple[bytes, str], SchemaValidator] = {}

    def get(self, schema: Schema | bool, mode: Mode = "plain") -> SchemaValidator:
        """The compiled validator of ``schema`` in ``mode``."""
        key = (id(schema), mode)
        hit = self._validators.get(key)
        if hit is not None and hit[0] is schema:
            return hit[1]
        converter = self._converters.get(mode)
        if converter is None:
            converter = self._converters[mode] = SchemaConverter(self.resolve, mode)
        root, refs = converter.convert_root(schema)
        try:
            content: tuple[bytes, str] | None = (orjson.dumps(root, option=orjson.OPT_SORT_KEYS), mode)
        except TypeError:  # a value orjson cannot encode: no sharing, still correct
            content = None
        validator = self._by_content.get(content) if content is not None else None
        if validator is None:
            validator = SchemaValidator(*converter.assemble(root, refs))
            if content is not None:
                self._by_content[content] = validator
        self._validators[key] = (schema, validator)
        return validator


def compile_validator(schema: Schema | bool, resolve: Resolve, *, mode: Mode = "plain") -> SchemaValidator:
    """Compile the validator of a canonical schema, caching nothing.

    Code that validates more than once for a spec should hold a :class:`ValidatorCache` instead.

    Args:
        schema: the schema dict, e.g. ``operation.request_body.content["application/json"].schema``.
        resolve: ``Spec.resolve`` of the spec the schema belongs to.
        mode: ``"request"``, ``"response"`` or ``"plain"`` (readOnly/writeOnly handling).

    Example:
        >>> compile_validator({"format": "email"}, lambda ref: {}, mode="request").is_valid("nope")
        False
    """
    return ValidatorCache(resolve).get(schema, mode)
