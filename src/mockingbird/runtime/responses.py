"""Choose and build the mocked response for an operation. PURE: no I/O.

Selection follows Prism, with these documented decisions:

* **Status.** With no ``Prefer: code``, the lowest explicit ``2xx`` code; else a
  ``2XX`` range (served as 200); else ``default`` (served as 200); else the lowest
  ``3xx``; else the lowest documented code. ``Prefer: code=404`` picks ``404``, then
  a ``4XX`` range, then ``default`` (served as 404). An undocumented code is a
  ``SelectionError`` (HTTP 400) that lists the documented ones.
* **Content type.** Negotiated against ``Accept`` (q-values, wildcards; ties go to
  JSON, then spec order). Nothing acceptable is a ``SelectionError`` with 406.
* **Body.** The spec's example first (``mockingbird.openapi.generation.examples``), else data
  generated from the schema (``mockingbird.openapi.generation.generator``): a request reads
  one entry of a seeded pool of bodies for its response (``runtime/body_pool.py``), picked
  by a stable hash of (server seed, method, path, query), so the same request always gets
  the same body. ``Prefer: dynamic=true`` generates even when an example exists;
  ``Prefer: example=name`` picks a named example (unknown: 400 listing the names). Path
  parameters are placed into a copy of the entry (``DataGenerator.place``), so ``/pets/42``
  answers with ``"id": 42`` where the schema has an id field. 204, 205, 304 and ``HEAD``
  send no body.
* **Headers.** Every documented response header gets a value (example, else
  generated from its schema; a pooled body's from its entry's random source), plus ``Content-Type``.

Example responses are static, so ``ResponseBuilder`` caches their encoded bytes per
(operation, status, content type, example name): serving one is a dict lookup.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockingbird.errors import SelectionError
from mockingbird.openapi.matching.negotiation import (
    NO_PREFERENCES,
    Preferences,
    concrete_content_type,
    is_json,
    negotiate,
)
from mockingbird.openapi.model import MISSING, Header, MediaType, Operation, Response, Spec
from mockingbird.runtime.body_pool import BodyPool, PoolEntry, PoolKey
from mockingbird.runtime.encoding import encode_body
from mockingbird.runtime.headers import candidates, field_value, realistic_value
from mockingbird.runtime.hooks import Revision
from mockingbird.runtime.messages import MockResponse

if TYPE_CHECKING:
    from mockingbird.openapi.generation.generator import DataGenerator
    from mockingbird.openapi.jsonschema import ValidatorCache

STATIC_CACHE_SIZE = 16384
NO_BODY_STATUSES = frozenset({204, 205, 304})
_SKIP_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding", "connection"})


def _code_of(status: str) -> int:
    if status.isdigit():
        return int(status)
    if len(status) == 3 and status[0].isdigit() and status[1:].upper() == "XX":
        return int(status[0]) * 100
    return 200


def pick_status(operation: Operation, code: str | None) -> tuple[Response, int]:
    """Choose the documented response (and the status to send) for an operation.

    Raises:
        SelectionError: ``code`` is not documented (nor covered by a range or ``default``),
            or the operation documents no response at all.
    """
    responses = operation.responses
    if code is not None:
        wanted = code.strip().upper()
        if wanted in responses:
            return responses[wanted], _code_of(wanted)
        if wanted.isdigit() and len(wanted) == 3:
            rng = f"{wanted[0]}XX"
            if rng in responses:
                return responses[rng], int(wanted)
            if "default" in responses:
                return responses["default"], int(wanted)
        available = list(responses)
        raise SelectionError(
            400,
            "Unknown response code",
            f"{operation.key} documents no response {code!r}; it documents: {', '.join(available) or 'none'}.",
            available=available,
        )
    explicit = sorted((int(s), s) for s in responses if s.isdigit())
    for number, status in explicit:
        if 200 <= number < 300:
            return responses[status], number
    if "2XX" in responses:
        return responses["2XX"], 200
    if "default" in responses:
        return responses["default"], 200
    for number, status in explicit:
        if 300 <= number < 400:
            return responses[status], number
    if explicit:
        return responses[explicit[0][1]], explicit[0][0]
    for status, response in responses.items():
        return response, _code_of(status)
    # No responses documented at all: an empty 200 is the only honest answer.
    return Response(status="200"), 200


def format_header_value(value: Any) -> str:
    """A header value from an example or generated value (simple style, RFC 6570)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(format_header_value(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{format_header_value(v)}" for k, v in value.items())
    if value is None:
        return ""
    return str(value)


class ResponseBuilder:
    """Builds ``MockResponse``s for a spec; caches static (example) responses.

    Args:
        spec: the loaded spec (its ``resolve`` follows ``$ref``s).
        seed: the server seed (``--seed``).

    Example:
        >>> builder = ResponseBuilder(spec, seed=1)
        >>> builder.build(op, method="GET", path="/pets/1", query="", path_params={"petId": "1"})
        MockResponse(status=200, ...)
    """

    def __init__(self, spec: Spec, *, seed: int = 0, revision: Revision | None = None) -> None:
        self.spec = spec
        self.seed = seed
        # Memoised answers are valid for one revision of what the mock answers (runtime/hooks.py).
        self.revision = revision if revision is not None else Revision()
        self._seen = self.revision.value
        self._cache: dict[tuple[str, int, str | None, str | None, str | None], MockResponse] = {}
        # (operation id, Accept) -> the default answer, when it is static: one lookup per request.
        self._fast: dict[tuple[int, str | None], MockResponse] = {}
        # Generated bodies: a seeded pool per response, read by a hash of the request (runtime/body_pool.py).
        self.pool = BodyPool(seed)
        self._generator: DataGenerator | None = None
        self._validators: ValidatorCache | None = None
        self._conformity: dict[int, bool] = {}
        # id(operation) -> (operation, its default response and status)
        self._statuses: dict[int, tuple[Operation, Response, int]] = {}
        # (id(response), Accept) -> (response, the negotiated documented content type)
        self._negotiated: dict[tuple[int, str | None], tuple[Response, str]] = {}
        self.skipped_examples: list[str] = []

    def build(
        self,
        operation: Operation,
        *,
        method: str,
        path: str,
        query: str = "",
        path_params: Mapping[str, str] | None = None,
        prefer: Preferences = NO_PREFERENCES,
        accept: str | None = None,
    ) -> MockResponse:
        """Select and build the response for one request.

        Raises:
            SelectionError: an undocumented ``Prefer`` code or example, or no acceptable
                content type (406).
        """
        if self._seen != self.revision.value:
            self.clear_caches()
            self._seen = self.revision.value
        default = prefer is NO_PREFERENCES
        if default:
            fast = self._fast.get((id(operation), accept))
            if fast is not None:
                return fast
        if prefer.code is None:  # the default status is the operation's own: chosen once
            picked = self._statuses.get(id(operation))
            if picked is None or picked[0] is not operation:
                picked = self._statuses[id(operation)] = (operation, *pick_status(operation, None))
            _, response, status = picked
        else:
            response, status = pick_status(operation, prefer.code)
        media: MediaType | None = None
        if response.content:
            negotiated = self._negotiated.get((id(response), accept))
            if negotiated is not None and negotiated[0] is response:
                ctype: str | None = negotiated[1]
            else:
                ctype = negotiate(accept, list(response.content))
                if ctype is not None:
                    if len(self._negotiated) >= STATIC_CACHE_SIZE:  # keyed by the client's Accept: bounded
                        self._negotiated.clear()
                    self._negotiated[(id(response), accept)] = (response, ctype)
            if ctype is None:
                available = list(response.content)
                raise SelectionError(
                    406,
                    "Not Acceptable",
                    f"{operation.key} answers {status} with {', '.join(available)}; none is acceptable "
                    f"for Accept: {accept}.",
                    available=available,
                )
            media = response.content[ctype]
        dynamic = bool(prefer.dynamic)
        key = (operation.key, status, media.content_type if media else None, prefer.example, accept)
        if not dynamic:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
        value: Any = MISSING
        source = "empty"
        static = True
        entry: PoolEntry | None = None
        made = False
        if status not in NO_BODY_STATUSES and media is not None:
            value, source, static = self._body(operation, media, prefer)
        if static:
            headers = self._headers(response.headers, random.Random(f"{self.seed}|{operation.key}|{status}"))
        else:
            assert media is not None  # only a schema is generated from
            pool_key: PoolKey = (operation.key, status, media.content_type, dynamic)
            k = self.pool.slot(method, path, query)
            entry = self.pool.get(pool_key, k)
            if entry is None:
                made = True
                entry = self._entry(response, media, dynamic, self.pool.rng(pool_key, k))
            value = entry.value
            if path_params:
                value = self._get_generator().place(value, media.schema, path_params, clean=entry.clean)
            headers = list(entry.headers)
        content_type: str | None = None
        body = b""
        if media is not None and status not in NO_BODY_STATUSES:
            # No body, no Content-Type: a 204 documented with content still sends nothing.
            content_type = concrete_content_type(media.content_type, accept)
            headers.append((b"content-type", content_type.encode("latin-1")))
            if value is not MISSING:
                body = encode_body(value, content_type, media.schema, self.spec.resolve)
        if entry is not None and made:
            self.pool.put(pool_key, k, entry, len(body) + 64)
        result = MockResponse(status, headers, body, source, content_type)
        if static and not dynamic:
            if len(self._cache) >= STATIC_CACHE_SIZE:  # keys carry the client's Accept: keep them bounded
                self._cache.clear()
                self._fast.clear()
            self._cache[key] = result
            if default:
                self._fast[(id(operation), accept)] = result
        return result

    def clear_caches(self) -> None:
        """Forget cached answers (``revision.bump()`` does it on the next request)."""
        self._cache.clear()
        self._fast.clear()
        self._statuses.clear()
        self._negotiated.clear()
        self.pool.clear()

    def _body(
        self,
        operation: Operation,
        media: MediaType,
        prefer: Preferences,
    ) -> tuple[Any, str, bool]:
        """(value, source, static): static values are the same for every request; a body to generate
        (from the pool, see ``build``) is ``(MISSING, "generated", False)``."""
        generator = self._get_generator()
        if prefer.example is not None:
            from mockingbird.errors import ExampleNotFoundError
            from mockingbird.openapi.generation.examples import spec_example

            try:
                chosen = spec_example(media, generator, name=prefer.example)
            except ExampleNotFoundError as exc:
                raise SelectionError(
                    400,
                    "Unknown example",
                    f"{operation.key} has no example {prefer.example!r} for {media.content_type}; "
                    f"examples: {', '.join(exc.available) or 'none'}.",
                    available=list(exc.available),
                ) from None
            if chosen is not None:
                return chosen.value, "example", True
        if not prefer.dynamic:  # (a generated body, Prefer: dynamic=true, pays for no import statement)
            from mockingbird.openapi.generation.examples import spec_example

            chosen = spec_example(media, generator)
            if chosen is not None and self._conforms(operation, media, chosen.value):
                return chosen.value, "example", True
        if media.schema is None:
            return MISSING, "empty", True
        return MISSING, "generated", False

    def _entry(self, response: Response, media: MediaType, dynamic: bool, rng: random.Random) -> PoolEntry:
        """A pool entry: a body generated from ``rng``, then the headers from what ``rng`` has left."""
        problems: list[str] = []
        value = self._get_generator().generate(
            media.schema, rng=rng, mode="response", use_examples=not dynamic, problems=problems
        )
        return PoolEntry(value, not problems, tuple(self._headers(response.headers, rng)))

    def _conforms(self, operation: Operation, media: MediaType, value: Any) -> bool:
        """Whether a spec example validates against its schema (checked once per media type).

        A mock must answer what its spec promises, so an example that contradicts its own
        schema is skipped (recorded in ``skipped_examples``) and data is generated instead;
        ``Prefer: example=NAME`` still serves it as written.
        """
        if media.schema is None or not is_json(media.content_type):
            return True
        known = self._conformity.get(id(media))
        if known is None:
            from mockingbird.openapi.jsonschema import ValidatorCache

            if self._validators is None:
                self._validators = ValidatorCache(self.spec.resolve)
            # Both readings: the product validator (formats, its tolerances) and the strict
            # as-written check, so a tolerance never makes the mock serve what the spec rejects
            # (Jira's examples put properties under `additionalProperties: false` beside anyOf).
            known = self._validators.get(media.schema, "response").is_valid(
                value
            ) and self._get_generator().conforms(value, media.schema, mode="response")
            self._conformity[id(media)] = known
            if not known:
                self.skipped_examples.append(f"{operation.key} {media.content_type}")
        return known

    @property
    def generator(self) -> DataGenerator:
        """The spec's data generator (built on first use), shared with the stateful mode."""
        return self._get_generator()

    def _get_generator(self) -> DataGenerator:
        if self._generator is None:
            from mockingbird.openapi.generation.generator import DataGenerator

            self._generator = DataGenerator(self.spec.resolve)
        return self._generator

    def _generate(self, schema: Any, rng: random.Random) -> Any:
        return self._get_generator().generate(schema, rng=rng, mode="response", use_examples=True)

    def _named_header(self, name: str, schema: Any, rng: random.Random) -> Any:
        """A realistic value for a well-known header name, when it fits the schema (``runtime/headers.py``)."""
        named = realistic_value(name, rng)
        if named is None:
            return MISSING
        for candidate in candidates(named):
            if schema is None or self._get_generator().fits(candidate, schema):
                return candidate
        return MISSING

    def _headers(self, documented: Mapping[str, Header], rng: random.Random) -> list[tuple[bytes, bytes]]:
        out: list[tuple[bytes, bytes]] = []
        for name, header in documented.items():
            if name.lower() in _SKIP_HEADERS:
                continue
            value: Any = header.example
            if value is MISSING and header.examples:
                value = header.examples[0].value
            if value is MISSING:
                value = self._named_header(name, header.schema, rng)
            if value is MISSING and header.schema is not None:
                value = self._generate(header.schema, rng)
            if value is MISSING:
                if not header.required:
                    continue
                value = ""
            out.append((name.lower().encode("latin-1"), field_value(format_header_value(value))))
        return out
