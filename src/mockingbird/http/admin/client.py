"""``AdminClient``: the admin API of a running mock, from Python (the CLI and the MCP tools use it).

Each method is one HTTP call; a problem answer becomes the matching error (``OverrideError``
with every violation for a 422, ``ControlNotFoundError`` for a 404, ``ConfigError`` for the
rest), so callers print one clear line.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from mockingbird.errors import ConfigError, ControlNotFoundError, OverrideError


class AdminClient:
    """A running mock's admin API.

    Args:
        url: the mock's base URL (``http://127.0.0.1:8000``).
        token: its admin token, if it has one.
        timeout: seconds per call.
    """

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 30.0) -> None:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self.base = url.rstrip("/") + "/admin/api"
        self._http = httpx.Client(headers=headers, timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> AdminClient:  # noqa: PYI034 (final in practice)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None) -> Any:
        """One call; the decoded JSON answer (``None`` for 204, text for non-JSON).

        Raises:
            OverrideError: 422, with every violation.
            ControlNotFoundError: 404.
            ConfigError: the mock cannot be reached, or any other error answer.
        """
        try:
            answer = self._http.request(method, self.base + path, json=json, params=params)
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot reach the mock's admin API at {self.base}: {exc}") from None
        if answer.status_code == 204:
            return None
        is_json = answer.headers.get("content-type", "").split(";")[0].strip().endswith("json")
        body = answer.json() if is_json and answer.content else answer.text
        if answer.status_code < 400:
            return body
        detail = body.get("detail", "") if isinstance(body, dict) else str(body)
        if answer.status_code == 422 and isinstance(body, dict) and body.get("errors"):
            raise OverrideError([(e.get("location", ""), e.get("message", "")) for e in body["errors"]])
        if answer.status_code == 404:
            said = re.fullmatch(r"no (\w+) '(.*)'", detail)  # the controller's own words: keep them
            if said:
                raise ControlNotFoundError(said[1], said[2])
            raise ControlNotFoundError(path.rsplit("/", 1)[-1] or "resource", detail or path)
        raise ConfigError(f"{method} {self.base}{path}: {answer.status_code} {detail}".rstrip())

    # -- scenarios -------------------------------------------------------------------------------

    def scenarios(self) -> dict[str, Any]:
        """``{"items": [...], "active": name | None}``."""
        result: dict[str, Any] = self.call("GET", "/scenarios")
        return result

    def scenario(self, name: str) -> dict[str, Any]:
        """One scenario's document."""
        result: dict[str, Any] = self.call("GET", f"/scenarios/{name}")
        return result

    def put_scenario(self, document: dict[str, Any]) -> dict[str, Any]:
        """Create or replace a scenario (its ``name`` is in the document)."""
        name = document.get("name")
        if not isinstance(name, str) or not name:
            raise OverrideError([("/name", "a scenario needs a name")])
        result: dict[str, Any] = self.call("PUT", f"/scenarios/{name}", json=document)
        return result

    def activate(self, name: str | None) -> str | None:
        """Switch scenario (``None``: back to the spec's defaults)."""
        result: dict[str, Any] = self.call("PUT", "/scenarios/active", json={"name": name})
        active: str | None = result.get("active")
        return active

    def export(self, name: str, fmt: str = "yaml") -> str:
        """A scenario as the text of a scenario file."""
        if fmt == "json":
            import orjson

            return orjson.dumps(self.call("GET", f"/scenarios/{name}/export", params={"format": "json"}),
                                option=orjson.OPT_INDENT_2).decode() + "\n"  # fmt: skip
        text: str = self.call("GET", f"/scenarios/{name}/export", params={"format": fmt})
        return text

    def delete_scenario(self, name: str) -> None:
        """Remove a scenario."""
        self.call("DELETE", f"/scenarios/{name}")

    # -- logs, chaos, reset, MockLoop's mock-data --------------------------------------------------

    def search_logs(self, params: dict[str, str]) -> dict[str, Any]:
        """``GET /logs/search``: ``{items, total, limit, offset}`` (filters as the admin API names them)."""
        result: dict[str, Any] = self.call("GET", "/logs/search", params=params)
        return result

    def all_logs(self, params: dict[str, str] | None = None, *, bodies: bool = False) -> list[dict[str, Any]]:
        """Every exchange matching ``params``, oldest first (pages of ``GET /logs/search``); with ``bodies``, each
        with its headers, bodies and ``extra`` (``GET /logs/{id}``)."""
        items: list[dict[str, Any]] = []
        fresh = {"fresh": "true"}  # the first page waits for what the mock answered before this call
        while True:
            page = self.search_logs({**(params or {}), **fresh, "limit": "1000", "offset": str(len(items))})
            fresh = {}
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                break
        items.reverse()
        if bodies:
            items = [self.call("GET", f"/logs/{item['id']}") for item in items]
        return items

    def spec_document(self) -> dict[str, Any]:
        """The OpenAPI document the mock serves (its ``openapi.json`` beside the admin API)."""
        url = self.base.removesuffix("/admin/api") + "/openapi.json"
        try:
            answer = self._http.get(url)
            answer.raise_for_status()
            document: dict[str, Any] = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ConfigError(f"cannot read the mock's spec at {url}: {exc}") from None
        return document

    def analyze_logs(self, params: dict[str, str]) -> dict[str, Any]:
        """``GET /logs/analyze``: the analysis of the matching records."""
        result: dict[str, Any] = self.call("GET", "/logs/analyze", params=params)
        return result

    def chaos(self) -> dict[str, Any]:
        """The global chaos settings."""
        result: dict[str, Any] = self.call("GET", "/chaos")
        return result

    def set_chaos(self, document: dict[str, Any]) -> dict[str, Any]:
        """Replace the global chaos settings (``{}``: off)."""
        result: dict[str, Any] = self.call("PUT", "/chaos", json=document)
        return result

    def reset(self, owner: str | None = None) -> dict[str, Any]:
        """Back to the spec's defaults (scenarios are kept); what is in force after. With ``owner``, only that
        owner's overrides (and its active scenario) go."""
        params = {"owner": owner} if owner is not None else None
        result: dict[str, Any] = self.call("POST", "/reset", params=params)
        return result

    def mock_data(self, operation: str, body: dict[str, Any] | None = None) -> Any:
        """One of MockLoop's ``manage_mock_data`` operations (``update_response``, ``create_scenario``,
        ``switch_scenario``: POST with ``body``; ``list_scenarios``: GET)."""
        if body is None:
            return self.call("GET", f"/mock-data/{operation}")
        return self.call("POST", f"/mock-data/{operation}", json=body)

    # -- stateful mode -----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """``GET /state``: every collection in use with its items (the export format)."""
        result: dict[str, Any] = self.call("GET", "/state")
        return result

    def put_state(self, document: dict[str, Any]) -> int:
        """``PUT /state``: replace the state with ``document`` (all or nothing); how many items it holds.

        Raises:
            OverrideError: the document has problems (each one listed); nothing changed.
        """
        result: dict[str, Any] = self.call("PUT", "/state", json=document)
        count: int = result["items"]
        return count

    def reset_state(self) -> dict[str, Any]:
        """``POST /state/reset``: back to the seeded items; the state after."""
        result: dict[str, Any] = self.call("POST", "/state/reset")
        return result

    def state_collections(self) -> dict[str, Any]:
        """``GET /state/collections``: ``{"stateful": bool, "items": [...]}``, the spec's collections."""
        result: dict[str, Any] = self.call("GET", "/state/collections")
        return result

    # -- callbacks and webhooks ----------------------------------------------------------------------

    def webhooks(self) -> dict[str, Any]:
        """``GET /webhooks``: ``{"items": [{name, method, summary}], "webhook_url": str | None}``."""
        result: dict[str, Any] = self.call("GET", "/webhooks")
        return result

    def fire_webhook(self, name: str, *, url: str | None = None, body: Any = None,
                     send_body: bool = False, delay: float = 0.0) -> dict[str, Any]:  # fmt: skip
        """``POST /webhooks/{name}/fire``: queue one of the spec's webhooks; its delivery record (``pending``).

        Args:
            name: the webhook's name.
            url: the target (default: the mock's ``--webhook-url``).
            body: the body to send instead of the spec's example, when ``send_body``.
            send_body: send ``body`` (so that a JSON ``null`` can be sent too).
            delay: seconds before the first attempt.

        Raises:
            ControlNotFoundError: the spec has no webhook by that name.
            OverrideError: no usable target URL, or a bad delay.
        """
        document: dict[str, Any] = {"delay": delay}
        if url is not None:
            document["url"] = url
        if send_body:
            document["body"] = body
        result: dict[str, Any] = self.call("POST", f"/webhooks/{quote(name, safe='')}/fire", json=document)
        return result

    def deliveries(self, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        """``GET /deliveries``: ``{items, total, limit, offset}``, newest first, each with its attempts."""
        result: dict[str, Any] = self.call(
            "GET", "/deliveries", params={"limit": str(limit), "offset": str(offset)}
        )
        return result

    def delivery(self, delivery_id: str) -> dict[str, Any]:
        """``GET /deliveries/{id}``: one delivery record with its attempts.

        Raises:
            ControlNotFoundError: no delivery by that id.
        """
        result: dict[str, Any] = self.call("GET", f"/deliveries/{quote(delivery_id, safe='')}")
        return result
