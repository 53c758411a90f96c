"""A served mock's deliveries: its callbacks after answers, its webhooks on demand, and their record.

``Deliveries`` joins the pure ``CallbackPlanner`` (``runtime/callbacks.py``: URLs resolved,
bodies chosen) to the ``DeliveryWorker`` (``http/delivery_worker.py``: sent in the background,
retried, recorded in a ``DeliveryLog``). ``build_runtime`` makes one only for a spec that
declares callbacks or webhooks, and gives the ``MockApp`` its ``after`` only when some operation
has callbacks: a mock without them does no new work per request.

Where deliveries may go: loopback addresses, and the hosts ``--allow-callback-host`` names
(``*``: every public host; private and link-local ones must be named exactly). A URL comes
from a request or a spec, neither trusted, so the mock is never an open relay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mockingbird.control.timing import CallbackTiming
from mockingbird.errors import ConfigError
from mockingbird.fetching import FetchPolicy, system_resolver
from mockingbird.http.delivery_log import DeliveryLog, MemoryDeliveryLog, StoreDeliveryLog
from mockingbird.http.delivery_worker import DeliverySettings, DeliveryWorker
from mockingbird.openapi.model import MISSING, Spec
from mockingbird.runtime.callbacks import CallbackPlanner, Outgoing
from mockingbird.runtime.expressions import Exchange
from mockingbird.runtime.messages import headers_from_pairs

if TYPE_CHECKING:
    from mockingbird.config import ServeConfig
    from mockingbird.fetching import Resolver
    from mockingbird.runtime.engine import Answer, MockRequest
    from mockingbird.store.base import LogStore

_ANSWER_CAP = 1024 * 1024  # bytes of a receiver's answer read (kept only for the record)
_ALLOW_FLAG = "--allow-callback-host"
_SERVER = CallbackTiming()  # the server's own delay and attempts


class Deliveries:
    """Sends a mock's callbacks and webhooks and lists what was sent.

    Args:
        planner: builds the requests (the spec, the seed).
        worker: sends them.
        webhook_url: the default target of ``fire_webhook`` (``--webhook-url``).

    Example:
        >>> record = runtime.deliveries.fire_webhook("newPet", "http://127.0.0.1:9000/hook")  # doctest: +SKIP
        >>> runtime.deliveries.wait_idle(); runtime.deliveries.get(record["id"])["state"]
        'delivered'
    """

    def __init__(
        self, planner: CallbackPlanner, worker: DeliveryWorker, *, webhook_url: str | None = None
    ) -> None:
        self.planner = planner
        self.worker = worker
        self.log: DeliveryLog = worker.log
        self.webhook_url = webhook_url
        # The active scenario's timing (the engine's ``callbacks``, kept by the control layer); none by default.
        self.scenario_timing: Callable[[], CallbackTiming | None] = lambda: None

    def after(self, request: MockRequest, answer: Answer, request_id: bytes) -> None:
        """Send the answered operation's callbacks (the ``MockApp`` calls it after a response went out).

        Cheap on the caller's side: a 2xx test and a hand-over; URLs and bodies are made on the worker.
        """
        operation = answer.operation
        response = answer.response
        if operation is None or not operation.callbacks or not 200 <= response.status < 300:
            return
        host = request.headers.get("host", "localhost")
        query = f"?{request.query}" if request.query else ""
        exchange = Exchange(method=request.method, url=f"http://{host}{request.path}{query}",
                            path_params=dict(answer.path_params), query=request.query, headers=request.headers,
                            body=request.body, status=response.status,
                            response_headers=headers_from_pairs(response.headers), response_body=response.body)  # fmt: skip
        callbacks, trigger, rid = operation.callbacks, operation.key, request_id.decode("latin-1")
        timing = self.timing(answer)
        self.worker.submit(lambda: self.planner.after(callbacks, exchange, trigger=trigger, request_id=rid),
                           delay=timing.delay, attempts=timing.attempts)  # fmt: skip

    def timing(self, answer: Answer) -> CallbackTiming:
        """When the answer's callbacks go: its override's timing, over the active scenario's (``control/timing.py``);
        unset members are the server's (``None``)."""
        own: CallbackTiming | None = answer.response.extra.get("callbacks")
        scenario = self.scenario_timing()
        if own is None:
            return scenario or _SERVER
        return own.over(scenario)

    def fire_webhook(
        self, name: str, url: str | None = None, *, body: Any = MISSING, delay: float = 0.0
    ) -> dict[str, Any]:
        """Fire one of the spec's webhooks; returns its delivery record (state ``pending``).

        Args:
            name: the webhook's name (3.1 ``webhooks``).
            url: the target; default the ``--webhook-url`` given at start.
            body: the body to send (JSON) instead of the spec's example or a generated one.
            delay: seconds before the first attempt.

        Raises:
            ControlNotFoundError: the spec has no webhook by that name.
            ConfigError: no ``url`` and no ``--webhook-url``.
        """
        target = url or self.webhook_url
        if not target:
            raise ConfigError(
                f"webhook {name!r}: no target URL (give one, or start the mock with --webhook-url)"
            )
        outgoing: Outgoing = self.planner.webhook(name, target, body=body)
        return self.worker.send(outgoing, delay)

    def webhooks(self) -> list[dict[str, Any]]:
        """The spec's webhooks: name, method, summary."""
        return [
            {"name": h.name, "method": h.method, "summary": h.summary} for h in self.planner.webhooks.values()
        ]

    def list(self, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Delivery records newest first, one page, and how many there are."""
        return self.log.page(limit, offset)

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        """One delivery record with its attempts, or ``None``."""
        return self.log.get(delivery_id)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is in flight (retries included); ``False`` if ``timeout`` passed first."""
        return self.worker.wait_idle(timeout)

    def close(self) -> None:
        """Stop sending (what is in flight is cancelled)."""
        self.worker.close()


def build_deliveries(
    spec: Spec, config: ServeConfig, store: LogStore | None, *, resolver: Resolver | None = None
) -> Deliveries | None:
    """The deliveries of a served mock, or ``None`` when its spec has no callbacks and no webhooks.

    Args:
        spec: the loaded spec.
        config: ``callback_delay``, ``allow_callback_hosts``, ``webhook_url``, ``fetch_timeout``, ``seed``.
        store: the log store to record deliveries in (``None``: the latest are kept in memory).
        resolver: a stub name resolver (tests); default the system's.
    """
    if not spec.webhooks and not any(op.callbacks for op in spec.operations):
        return None
    policy = FetchPolicy(timeout=config.fetch_timeout, max_bytes=_ANSWER_CAP, allow_hosts=frozenset(config.allow_callback_hosts),
                         allow_loopback=True, allow_flag=_ALLOW_FLAG, resolver=resolver or system_resolver)  # fmt: skip
    log: DeliveryLog = StoreDeliveryLog(store) if store is not None else MemoryDeliveryLog()
    settings = DeliverySettings(delay=config.callback_delay, attempts=config.callback_attempts)
    worker = DeliveryWorker(policy, log, settings)
    return Deliveries(CallbackPlanner(spec, seed=config.seed), worker, webhook_url=config.webhook_url)
