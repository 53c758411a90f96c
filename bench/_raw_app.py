"""Baseline for bench_serve.py: a raw ASGI app that returns fixed bytes.

The body and content type come from the files named by BENCH_BODY_FILE and
BENCH_CONTENT_TYPE, so the baseline sends exactly what the mock sends.
"""

from __future__ import annotations

import os

with open(os.environ["BENCH_BODY_FILE"], "rb") as _fh:
    _BODY = _fh.read()
_HEADERS = [
    (b"content-type", os.environ.get("BENCH_CONTENT_TYPE", "application/json").encode()),
    (b"content-length", str(len(_BODY)).encode()),
]


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})
