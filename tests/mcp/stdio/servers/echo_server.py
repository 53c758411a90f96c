"""A tiny raw JSON-RPC server over stdio for the proxy tests and the benchmark.

Requests are answered with ``{"from": "server", "method": ..., "params": ...}``;
``crash`` exits with code 3 after writing to stderr; ``notify`` sends a
notification first; notifications get no answer. ``--no-read`` makes a server
that never reads its stdin (it writes a banner and waits to be signalled).
``--on-term`` prints ``got SIGTERM`` to stderr and exits 143 on SIGTERM.
"""

from __future__ import annotations

import json
import signal
import sys
import time


def main() -> int:
    if "--on-term" in sys.argv:

        def on_term(signum: int, frame: object) -> None:
            sys.stderr.write("got SIGTERM\n")
            sys.stderr.flush()
            sys.exit(143)

        signal.signal(signal.SIGTERM, on_term)
    if "--no-read" in sys.argv:
        sys.stderr.write("not reading\n")
        sys.stderr.flush()
        while True:
            time.sleep(3600)
    out = sys.stdout
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            out.write(json.dumps({"jsonrpc": "2.0", "method": "server/saw", "params": {"line": line}}) + "\n")
            out.flush()
            continue
        method = message.get("method")
        if method == "crash":
            sys.stderr.write("crashing now\n")
            sys.stderr.flush()
            return 3
        if method == "notify":
            out.write('{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"hi"}}\n')
        if "id" in message and method is not None:
            result = {"from": "server", "method": method, "params": message.get("params")}
            out.write(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
