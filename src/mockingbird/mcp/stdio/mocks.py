"""The stdio mocks file and the proxy's config file, parsed into typed objects.

Dev Proxy's ``stdio-mocks.json`` is read as is (``$schema`` and ``definitions``
are ignored): ``request.bodyFragment``, ``request.bodyRegex``, ``request.nth``,
``response.stdout`` / ``response.stderr`` as a string, object or array, and
``@file`` responses read relative to the mocks file. Our additions are
structured matches, ``request.method`` and a partial ``request.params``.

The parsing functions (``parse_*``) are pure: file reads are injected. Their
``load_*`` twins read from disk. Every problem is a :class:`MocksFileError`
naming the file and the place in it (``mocks[2].request.nth``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mockingbird import documents
from mockingbird.errors import DocumentError, MocksFileError

DEFAULT_MOCKS_FILE = "stdio-mocks.json"
PLACEHOLDER_PREFIX = "@stdin.body."

_REQUEST_KEYS = frozenset({"bodyFragment", "bodyRegex", "nth", "method", "params"})
_RESPONSE_KEYS = frozenset({"stdout", "stderr", "then"})
_TOP_KEYS = frozenset({"$schema", "$comment", "mocks", "definitions"})
_ITEM_KEYS = frozenset({"request", "response"})

ReadFile = Callable[[str], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class MockRequest:
    """What a mock answers. Every given condition must hold; none given makes a startup mock.

    Attributes:
        body_fragment: case-insensitive substring of the message line.
        body_regex: searched in the message line, case-insensitive.
        method: the JSON-RPC ``method``, compared exactly.
        params: a partial match for ``params`` (see ``mcp.jsonmatch.partial_match``), or ``None``.
        nth: answer only the nth message that matches the conditions above.
        key: a canonical text of the conditions; mocks with equal keys share an nth counter.
    """

    body_fragment: str | None = None
    body_regex: re.Pattern[str] | None = None
    method: str | None = None
    params: dict[str, Any] | list[Any] | None = None
    nth: int | None = None
    key: str = ""

    @property
    def is_startup(self) -> bool:
        """True when the mock has no condition: it is written once when the proxy starts."""
        return (
            not self.body_fragment and self.body_regex is None and self.method is None and self.params is None
        )


@dataclass(frozen=True, slots=True)
class MockContent:
    """One ``stdout`` or ``stderr`` response: a string as given, or a JSON object/array.

    Attributes:
        value: the text (from the mocks file or the ``@file`` it names) or the JSON value.
        source: the file the text was read from, for ``@file`` responses.
    """

    value: str | dict[str, Any] | list[Any]
    source: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MockResponse:
    """What a mock writes: either stream may be absent (the message is then only consumed).

    ``then`` (ours): the stdout ends with a request of the server's own (sampling, roots...)
    whose id is the client request's id; once the client answers it, ``then`` is written,
    rendered against the client's original request.
    """

    stdout: MockContent | None = None
    stderr: MockContent | None = None
    then: MockResponse | None = None


@dataclass(frozen=True, slots=True)
class StdioMock:
    """One entry of ``mocks``; ``index`` is its position in the file (first match wins)."""

    index: int
    request: MockRequest
    response: MockResponse


@dataclass(frozen=True, slots=True)
class MocksFile:
    """A parsed mocks file.

    Attributes:
        path: the mocks file.
        mocks: the mocks in file order.
        warnings: tolerated oddities worth telling the user (unknown keys, ignored ``nth``).
        dependencies: the ``@file`` files read, watched for changes alongside the mocks file.
    """

    path: str
    mocks: tuple[StdioMock, ...]
    warnings: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = field(default=())


def canonical_keys(obj: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    # Dev Proxy reads property names case-insensitively ("BodyFragment" works there): so do we.
    lowered = {k.lower(): k for k in known}
    return {lowered.get(k.lower(), k) if isinstance(k, str) else k: v for k, v in obj.items()}


_JSON_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_JSON_STRING_OR_TRAILING_COMMA = re.compile(r'"(?:[^"\\]|\\.)*"|,(?=\s*[\]}])')


def _blank(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith('"'):  # strings are kept as they are
        return token
    return re.sub(r"[^\n]", " ", token)


def strip_json_comments(text: str) -> str:
    r"""Remove ``//`` and ``/* */`` comments and trailing commas outside strings (Dev Proxy accepts both).

    Removed characters become spaces (newlines are kept), so error positions still point at the
    right line and column of the original file.

    Example:
        >>> strip_json_comments('{"a": "//", // one\n}')
        '{"a": "//"        \n}'
    """
    if "/" in text:
        text = _JSON_STRING_OR_COMMENT.sub(_blank, text)
    return _JSON_STRING_OR_TRAILING_COMMA.sub(_blank, text)


def parse_document(text: str, *, path: str) -> Any:
    """Decode a JSON (or, by extension, YAML) document, mapping syntax errors to ``MocksFileError``.

    JSON may carry comments and trailing commas, as Dev Proxy's files may. Both are parsed
    under the parse budgets of ``mockingbird.documents`` (size, depth, YAML aliases).

    Raises:
        MocksFileError: the text is not valid JSON/YAML, or is past a parse budget.
    """
    yaml = path.endswith((".yaml", ".yml"))
    text = text.removeprefix("\ufeff")  # a BOM however the text was read
    try:
        return (
            documents.parse_yaml(text, path)
            if yaml
            else documents.parse_json(strip_json_comments(text), path)
        )
    except DocumentError as exc:
        if exc.limit:
            raise MocksFileError(path, exc.problem) from None
        kind = "YAML" if yaml else "JSON"
        at = f" at line {exc.line}" if exc.line is not None else ""
        at += f" column {exc.column}" if exc.column is not None else ""
        raise MocksFileError(
            path, f"not valid {kind}: {exc.problem.removeprefix(f'invalid {kind}: ')}{at}"
        ) from None


def parse_mocks(document: Any, *, path: str, read_file: ReadFile) -> MocksFile:
    """Turn a decoded mocks document into a :class:`MocksFile`.

    Args:
        document: the decoded JSON/YAML.
        path: the mocks file, for messages and to resolve ``@file`` responses.
        read_file: reads a resolved ``@file`` path; ``OSError`` becomes a clear error.

    Raises:
        MocksFileError: the document does not have the mocks file's shape, a regex does
            not compile, or an ``@file`` response cannot be read.
    """
    if not isinstance(document, dict):
        raise MocksFileError(path, f'expected an object with a "mocks" array, got {kind_of(document)}')
    if "mocks" not in canonical_keys(document, _TOP_KEYS):
        raise MocksFileError(path, 'missing the "mocks" array')
    document = canonical_keys(document, _TOP_KEYS)
    items = document["mocks"]
    if not isinstance(items, list):
        raise MocksFileError(path, f'"mocks" must be an array, got {kind_of(items)}')
    warnings = [f'{path}: unknown key "{k}" ignored' for k in document if k not in _TOP_KEYS]
    base = os.path.dirname(os.path.abspath(path))
    dependencies: list[str] = []
    mocks: list[StdioMock] = []
    for index, item in enumerate(items):
        where = f"mocks[{index}]"
        if not isinstance(item, dict):
            raise MocksFileError(path, f"{where}: expected an object, got {kind_of(item)}")
        item = canonical_keys(item, _ITEM_KEYS)
        warnings += [f'{path}: {where}: unknown key "{k}" ignored' for k in item if k not in _ITEM_KEYS]
        request = _parse_request(item.get("request"), path=path, where=f"{where}.request", warnings=warnings)
        response = _parse_response(
            item.get("response"),
            path=path,
            where=f"{where}.response",
            base=base,
            read_file=read_file,
            dependencies=dependencies,
            warnings=warnings,
        )
        warnings += _intent_warnings(item, request, path=path, where=where)
        if request.is_startup and request.nth is not None:
            warnings.append(
                f"{path}: {where}: nth ignored on a mock without conditions (written once at startup)"
            )
        mocks.append(StdioMock(index, request, response))
    return MocksFile(path, tuple(mocks), tuple(warnings), tuple(dict.fromkeys(dependencies)))


def _intent_warnings(item: dict[str, Any], request: MockRequest, *, path: str, where: str) -> list[str]:
    # Dev Proxy reads a missing "request" as a startup mock and a missing "response" as "answer
    # nothing": both are almost always a mistake, so they are said; the explicit {} is not.
    warnings = []
    if "request" not in item:
        warnings.append(
            f'{path}: {where}: no "request": its response is written once at startup, before any '
            'message; write "request": {} if that is what you mean'
        )
    if "response" not in item and not request.is_startup:
        warnings.append(
            f'{path}: {where}: no "response": every matching message is swallowed and never answered '
            '(the client waits); write "response": {} if that is what you mean'
        )
    return warnings


def _parse_request(raw: Any, *, path: str, where: str, warnings: list[str]) -> MockRequest:
    if raw is None:
        return MockRequest(key="{}")
    if not isinstance(raw, dict):
        raise MocksFileError(path, f"{where}: expected an object, got {kind_of(raw)}")
    raw = canonical_keys(raw, _REQUEST_KEYS)
    warnings += [f'{path}: {where}: unknown key "{k}" ignored' for k in raw if k not in _REQUEST_KEYS]
    fragment = raw.get("bodyFragment")
    if fragment is not None and not isinstance(fragment, str):
        raise MocksFileError(path, f"{where}.bodyFragment: expected a string, got {kind_of(fragment)}")
    regex_text = raw.get("bodyRegex")
    regex: re.Pattern[str] | None = None
    if regex_text is not None:
        if not isinstance(regex_text, str):
            raise MocksFileError(path, f"{where}.bodyRegex: expected a string, got {kind_of(regex_text)}")
        try:
            regex = re.compile(regex_text, re.IGNORECASE)
        except re.error as exc:
            raise MocksFileError(path, f"{where}.bodyRegex: not a valid regular expression: {exc}") from None
    method = raw.get("method")
    if method is not None and not isinstance(method, str):
        raise MocksFileError(path, f"{where}.method: expected a string, got {kind_of(method)}")
    params = raw.get("params")
    if params is not None and not isinstance(params, (dict, list)):
        raise MocksFileError(path, f"{where}.params: expected an object or array, got {kind_of(params)}")
    nth = raw.get("nth")
    if nth is not None and (isinstance(nth, bool) or not isinstance(nth, int) or nth < 1):
        raise MocksFileError(path, f"{where}.nth: expected a positive integer, got {json.dumps(nth)}")
    key = json.dumps(
        {"f": (fragment or "").lower(), "r": regex_text, "m": method, "p": params},
        sort_keys=True,
        default=str,
    )
    return MockRequest(
        body_fragment=fragment or None, body_regex=regex, method=method, params=params, nth=nth, key=key
    )


def _parse_response(
    raw: Any,
    *,
    path: str,
    where: str,
    base: str,
    read_file: ReadFile,
    dependencies: list[str],
    warnings: list[str],
) -> MockResponse:
    if raw is None:
        return MockResponse()
    if not isinstance(raw, dict):
        raise MocksFileError(path, f"{where}: expected an object, got {kind_of(raw)}")
    raw = canonical_keys(raw, _RESPONSE_KEYS)
    warnings += [f'{path}: {where}: unknown key "{k}" ignored' for k in raw if k not in _RESPONSE_KEYS]
    streams: dict[str, MockContent | None] = {}
    for name in ("stdout", "stderr"):
        value = raw.get(name)
        if value is None:
            streams[name] = None
        elif isinstance(value, str):
            streams[name] = _parse_text(
                value,
                path=path,
                where=f"{where}.{name}",
                base=base,
                read_file=read_file,
                dependencies=dependencies,
            )
        elif isinstance(value, (dict, list)):
            streams[name] = MockContent(value)
        else:
            raise MocksFileError(
                path, f"{where}.{name}: expected a string, object or array, got {kind_of(value)}"
            )
    then = raw.get("then")
    return MockResponse(
        stdout=streams["stdout"],
        stderr=streams["stderr"],
        then=None
        if then is None
        else _parse_response(
            then,
            path=path,
            where=f"{where}.then",
            base=base,
            read_file=read_file,
            dependencies=dependencies,
            warnings=warnings,
        ),
    )


def _parse_text(
    value: str, *, path: str, where: str, base: str, read_file: ReadFile, dependencies: list[str]
) -> MockContent:
    # "@name" is a file relative to the mocks file, except "@stdin.body.x", which is a placeholder.
    if not value.startswith("@") or value[: len(PLACEHOLDER_PREFIX)].lower() == PLACEHOLDER_PREFIX:
        return MockContent(value)
    name = value[1:]
    resolved = os.path.normpath(os.path.join(base, os.path.expanduser(name)))
    try:
        text = read_file(resolved)
    except FileNotFoundError:
        raise MocksFileError(
            path, f'{where}: response file "{name}" not found (looked for {resolved})'
        ) from None
    except (OSError, UnicodeDecodeError, DocumentError) as exc:
        raise MocksFileError(path, f'{where}: response file "{name}" cannot be read: {exc}') from None
    dependencies.append(resolved)
    return MockContent(text, source=resolved)


def read_text(path: str) -> str:
    # Within the size budget: a mocks, config or response file is never read past it.
    # A UTF-8 BOM (Windows editors, PowerShell 5) is dropped, as Dev Proxy's reader does.
    return documents.read_file(path).decode("utf-8-sig")


def load_mocks_file(path: str, read_file: ReadFile = read_text) -> MocksFile:
    """Read and parse a mocks file (and the ``@file`` responses it names).

    Raises:
        MocksFileError: the file is missing, unreadable, not JSON/YAML, or not a mocks file.
    """
    text = read_named(path, "mocks file", read_file)
    return parse_mocks(parse_document(text, path=path), path=path, read_file=read_file)


def read_named(path: str, what: str, read_file: ReadFile = read_text) -> str:
    """Read a mocks or config file; every failure is one ``MocksFileError`` naming ``what`` it is."""
    try:
        return read_file(path)
    except FileNotFoundError:
        raise MocksFileError(path, f"{what} not found") from None
    except DocumentError as exc:
        raise MocksFileError(path, exc.problem) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MocksFileError(path, f"cannot read the {what}: {exc}") from None


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
