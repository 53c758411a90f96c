"""The one error hierarchy: its documented tree, exit codes, and messages that name the place."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import mockingbird
from mockingbird import errors
from mockingbird.errors import (
    CommandNotFoundError,
    ConfigError,
    ControlNotFoundError,
    DocumentError,
    ExampleNotFoundError,
    FetchError,
    FetchRefusedError,
    LogQueryError,
    MCPCallError,
    MCPKitError,
    MCPTimeoutError,
    MockingbirdError,
    MocksFileError,
    OverrideError,
    SchemaGenerationError,
    SelectionError,
    SpecError,
    SpecNotFoundError,
    StoreError,
    StoreFullError,
    UnmockedCallError,
)

ALL_ERRORS = [
    obj
    for obj in vars(errors).values()
    if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == errors.__name__
]


def _documented_tree() -> dict[str, tuple[str | None, str | None]]:
    """name -> (parent in the tree, stdlib base in parentheses) from the module docstring."""
    tree: dict[str, tuple[str | None, str | None]] = {}
    stack: list[str] = []
    assert errors.__doc__ is not None
    for line in errors.__doc__.splitlines():
        match = re.match(r"^    ((?:[│ ]   )*)(?:[├└]── )?([A-Z]\w+)(?: \((\w+)\))?", line)
        if match is None or not match.group(2).endswith("Error"):
            continue
        depth = len(match.group(1)) // 4 + (1 if "──" in line else 0)
        del stack[depth:]
        tree[match.group(2)] = (stack[-1] if stack else None, match.group(3))
        stack.append(match.group(2))
    return tree


def test_the_documented_tree_is_the_class_hierarchy() -> None:
    tree = _documented_tree()
    assert sorted(tree) == sorted(cls.__name__ for cls in ALL_ERRORS)
    for cls in ALL_ERRORS:
        parent, stdlib = tree[cls.__name__]
        ours = [b for b in cls.__bases__ if issubclass(b, MockingbirdError)]
        others = [b.__name__ for b in cls.__bases__ if not issubclass(b, MockingbirdError)]
        if parent is None:
            assert cls is MockingbirdError
            continue
        assert [b.__name__ for b in ours] == [parent], cls
        assert others == ([stdlib] if stdlib else []), cls


def test_every_error_the_package_exports_comes_from_the_one_hierarchy() -> None:
    exported = [getattr(mockingbird, n) for n in mockingbird.__all__ if n.endswith("Error")]
    assert MockingbirdError in exported and SpecError in exported
    assert all(e in ALL_ERRORS and issubclass(e, MockingbirdError) for e in exported)


@pytest.mark.parametrize(
    ("error", "stdlib"),
    [
        (ControlNotFoundError("override", "x"), LookupError),
        (ExampleNotFoundError("a", ()), LookupError),
        (MCPTimeoutError("tools/call", 1.0), TimeoutError),
        (UnmockedCallError("unmocked tools/call"), AssertionError),  # pytest reports it as a failed assert
    ],
)
def test_some_errors_are_also_the_stdlib_error_callers_expect(error: MockingbirdError, stdlib: type) -> None:
    assert isinstance(error, stdlib) and isinstance(error, MockingbirdError)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError("bad option"), 2),
        (LogQueryError("status", "bad"), 2),
        (SpecError("a.yaml", "", "broken"), 2),
        (SpecNotFoundError("a.yaml", "", "no such file"), 2),
        (FetchError("a.yaml", "/paths", "timed out", url="https://x.test/s.yaml"), 2),
        (FetchRefusedError("https://x.test/s.yaml", "", "private address", url="https://x.test/s.yaml"), 2),
        (DocumentError("a.yaml", "too deep", limit="max_depth"), 2),
        (ControlNotFoundError("scenario", "x"), 2),
        (MocksFileError("mocks.json", "not JSON"), 2),
        (OverrideError([("/times", "must be positive")]), 2),
        (CommandNotFoundError("srv", "not found"), 127),
        (StoreError("disk full"), 1),
        (StoreFullError("writer behind"), 1),
        (SelectionError(406, "Not Acceptable", "only application/json"), 1),
        (SchemaGenerationError("false schema"), 1),
        (ExampleNotFoundError("a", ()), 1),
        (MCPKitError("x"), 1),
        (MCPCallError(-32601, "nope"), 1),
        (MCPTimeoutError("ping", 1), 1),
        (UnmockedCallError("x"), 1),
        (MockingbirdError("x"), 1),
    ],
)
def test_exit_codes(error: MockingbirdError, code: int) -> None:
    assert error.exit_code == code


@pytest.mark.parametrize(
    ("pointer", "message"),
    [
        ("/paths/~1pets/get", "api.yaml#/paths/~1pets/get: no responses"),
        ("line 12", "api.yaml:12: no responses"),
        ("", "api.yaml: no responses"),
    ],
)
def test_spec_errors_name_the_file_and_the_place_in_it(pointer: str, message: str) -> None:
    error = SpecNotFoundError("api.yaml", pointer, "no responses")
    assert str(error) == message
    assert (error.source, error.pointer, error.problem) == ("api.yaml", pointer, "no responses")


def test_messages_name_what_is_wrong_and_where() -> None:
    assert str(LogQueryError("since", "not a time")) == "since: not a time"
    assert str(MocksFileError("m.json", "mocks[0]: no response")) == "m.json: mocks[0]: no response"
    assert str(CommandNotFoundError("srv", "not executable")) == "cannot start 'srv': not executable"
    assert str(ControlNotFoundError("scenario", "happy")) == "no scenario 'happy'"
    assert (
        str(SelectionError(400, "Bad Request", "no example 'x'; available: a"))
        == "no example 'x'; available: a"
    )


def test_an_override_error_names_the_first_problem_and_counts_the_rest() -> None:
    one = OverrideError([("/overrides/0/times", "must be >= 1")], source="o.yaml")
    assert str(one) == "o.yaml#/overrides/0/times: must be >= 1"
    many = OverrideError([("/a", "bad"), ("/b", "worse"), ("/c", "worst")])
    assert str(many) == "/a: bad (and 2 more)"
    assert many.violations == [("/a", "bad"), ("/b", "worse"), ("/c", "worst")]
    assert str(OverrideError([])) == "document: invalid"
    assert str(MCPCallError(-32602, "bad params")) == "[-32602] bad params"


def test_document_errors_name_the_line_when_there_is_one() -> None:
    assert str(DocumentError("a.yaml", "bad indent", line=3, column=5)) == "a.yaml:3: bad indent"
    assert str(DocumentError("a.json", "past the size cap", limit="max_bytes")) == "a.json: past the size cap"


def test_a_missing_example_lists_the_ones_that_exist() -> None:
    error = ExampleNotFoundError("sad", ["happy", "empty"])
    assert str(error) == "No example named 'sad'; available: happy, empty"
    assert error.available == ("happy", "empty")
    assert str(ExampleNotFoundError("sad", ())) == "No example named 'sad'; available: none"


def test_a_timeout_names_the_call_the_server_and_the_way_out() -> None:
    error = MCPTimeoutError("tools/call 'add'", 2.5, "stdio: python server.py")
    assert str(error).startswith("tools/call 'add' got no answer from stdio: python server.py within 2.5 s")
    assert "timeout=" in str(error)
    assert " from " not in str(MCPTimeoutError("ping", 30.0))
    assert (error.method, error.timeout, error.server) == ("tools/call 'add'", 2.5, "stdio: python server.py")


def test_a_call_error_keeps_its_json_rpc_parts() -> None:
    error = MCPCallError(-32000, "boom", {"retry": True})
    assert (error.code, error.message, error.data) == (-32000, "boom", {"retry": True})


def test_the_cli_turns_an_error_into_one_line_and_its_exit_code(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: t\n")
    for spec, code in ((tmp_path / "missing.yaml", 2), (broken, 2)):
        run = subprocess.run(
            [sys.executable, "-m", "mockingbird", "serve", str(spec)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert run.returncode == code
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {spec}"), run.stderr
