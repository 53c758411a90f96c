"""The proxy's I/O through the real CLI: framing under real pipes, exit codes, signals, back-pressure."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from .proxyproc import ECHO, PROXY, run_proxy

pytestmark = pytest.mark.anyio

# the default loop (uvloop when installed) and the standard asyncio loop run the same relay code
LOOPS = pytest.mark.parametrize("loop", ["auto", "asyncio"])

CAT = [sys.executable, "-c", "import sys, shutil; shutil.copyfileobj(sys.stdin.buffer, sys.stdout.buffer, 1)"]


def _mocks(tmp_path: Path, *mocks: dict[str, object]) -> str:
    path = tmp_path / "mocks.json"
    path.write_text(json.dumps({"mocks": list(mocks)}))
    return str(path)


ECHO_MOCK = {
    "request": {"method": "mocked"},
    "response": {"stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id", "result": {"from": "mock"}}},
}


@LOOPS
async def test_ten_megabyte_messages_pass_both_ways_and_match_whole(tmp_path: Path, loop: str) -> None:
    big = "x" * (10 * 1024 * 1024)
    async with run_proxy(
        "--event-loop", loop, "--mocks-file", _mocks(tmp_path, ECHO_MOCK), "--", *ECHO
    ) as proxy:
        await proxy.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"blob": big}})
        reply = await proxy.json()
        assert reply["id"] == 1 and reply["result"]["params"]["blob"] == big
        await proxy.send({"jsonrpc": "2.0", "id": 2, "method": "mocked", "params": {"blob": big}})
        assert await proxy.json() == {"jsonrpc": "2.0", "id": 2, "result": {"from": "mock"}}


@LOOPS
async def test_many_messages_in_one_write_are_each_matched(tmp_path: Path, loop: str) -> None:
    lines = b"".join(
        json.dumps({"jsonrpc": "2.0", "id": i, "method": "mocked" if i % 2 else "real"}).encode() + b"\n"
        for i in range(500)
    )
    async with run_proxy(
        "--event-loop", loop, "--mocks-file", _mocks(tmp_path, ECHO_MOCK), "--", *ECHO
    ) as proxy:
        await proxy.send(lines)
        replies = [await proxy.json() for _ in range(500)]
    by_id = {r["id"]: r["result"]["from"] for r in replies}
    assert by_id == {i: "mock" if i % 2 else "server" for i in range(500)}


async def test_a_message_split_across_many_writes_is_matched_as_one(tmp_path: Path) -> None:
    line = json.dumps(
        {"jsonrpc": "2.0", "id": "split", "method": "mocked", "params": {"p": "y" * 5000}}
    ).encode()
    async with run_proxy("--mocks-file", _mocks(tmp_path, ECHO_MOCK), "--", *ECHO) as proxy:
        for i in range(0, len(line), 500):
            await proxy.send(line[i : i + 500])
            await anyio.sleep(0.005)  # let each piece arrive as its own read
        await proxy.send(b"\n")
        assert await proxy.json() == {"jsonrpc": "2.0", "id": "split", "result": {"from": "mock"}}


async def test_non_json_lines_pass_through_untouched_both_ways(tmp_path: Path) -> None:
    payload = (
        b"hello world\r\n\xff\xfe not utf-8\n\n   \n{broken json\n"
        + json.dumps({"jsonrpc": "2.0", "method": "notifications/x"}).encode()
        + b"\nno newline at the end"
    )
    async with run_proxy("--mocks-file", _mocks(tmp_path, ECHO_MOCK), "--", *CAT) as proxy:
        await proxy.send(payload)
        await proxy.close_stdin()
        assert await proxy.rest() == payload
        assert await proxy.process.wait() == 0


@LOOPS
async def test_a_crashing_child_ends_the_session_with_its_exit_code(loop: str) -> None:
    async with run_proxy("--event-loop", loop, "--no-mocks", "--", *ECHO) as proxy:
        await proxy.send({"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert (await proxy.json())["id"] == 1
        await proxy.send({"jsonrpc": "2.0", "id": 2, "method": "crash"})
        assert await proxy.rest() == b""  # the client sees EOF
        assert await proxy.process.wait() == 3
    assert b"crashing now\n" in proxy.stderr


@LOOPS
async def test_sigterm_is_forwarded_to_the_child(loop: str) -> None:
    async with run_proxy("--event-loop", loop, "--no-mocks", "--", *ECHO, "--on-term") as proxy:
        await proxy.send({"jsonrpc": "2.0", "id": 1, "method": "ping"})
        await proxy.json()  # the child is up and has installed its handler
        proxy.process.send_signal(signal.SIGTERM)
        assert await proxy.process.wait() == 143
    assert bytes(proxy.stderr) == b"got SIGTERM\n"


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@LOOPS
async def test_a_child_that_never_reads_makes_the_client_block_without_the_proxy_growing(loop: str) -> None:
    chunk = (
        json.dumps({"jsonrpc": "2.0", "method": "notifications/x", "params": {"p": "z" * 65000}}) + "\n"
    ).encode()
    sent = 0
    async with run_proxy("--event-loop", loop, "--no-mocks", "--", *ECHO, "--no-read") as proxy:
        await proxy.wait_stderr("not reading")
        rss_before = _rss_kib(proxy.process.pid)
        with anyio.move_on_after(3):
            for _ in range(1000):  # 65 MB, far more than any pipe buffer
                await proxy.send(chunk)
                sent += len(chunk)
        assert sent < 16 * 1024 * 1024  # back-pressure reached the client
        assert _rss_kib(proxy.process.pid) - rss_before < 16 * 1024
        # not deadlocked: signals are still handled and forwarded
        proxy.process.send_signal(signal.SIGTERM)
        assert await proxy.process.wait() == 128 + signal.SIGTERM


def _replace(path: Path, text: str) -> None:
    """Save like an editor does (write a new file, rename it over the old): no half-written state to see."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)


async def test_the_mocks_file_is_reloaded_when_it_changes(tmp_path: Path) -> None:
    path = Path(
        _mocks(
            tmp_path, {"request": {"method": "v"}, "response": {"stdout": {"id": "@stdin.body.id", "v": 1}}}
        )
    )
    async with run_proxy("--mocks-file", str(path), "--block-unmocked", "--", *ECHO) as proxy:
        await proxy.send({"jsonrpc": "2.0", "id": 0, "method": "v"})
        assert (await proxy.json())["v"] == 1
        _replace(path, '{"mocks": [')  # a bad edit: one error, the old mocks stay
        await proxy.wait_stderr("not valid JSON")
        await proxy.send({"jsonrpc": "2.0", "id": 1, "method": "v"})
        assert (await proxy.json())["v"] == 1
        _replace(
            path,
            json.dumps(
                {
                    "mocks": [
                        {"request": {"method": "v"}, "response": {"stdout": {"id": "@stdin.body.id", "v": 2}}}
                    ]
                }
            ),
        )
        await proxy.wait_stderr("reloaded")
        await proxy.send({"jsonrpc": "2.0", "id": 2, "method": "v"})
        assert await proxy.json() == {"id": 2, "v": 2}
    assert bytes(proxy.stderr).count(b"not valid JSON") == 1


async def test_without_a_command_the_proxy_answers_from_mocks_alone(tmp_path: Path) -> None:
    async with run_proxy("--mocks-file", _mocks(tmp_path, ECHO_MOCK)) as proxy:
        await proxy.send({"jsonrpc": "2.0", "id": 1, "method": "mocked"})
        await proxy.send({"jsonrpc": "2.0", "id": 2, "method": "other"})
        assert (await proxy.json())["result"] == {"from": "mock"}
        assert (await proxy.json())["error"]["code"] == -32601
        await proxy.close_stdin()
        assert await proxy.process.wait() == 0


async def test_startup_mocks_are_written_before_any_input(tmp_path: Path) -> None:
    mocks = _mocks(tmp_path, {"response": {"stderr": "mock server ready\n"}})
    async with run_proxy("--mocks-file", mocks, "--", *ECHO) as proxy:
        await proxy.wait_stderr("mock server ready\n")
        await proxy.close_stdin()
        assert await proxy.process.wait() == 0


async def test_a_broken_mocks_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "stdio-mocks.json"
    path.write_text('{"mocks": [{"request": {"nth": "two"}}]}')
    async with run_proxy("--mocks-file", str(path), "--", *ECHO) as proxy:
        assert await proxy.process.wait() == 2
        assert await proxy.rest() == b""
    assert bytes(proxy.stderr).decode() == (
        f'error: {path}: mocks[0].request.nth: expected a positive integer, got "two"\n'
    )


async def test_an_unknown_command_is_a_clear_error(tmp_path: Path) -> None:
    async with run_proxy("--no-mocks", "--", "no-such-program-mockingbird") as proxy:
        assert await proxy.process.wait() == 127
    assert bytes(proxy.stderr).decode() == "error: cannot start 'no-such-program-mockingbird': not found\n"


def test_regular_files_as_stdin_and_stdout(tmp_path: Path) -> None:
    """Pipes are the normal case; redirected files take another code path."""
    (tmp_path / "in.jsonl").write_bytes(
        b'{"jsonrpc":"2.0","id":1,"method":"mocked"}\n{"jsonrpc":"2.0","id":2,"method":"x"}\n'
    )
    mocks = _mocks(tmp_path, ECHO_MOCK)
    with open(tmp_path / "in.jsonl", "rb") as stdin, open(tmp_path / "out.jsonl", "wb") as stdout:
        result = subprocess.run(
            [*PROXY, "--mocks-file", mocks, "--", *ECHO],
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=30,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sorted((r["id"], r["result"]["from"]) for r in replies) == [(1, "mock"), (2, "server")]


async def test_sigint_is_forwarded_and_a_signal_death_maps_to_128_plus_n() -> None:
    async with run_proxy("--no-mocks", "--", *ECHO) as proxy:
        await proxy.send({"jsonrpc": "2.0", "id": 1, "method": "ping"})
        await proxy.json()
        proxy.process.send_signal(signal.SIGINT)
        # Python turns SIGINT into KeyboardInterrupt and, unhandled, dies of SIGINT again
        assert await proxy.process.wait() == 128 + signal.SIGINT
    assert b"KeyboardInterrupt" in proxy.stderr


async def test_own_messages_go_to_the_log_file_and_never_to_stdout(tmp_path: Path) -> None:
    log = tmp_path / "proxy.log"
    async with run_proxy(
        "-v",
        "--log-file",
        str(log),
        "--mocks-file",
        _mocks(tmp_path, ECHO_MOCK),
        "--block-unmocked",
        "--",
        *ECHO,
    ) as proxy:
        await proxy.send({"jsonrpc": "2.0", "id": 1, "method": "mocked"})
        await proxy.send({"jsonrpc": "2.0", "id": 2, "method": "other"})
        await proxy.close_stdin()
        lines = (await proxy.rest()).splitlines()
        assert await proxy.process.wait() == 0
    assert [json.loads(line)["id"] for line in lines] == [1, 2]
    assert bytes(proxy.stderr) == b""
    text = log.read_text()
    assert "mock #0 answered mocked" in text and "blocked other (id 2)" in text


async def test_a_failed_start_leaves_an_earlier_recording_alone(tmp_path: Path) -> None:
    recording = tmp_path / "rec.json"
    recording.write_text('{"mocks": []}')
    async with run_proxy("--record", str(recording), "--", "no-such-program-mockingbird") as proxy:
        assert await proxy.process.wait() == 127
    assert recording.read_text() == '{"mocks": []}'


async def test_a_recording_in_progress_is_saved_so_a_killed_proxy_keeps_it(tmp_path: Path) -> None:
    recording = tmp_path / "rec.json"
    async with run_proxy("--no-mocks", "--record", str(recording), "--", *ECHO) as proxy:
        await proxy.send({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        await proxy.json()
        while not recording.exists():  # saved within about a second, without waiting for the end
            await anyio.sleep(0.05)
        proxy.process.kill()
        await proxy.process.wait()
    (mock,) = json.loads(recording.read_text())["mocks"]
    assert mock["request"] == {"method": "tools/list"}
    assert mock["response"]["stdout"]["result"]["method"] == "tools/list"
