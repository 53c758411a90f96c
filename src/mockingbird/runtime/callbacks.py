"""What a mock sends after it answers: its operation's callbacks, and webhooks on demand. PURE.

``CallbackPlanner`` turns an exchange into ``Outgoing`` requests, one per callback the
operation declares: the URL is the callback's key with its runtime expressions resolved
(``runtime/expressions.py``), the body is the callback's own example or one generated from
its request-body schema (``openapi/generation``: the same generator as the mock's answers),
seeded so that the same seed, callback and trigger give the same body. Only a 2xx answer
triggers callbacks: a refused request subscribed to nothing.

Sending is not done here: ``http/deliveries.py`` sends ``Outgoing`` requests in the
background, through the fetch policy, and records each delivery.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import orjson

from mockingbird.errors import ControlNotFoundError, ExpressionError
from mockingbird.openapi.model import MISSING, Callback, RequestBody, Spec
from mockingbird.runtime.expressions import Exchange, resolve_template

if TYPE_CHECKING:
    from mockingbird.openapi.generation.generator import DataGenerator

Kind = Literal["callback", "webhook"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outgoing:
    """One callback or webhook request to send.

    Attributes:
        kind: ``callback`` (after an answer) or ``webhook`` (fired on demand).
        name: the callback's (or webhook's) name in the spec.
        method: the HTTP method.
        url: the target (``""`` when it could not be resolved: ``error`` says why).
        body: the request body.
        content_type: its media type (``None``: no body).
        trigger: what caused it: the operation key (``POST /subscribe``) or ``admin``.
        request_id: the ``X-Request-ID`` of the triggering exchange, when there was one.
        error: why it cannot be sent (an unresolvable URL expression), else ``None``.
    """

    kind: Kind
    name: str
    method: str
    url: str
    body: bytes
    content_type: str | None
    trigger: str
    request_id: str = ""
    error: str | None = None


class CallbackPlanner:
    """Builds the ``Outgoing`` requests of a spec's callbacks and webhooks.

    Args:
        spec: the loaded spec.
        seed: the mock's seed for generated data.

    Example:
        >>> planner = CallbackPlanner(spec, seed=0)  # doctest: +SKIP
        >>> planner.after(operation, exchange, trigger="POST /subscribe")
        [Outgoing(kind='callback', name='onEvent', method='POST', url='http://127.0.0.1:9000/hook', ...)]
    """

    def __init__(self, spec: Spec, *, seed: int = 0) -> None:
        self.spec = spec
        self.seed = seed
        self._generator: DataGenerator | None = None
        self.webhooks: Mapping[str, Callback] = {hook.name: hook for hook in spec.webhooks}

    def after(
        self, callbacks: tuple[Callback, ...], exchange: Exchange, *, trigger: str, request_id: str = ""
    ) -> list[Outgoing]:
        """The callbacks to send after an answer (none unless it is 2xx).

        Args:
            callbacks: the answered operation's callbacks.
            exchange: the request and the answer, for the URL expressions.
            trigger: the operation key.
            request_id: the exchange's ``X-Request-ID``.
        """
        if not callbacks or not 200 <= exchange.status < 300:
            return []
        out: list[Outgoing] = []
        for callback in callbacks:
            content_type, body = self.body(callback, salt=trigger)
            try:
                url, error = resolve_template(callback.expression, exchange), None
            except ExpressionError as exc:
                url, error = "", f"cannot resolve the callback URL {exc}"
            out.append(Outgoing(kind="callback", name=callback.name, method=callback.method, url=url, body=body,
                                content_type=content_type, trigger=trigger, request_id=request_id, error=error))  # fmt: skip
        return out

    def webhook(self, name: str, url: str, *, body: Any = MISSING) -> Outgoing:
        """A webhook of the spec (3.1 ``webhooks``) to fire at ``url``.

        Args:
            name: the webhook's name in the spec.
            url: where to send it.
            body: the body to send (JSON-encoded) instead of the spec's example or a generated one.

        Raises:
            ControlNotFoundError: the spec has no webhook by that name.
        """
        hook = self.webhooks.get(name)
        if hook is None:
            raise ControlNotFoundError("webhook", name)
        if body is MISSING:
            content_type, raw = self.body(hook, salt="webhook")
        else:
            content_type = _media(hook.request_body)[0] or "application/json"
            raw = _encode(body, content_type)
        return Outgoing(kind="webhook", name=name, method=hook.method, url=url, body=raw,
                        content_type=content_type, trigger="admin")  # fmt: skip

    def body(self, callback: Callback, *, salt: str) -> tuple[str | None, bytes]:
        """The media type and body of a callback: its example, else generated from its schema.

        The generator is seeded from (seed, callback name, ``salt``): stable for a given seed.
        """
        content_type, media = _media(callback.request_body)
        if media is None or content_type is None:
            return None, b""
        from mockingbird.openapi.generation.examples import choose_example

        rng = random.Random(zlib.crc32(f"{self.seed}\0{callback.name}\0{salt}".encode()))
        chosen = choose_example(media, self._get_generator(), rng=rng)
        if chosen is None:
            return content_type, b""
        return content_type, _encode(chosen.value, content_type)

    def _get_generator(self) -> DataGenerator:
        if self._generator is None:
            from mockingbird.openapi.generation.generator import DataGenerator

            self._generator = DataGenerator(self.spec.resolve)
        return self._generator


def _media(body: RequestBody | None) -> tuple[str | None, Any]:
    """The media type to send (a JSON one first) and its ``MediaType``."""
    if body is None or not body.content:
        return None, None
    for content_type, media in body.content.items():
        if "json" in content_type.lower():
            return content_type, media
    content_type = next(iter(body.content))
    return content_type, body.content[content_type]


def _encode(value: Any, content_type: str) -> bytes:
    """JSON for a JSON media type; a string or bytes as they are for any other."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str) and "json" not in content_type.lower():
        return value.encode()
    return orjson.dumps(value)
