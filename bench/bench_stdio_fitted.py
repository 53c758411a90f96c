"""Benchmark: a mocked ``tools/call`` through ``mockingbird stdio``, against the real server's own call.

The client is a 2026-07-28 one (the protocol version in each request's ``_meta``) calling
``get_current_time`` of the real ``mcp-server-time``. Baseline: the server itself, over a plain
pipe. Measured alongside, pair by pair: the same call answered by a naive Dev Proxy mock in front
of that server (a text result: the proxy completes ``resultType`` and parses ``structuredContent``
from the JSON text, having learnt the output schema once), and by a mock that is already complete
(nothing to fit), so the fitting's own cost shows as the difference of the two.

    .venv/bin/python bench/bench_stdio_fitted.py [--pairs 2000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_stdio import PROXY, _pct, _report, ping_pong

TIME_SERVER = [shutil.which("mcp-server-time") or str(Path(sys.executable).parent / "mcp-server-time")]
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}
PARAMS: dict[str, object] = {"name": "get_current_time", "arguments": {"timezone": "UTC"}, "_meta": META}
NOON = {
    "timezone": "UTC",
    "datetime": "2020-01-01T12:00:00+00:00",
    "day_of_week": "Wednesday",
    "is_dst": False,
}
NAIVE = (
    '{"jsonrpc":"2.0","id":@stdin.body.id,"result":{"content":[{"type":"text","text":'
    + json.dumps(json.dumps(NOON))
    + "}]}}\n"
)
COMPLETE = {
    "jsonrpc": "2.0",
    "id": "@stdin.body.id",
    "result": {
        "content": [{"type": "text", "text": json.dumps(NOON)}],
        "structuredContent": NOON,
        "resultType": "complete",
    },
}


def _mocks(folder: Path, name: str, stdout: object) -> list[str]:
    path = folder / f"{name}.json"
    path.write_text(
        json.dumps(
            {"mocks": [{"request": {"bodyFragment": "get_current_time"}, "response": {"stdout": stdout}}]}
        )
    )
    return [*PROXY, "--mocks-file", str(path), "-q", "--", *TIME_SERVER]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        naive, complete = _mocks(folder, "naive", NAIVE), _mocks(folder, "complete", COMPLETE)
        method = (b"tools/call", b"tools/call")
        print(f"mocked tools/call vs the real mcp-server-time call, {args.pairs} pairs each, interleaved")
        base, fitted = ping_pong(TIME_SERVER, naive, args.pairs, method, PARAMS, handshake=False)
        _report("naive Dev Proxy mock, fitted by the proxy (vs the real server's call)", base, fitted)
        base2, plain = ping_pong(TIME_SERVER, complete, args.pairs, method, PARAMS, handshake=False)
        _report("complete mock, nothing to fit (vs the real server's call)", base2, plain)
        print(
            f"  the fitting's own cost: p50 {_pct(fitted, 0.5) - _pct(plain, 0.5):+.1f} us "
            f"(naive {_pct(fitted, 0.5):.1f} us, complete {_pct(plain, 0.5):.1f} us)"
        )


if __name__ == "__main__":
    main()
