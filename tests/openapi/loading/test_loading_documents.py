"""Reading specs: URLs served by a real local HTTP server, parser choice and fallbacks."""

from __future__ import annotations

import functools
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mockingbird.errors import SpecError, SpecNotFoundError
from mockingbird.openapi import load_spec


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served over HTTP on 127.0.0.1 (free port): yields (directory, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def put(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_spec_loads_from_a_url_with_relative_refs_resolved_against_the_url(served: tuple[Path, str]) -> None:
    root, base = served
    put(
        root,
        "api/openapi.yaml",
        (
            "openapi: 3.1.0\ninfo: {title: Remote, version: '2'}\nservers: [{url: /v2}]\npaths:\n  /x:\n    get:\n"
            "      responses:\n        '200': {$ref: 'parts/responses.yaml#/Ok'}\n"
        ),
    )
    put(
        root,
        "api/parts/responses.yaml",
        (
            "Ok:\n  description: ok\n  content:\n    application/json:\n      schema: {$ref: '../models/x.json'}\n"
        ),
    )
    put(root, "api/models/x.json", '{"type": "object", "properties": {"id": {"type": "integer"}}}')
    spec = load_spec(f"{base}/api/openapi.yaml")
    assert (spec.title, spec.source, spec.base_path) == ("Remote", f"{base}/api/openapi.yaml", "/v2")
    ref = spec.operations[0].responses["200"].content["application/json"].schema["$ref"]  # type: ignore[index]
    assert ref == "#/x-mockingbird-bundled/models~1x.json"
    assert spec.resolve(ref)["properties"] == {"id": {"type": "integer"}}


def test_local_file_may_ref_an_absolute_url(served: tuple[Path, str], tmp_path: Path) -> None:
    root, base = served
    put(root, "common.yaml", "Error: {type: object, required: [message]}\n")
    local = tmp_path / "spec.yaml"
    local.write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
        f"        default:\n          description: e\n          content:\n            application/json:\n"
        f"              schema: {{$ref: '{base}/common.yaml#/Error'}}\n"
    )
    spec = load_spec(local)
    ref = spec.operations[0].responses["default"].content["application/json"].schema["$ref"]  # type: ignore[index]
    assert ref.startswith("#/x-mockingbird-bundled/http:~1~1127.0.0.1:")
    assert spec.resolve(ref) == {"type": "object", "required": ["message"]}


def test_url_that_answers_404_is_not_found(served: tuple[Path, str]) -> None:
    _, base = served
    with pytest.raises(SpecNotFoundError) as info:
        load_spec(f"{base}/missing.yaml")
    assert info.value.source == f"{base}/missing.yaml" and "HTTP 404" in info.value.problem


def test_unreachable_url_is_not_found() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SpecNotFoundError) as info:
        load_spec(f"http://127.0.0.1:{port}/spec.json")
    assert "cannot fetch" in info.value.problem and "\n" not in str(info.value)


def test_json_content_is_detected_whatever_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "spec.txt"
    path.write_bytes(
        b'\xef\xbb\xbf{"openapi": "3.0.0", "info": {"title": "bom", "version": "1"}, "paths": {}}'
    )
    assert load_spec(path).title == "bom"


def test_yaml_values_stay_json_like(tmp_path: Path) -> None:
    """Dates stay strings, and integers too big for ryaml fall back to PyYAML."""
    path = tmp_path / "spec.yaml"
    path.write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: 2024-01-01}\ncomponents:\n  schemas:\n"
        "    Big: {type: integer, maximum: 18446744073709551616000}\n"
    )
    spec = load_spec(path)
    assert spec.version == "2024-01-01"
    assert spec.resolve("#/components/schemas/Big")["maximum"] == 18446744073709551616000


def test_yaml_file_with_a_json_extension_error_names_json(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text("openapi: 3.0.0\n")
    with pytest.raises(SpecError, match="invalid JSON"):
        load_spec(path)


def test_a_remote_spec_may_not_ref_another_origin_unless_the_policy_allows_it(
    served: tuple[Path, str],
) -> None:
    from tests.hostile.servers import Reply, serve

    from mockingbird.errors import FetchRefusedError
    from mockingbird.fetching import FetchPolicy

    root, base = served
    with serve("127.0.0.2", {"/lib.yaml": Reply("Pet: {type: object}\n")}) as other:
        put(
            root,
            "spec.yaml",
            (
                "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
                "        '200':\n          description: ok\n          content:\n            application/json:\n"
                f"              schema: {{$ref: '{other.base}/lib.yaml#/Pet'}}\n"
            ),
        )
        with pytest.raises(FetchRefusedError) as info:
            load_spec(f"{base}/spec.yaml")
        assert other.requests == []
        assert str(info.value).startswith(f"{base}/spec.yaml#/paths/~1a/get/responses/200/content/")
        spec = load_spec(f"{base}/spec.yaml", policy=FetchPolicy(allow_hosts=frozenset({"127.0.0.2"})))
    ref = spec.operations[0].responses["200"].content["application/json"].schema["$ref"]  # type: ignore[index]
    assert spec.resolve(ref) == {"type": "object"}


def test_a_remote_spec_never_reads_a_local_file(served: tuple[Path, str], tmp_path: Path) -> None:
    from mockingbird.errors import FetchRefusedError

    secret = tmp_path / "secret.yaml"
    secret.write_text("Pet: {type: object}\n")
    root, base = served
    put(
        root,
        "spec.yaml",
        (
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
            f"    Pet: {{$ref: 'file://{secret}#/Pet'}}\n"
        ),
    )
    with pytest.raises(FetchRefusedError, match="a remote document cannot reference local files"):
        load_spec(f"{base}/spec.yaml")


def test_every_file_of_a_local_multi_file_spec_is_parsed_under_the_budgets(tmp_path: Path) -> None:
    from tests.hostile.generate import alias_bomb

    (tmp_path / "lib.yaml").write_text(alias_bomb())
    (tmp_path / "spec.yaml").write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    Pet: {$ref: 'lib.yaml#/a0'}\n"
    )
    with pytest.raises(SpecError, match="aliases expand to more than the limit") as info:
        load_spec(tmp_path / "spec.yaml")
    assert info.value.source == str(tmp_path / "lib.yaml")
