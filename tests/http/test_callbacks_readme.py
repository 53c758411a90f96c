"""The README's callback walk-through, run as written: its receiver.py, ``mockingbird serve`` and its curl lines.

Only the ports change (the README's 9000 and 8000 become free ones); what the receiver prints must be what the
README's ``# receiver:`` comments say, and each curl must print what its comment says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import orjson
from tests.cli.test_serve import ROOT, _free_port, serving

CALLBACKS = ROOT / "examples" / "callbacks.yaml"


def _walk_through() -> tuple[str, str, list[str]]:
    """The receiver's source, the serve line and the commands after it."""
    section = (ROOT / "README.md").read_text().split("\n## Callbacks and webhooks", 1)[1].split("\n## ", 1)[0]
    script = section.split("```bash\n", 1)[1].split("```", 1)[0]
    head, receiver, rest = re.split(r"cat > receiver.py <<'EOF'\n|\nEOF\n", script)
    assert head == ""
    lines = re.sub(r"\\\n\s*", "", rest).strip().splitlines()  # continued lines joined
    assert lines[0] == "python receiver.py &" and lines[1].startswith(
        "mockingbird serve examples/callbacks.yaml "
    )
    return receiver, lines[1], lines[2:]


def _received(proc: subprocess.Popen[str], count: int) -> list[str]:
    """The first ``count`` lines the receiver printed (it prints one per request it got)."""
    assert proc.stdout is not None
    return [proc.stdout.readline().strip() for _ in range(count)]


def test_the_readme_callback_walk_through_delivers_what_it_shows(tmp_path: Path) -> None:
    source, serve_line, commands = _walk_through()
    hook_port = _free_port()
    (tmp_path / "receiver.py").write_text(source.replace("9000", str(hook_port)))
    receiver = subprocess.Popen(
        [sys.executable, "-u", "receiver.py"], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    try:
        args = serve_line.replace("9000", str(hook_port)).split()[2:-1]  # without `mockingbird serve` and `&`
        assert args[0] == "examples/callbacks.yaml"
        with serving(str(ROOT / args[0]), *args[1:]) as served:
            outputs: dict[str, str] = {}
            for line in (c for c in commands if c.strip() and not c.lstrip().startswith("#")):
                command = line.replace("localhost:8000", served.url).replace("9000", str(hook_port))
                if line.startswith("curl localhost:8000/admin/api/deliveries"):
                    got = _received(receiver, 2)  # both delivered before the list is read
                run = subprocess.run(["bash", "-euo", "pipefail", "-c", command.split("  # ")[0].split(" # ")[0]],
                                     capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
                assert run.returncode == 0, run.stderr
                outputs[line] = run.stdout
    finally:
        receiver.kill()
        receiver.wait(10)
    comments = {line: line.split("# ", 1)[1].strip() for line in commands if "# " in line}
    subscribe = next(line for line in outputs if "/subscriptions" in line)
    assert outputs[subscribe].strip() == comments[subscribe]  # {"id":"sub-1"}
    listed = orjson.loads(next(v for k, v in outputs.items() if "admin/api/deliveries" in k))["items"]
    assert sorted(d["kind"] for d in listed) == ["callback", "webhook"]
    expected = [c.removeprefix("receiver: ") for c in comments.values() if c.startswith("receiver: ")]
    assert len(expected) == 2, commands
    by_path = {line.split(" ")[1]: line for line in got}
    for line in expected:  # the callback's body is generated: the same fields; the webhook's is as given
        method, path, body = line.split(" ", 2)
        assert by_path[path].startswith(f"{method} {path} ")
        sent = orjson.loads(by_path[path].split(" ", 2)[2])
        if path == "/hooks":
            assert sent == orjson.loads(body)
        else:
            assert set(sent) == set(orjson.loads(body)) and sent["event"] in ("fed", "walked", "adopted")
