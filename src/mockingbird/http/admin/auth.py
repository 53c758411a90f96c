"""The admin token guard, and the refusal to expose an unguarded admin API.

When a token is configured (``--admin-token`` or ``MOCKINGBIRD_ADMIN_TOKEN``) every
request under ``/admin`` must present it, in one of three ways:

* ``Authorization: Bearer <token>`` (scripts, the CLI's ``--url`` mode);
* ``X-Admin-Token: <token>``;
* the ``mockingbird_admin_token`` cookie, which a browser gets by opening
  ``/admin?token=<token>`` once: the guard answers with a redirect to the same
  URL without the token and sets the cookie (``HttpOnly; SameSite=Strict;
  Path=<mount point>``), so the token does not linger in the address bar or history.

Without it, ``/admin/api/*`` answers ``401`` ``application/problem+json`` with
``WWW-Authenticate: Bearer``; other admin pages answer a small HTML form asking
for the token. ``/admin/api/openapi.json`` stays public: it describes the API and
holds no data.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from mockingbird.errors import ConfigError
from mockingbird.runtime.problem import build_problem

TOKEN_ENV = "MOCKINGBIRD_ADMIN_TOKEN"
COOKIE_NAME = "mockingbird_admin_token"
PUBLIC_PATHS = frozenset({"/api/openapi.json"})  # relative to the admin mount point

_PROMPT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mockingbird admin</title>
<link rel="icon" href="data:,"></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto">
<h1>mockingbird admin</h1><p>This mock's admin pages need the admin token.</p>
<form method="get"><label>Admin token <input name="token" type="password" autofocus required></label>
<button type="submit">Open</button></form></body></html>"""


def resolve_admin_token(option: str | None) -> str | None:
    """The configured token: the option if given, else ``$MOCKINGBIRD_ADMIN_TOKEN``, else ``None``."""
    token = option if option is not None else os.environ.get(TOKEN_ENV)
    return token or None


def is_loopback(host: str) -> bool:
    """``True`` for ``127.0.0.0/8``, ``::1`` and ``localhost``."""
    if host.strip("[]").lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_admin_exposure(host: str, token: str | None) -> None:
    """Refuse to serve an unguarded admin API beyond loopback.

    Raises:
        ConfigError: ``host`` is not a loopback address and no token is set.
    """
    if token or is_loopback(host):
        return
    raise ConfigError(
        f"refusing to start: listening on {host} without an admin token; pass --admin-token or {TOKEN_ENV}"
    )


class AdminTokenGuard:
    """ASGI middleware requiring the admin token on every ``/admin`` request (see the module docstring).

    Args:
        app: the admin app.
        token: the token; ``None`` lets everything through.
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token.encode("utf-8") if token else None

    def _ok(self, candidate: str | bytes | None) -> bool:
        if not candidate or self.token is None:
            return False
        raw = candidate.encode("utf-8") if isinstance(candidate, str) else candidate
        return hmac.compare_digest(raw, self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "")
        sub = scope["path"].removeprefix(root)
        if scope["type"] != "http" or self.token is None or sub in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        from_query = next((v for k, v in params if k == "token"), None)
        if from_query is not None and self._ok(from_query):
            rest = urlencode([(k, v) for k, v in params if k != "token"])
            location = scope["path"] + (f"?{rest}" if rest else "")
            cookie = f"{COOKIE_NAME}={quote(from_query, safe='')}; HttpOnly; SameSite=Strict; Path={root or '/admin'}"
            await self._respond(send, 303, b"", b"text/plain", [(b"location", location.encode()),
                                                                 (b"set-cookie", cookie.encode())])  # fmt: skip
            return
        if self._presented(scope):
            await self.app(scope, receive, send)
            return
        if sub.startswith("/api/") or sub == "/api":
            answer = build_problem(
                401, "this mock's admin API needs its token: send 'Authorization: Bearer <token>' "
                     "or 'X-Admin-Token: <token>'",
                title="Unauthorized", headers=[(b"www-authenticate", b'Bearer realm="mockingbird-admin"')],
            )  # fmt: skip
            await send({"type": "http.response.start", "status": 401, "headers": answer.wire_headers()})
            await send({"type": "http.response.body", "body": answer.body})
        else:
            await self._respond(send, 401, _PROMPT.encode(), b"text/html; charset=utf-8", [])

    def _presented(self, scope: Scope) -> bool:
        for key, value in scope["headers"]:
            if key == b"authorization":
                scheme, _, cred = value.partition(b" ")
                if scheme.lower() == b"bearer" and self._ok(cred.strip()):
                    return True
            elif key == b"x-admin-token":
                if self._ok(value.strip()):
                    return True
            elif key == b"cookie":
                for part in value.split(b";"):
                    name, sep, cred = part.strip().partition(b"=")
                    if sep and name == COOKIE_NAME.encode() and self._ok(unquote_to_bytes(cred)):
                        return True
        return False

    @staticmethod
    async def _respond(
        send: Send, status: int, body: bytes, content_type: bytes, headers: list[tuple[bytes, bytes]]
    ) -> None:
        await send({
            "type": "http.response.start", "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": body})
