"""Manifest and recording files read under the parse budgets: every broken one is a ``ManifestError`` (or a
``DocumentError``) naming the file and the place; a snapshot written is read back as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from _mcp_mock_helpers import WEATHER

from mockingbird.errors import ConfigError, DocumentError, ManifestError
from mockingbird.mcp.mock.sources import load_source, snapshot, write_manifest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tools: [{name: t}]", "#/tools/0/inputSchema: Field required"),
        ("tools: [{name: t, inputSchema: {type: object}}]\nresults: {u: [{result: {}}]}",
         "#/results/u: no tool 'u' is listed under tools"),
        ("tools: {name: t}", "#/tools: a list of tools items"),
        ("tools: [{name: t, inputSchema: {type: string}}]", "#/tools/0/inputSchema: a JSON Schema of type object"),
        ("tools: [{name: t, inputSchema: {type: object}}, {name: t, inputSchema: {type: object}}]",
         "#/tools/1/name: tool 't' is listed twice"),
        ("tools: [{name: t, inputSchema: {type: object}}]\nresults: {t: [{arguments: {}}]}",
         "#/results/t/0: an object with result (or error)"),
        ("tools: [{name: t, inputSchema: {type: object}}]\nresults: {t: [{error: {code: x}}]}",
         "#/results/t/0/error: an object {code: INTEGER"),
        ("tool: []", "#/tool: unknown field 'tool'"),
        ("[]", ": a manifest is an object"),
        ("mocks: [{request: {bodyFragment: x}, response: {stdout: y}}]", "#/mocks: no recorded MCP answer"),
    ],
)  # fmt: skip
def test_a_broken_manifest_names_file_and_place(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ManifestError) as caught:
        load_source(str(path))
    assert str(caught.value).startswith(str(path)) and expected in str(caught.value), str(caught.value)


def test_a_template_that_does_not_compile_is_refused_with_its_place(tmp_path: Path) -> None:
    from mockingbird.mcp.mock.server import build_mock_server

    path = tmp_path / "t.yaml"
    path.write_text("tools: [{name: t, inputSchema: {type: object}}]\n"
                    "results: {t: [{result: {content: [{type: text, text: '{{ oops'}]}}]}")  # fmt: skip
    with pytest.raises(ManifestError) as caught:
        build_mock_server(load_source(str(path)))
    assert "#/results/t/0/result/content/0/text: " in str(caught.value)
    path.write_text("tools: []\nprompts: [{name: p}]\npromptResults: {p: {messages: [{role: user, "
                    "content: {type: text, text: '{% if %}'}}]}}")  # fmt: skip
    with pytest.raises(ManifestError) as caught:
        build_mock_server(load_source(str(path)))
    assert str(caught.value).startswith(f"{path}#/promptResults/p/messages/0/content/text: ")


@pytest.mark.parametrize(
    ("text", "expected"), [("tools: [\n", ":2: "), ("", ": the file is empty"), (None, ": cannot read")]
)
def test_unreadable_empty_or_unparsable_files_are_document_errors(tmp_path: Path, text: str | None,
                                                                  expected: str) -> None:  # fmt: skip
    path = tmp_path / "bad.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(DocumentError) as caught:
        load_source(str(path))
    assert str(caught.value).startswith(f"{path}{expected}"), str(caught.value)


def test_a_written_manifest_reads_back_the_same(tmp_path: Path) -> None:
    manifest = load_source(str(WEATHER))
    write_manifest(manifest, str(tmp_path / "copy.json"))
    again = load_source(str(tmp_path / "copy.json"))
    assert again.document() == manifest.document()
    assert [c.arguments for c in again.results["get_forecast"]] == [{"city": "Atlantis"}]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_a_snapshot_follows_every_page(tmp_path: Path) -> None:
    manifest = await snapshot([sys.executable, str(Path(__file__).parent / "paged_server.py")])
    assert [t["name"] for t in manifest.tools] == [f"tool{i}" for i in range(5)]
    assert [p["name"] for p in manifest.prompts] == [f"prompt{i}" for i in range(3)]
    assert manifest.server["name"] == "paged" and not manifest.resources


@pytest.mark.anyio
async def test_a_snapshot_of_something_that_is_not_an_mcp_server_is_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        await snapshot([sys.executable, "-c", "print('hello')"])
    assert "did not answer as an MCP server" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(ConfigError, match="cannot start /nonexistent/server"):
        await snapshot(["/nonexistent/server"])
