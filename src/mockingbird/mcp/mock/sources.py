"""Where a mock's manifest comes from: a file (manifest or recording), or a live server's snapshot.

Files are read and parsed under the parse budgets (``mockingbird.documents``). A snapshot connects to
the server with the SDK's client (stdio), lists every tool, resource, resource template and prompt,
following ``nextCursor`` page by page, and returns the manifest ``write_manifest`` saves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockingbird.documents import parse_document, read_file, write_document
from mockingbird.errors import ConfigError, DocumentError
from mockingbird.mcp.mock.manifest import Manifest, parse_manifest
from mockingbird.mcp.mock.recording import is_recording, manifest_from_recording

__all__ = ["load_source", "snapshot", "write_manifest"]

_MAX_PAGES = 1000


def load_source(path: str) -> Manifest:
    """The manifest in ``path``: a manifest file (YAML/JSON) or a ``stdio --record`` recording.

    Raises:
        DocumentError: the file cannot be read or parsed, or is past a budget.
        ManifestError: what it holds cannot be served (every problem, with its location).
    """
    try:
        data = read_file(path)
    except OSError as exc:
        raise DocumentError(path, f"cannot read it: {exc.strerror or exc}") from None
    document = parse_document(data, path) if data.strip() else None
    if document is None:
        raise DocumentError(path, "the file is empty; expected a manifest or a recording")
    if is_recording(document):
        return manifest_from_recording(document, source=path)
    return parse_manifest(document, source=path)


def _dump(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    return out


async def _pages(fetch: Any, key: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        page = await fetch(cursor=cursor)
        items.extend(_dump(item) for item in getattr(page, key))
        cursor = page.next_cursor
        if not cursor:
            break
    return items


async def snapshot(command: Sequence[str], *, env: dict[str, str] | None = None) -> Manifest:
    """Connect to the server ``command`` starts (stdio), list everything it offers, and return it.

    Args:
        command: the server's command line.
        env: extra environment for the server.

    Raises:
        ConfigError: the server cannot be started or does not answer the listings.
    """
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    if not command:
        raise ConfigError("--snapshot needs the server's command after --")
    params = StdioServerParameters(command=command[0], args=list(command[1:]), env=env)
    document: dict[str, Any] = {}
    try:
        async with Client(params, read_timeout_seconds=60) as client:
            caps = client.server_capabilities
            info = client.server_info
            server: dict[str, Any] = {"name": info.name, "version": info.version} if info is not None else {}
            if client.instructions:
                server["instructions"] = client.instructions
            document["server"] = server
            if caps is None or caps.tools is not None:
                document["tools"] = await _pages(client.list_tools, "tools")
            if caps is None or caps.resources is not None:
                document["resources"] = await _pages(client.list_resources, "resources")
                document["resourceTemplates"] = await _pages(
                    client.list_resource_templates, "resource_templates"
                )
            if caps is None or caps.prompts is not None:
                document["prompts"] = await _pages(client.list_prompts, "prompts")
    except OSError as exc:
        raise ConfigError(f"--snapshot: cannot start {command[0]}: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - the SDK raises groups of anything when a server fails to talk
        raise ConfigError(
            f"--snapshot: {' '.join(command)} did not answer as an MCP server: {_first(exc)}"
        ) from None
    return parse_manifest({k: v for k, v in document.items() if v}, source=" ".join(command))


def _first(exc: BaseException) -> str:
    """The innermost message of an exception group (what went wrong, not how the tasks unwound)."""
    while getattr(exc, "exceptions", None):  # BaseExceptionGroup, a builtin from Python 3.11
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    return str(exc) or type(exc).__name__


def write_manifest(manifest: Manifest, path: str) -> None:
    """Write ``manifest`` as JSON (YAML readers read it too), atomically.

    Raises:
        ConfigError: the file cannot be written.
    """
    try:
        write_document(path, manifest.document())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the manifest: {exc.strerror or exc}") from None
