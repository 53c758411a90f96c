"""Parsing JSON and YAML documents under budgets: size, nesting depth, YAML alias expansion.

Every document mockingbird reads (spec files and fetched specs, the stdio mocks and
config files) is parsed here, so a hostile one is refused within a fraction of a second,
in one line naming it and the limit, instead of hanging the process or eating its memory:

- size: a document over ``max_bytes`` is refused before parsing (files are read no further);
- depth: containers nested deeper than ``max_depth`` are refused, because the code that
  walks documents later (schema normalising, data generation) recurses;
- aliases: a YAML document whose aliases would expand to more than ``max_alias_nodes``
  nodes ("billion laughs") is refused. The expansion is counted on the parser's event
  stream (each anchor's subtree size, added up per alias), never performed.

JSON is parsed by orjson; YAML by ryaml (a Rust YAML 1.2 parser), with PyYAML over libyaml
as the fallback for what ryaml rejects (integers beyond 128 bits, its own nesting limit).
Timestamps stay strings, as YAML 1.2 and JSON would have them.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from mockingbird.errors import DocumentError

_MIB = 1024 * 1024
# libyaml and ryaml (a port of it) take anchor names of letters, digits, "-" and "_", ended by a
# blank or one of ?:,]}%@` (anything else is a syntax error). Text without such an anchor holds
# no alias (an alias needs one), so only documents that may alias pay for the counting pass;
# "&godo.ListOptions{" in a code sample or "&mdash;" in a description does not.
_MAY_ANCHOR = re.compile(r"&[0-9A-Za-z_-]+(?=[\s?:,\]}%@`]|\Z)")
_LINE_RE = re.compile(r"at line (\d+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Budgets:
    """How much a document may cost to parse.

    Attributes:
        max_bytes: the largest document, in bytes (64 MiB).
        max_depth: the deepest nesting of objects/arrays (128; the corpus' deepest spec has 25).
        max_alias_nodes: how many nodes YAML aliases may add when expanded (100,000).
    """

    max_bytes: int = 64 * _MIB
    max_depth: int = 128
    max_alias_nodes: int = 100_000


DEFAULT_BUDGETS = Budgets()


def describe_size(size: int) -> str:
    """``64 MiB``, ``1.5 KiB``, ``12 bytes``: a byte count for messages."""
    for unit, scale in (("GiB", 1024 * _MIB), ("MiB", _MIB), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _too_large(source: str, budgets: Budgets) -> DocumentError:
    return DocumentError(
        source, f"larger than the {describe_size(budgets.max_bytes)} size limit", limit="max_bytes"
    )


def _too_deep(source: str, budgets: Budgets, line: int | None = None) -> DocumentError:
    return DocumentError(
        source, f"nested deeper than the limit of {budgets.max_depth} levels", line=line, limit="max_depth"
    )


def read_file(path: str, budgets: Budgets = DEFAULT_BUDGETS) -> bytes:
    """Read a local file, but never more than ``budgets.max_bytes`` of it (devices included).

    Raises:
        DocumentError: the file is larger than the size budget.
        OSError: the file cannot be read (callers name the problem their own way).
    """
    with open(path, "rb") as stream:
        data = stream.read(budgets.max_bytes + 1)
    if len(data) > budgets.max_bytes:
        raise _too_large(path, budgets)
    return data


def check_depth(document: Any, source: str, budgets: Budgets = DEFAULT_BUDGETS) -> None:
    """Refuse a parsed document nested deeper than ``budgets.max_depth`` (iterative walk).

    Raises:
        DocumentError: too deep.
    """
    limit = budgets.max_depth
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            raise _too_deep(source, budgets)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def parse_json(data: bytes | str, source: str, budgets: Budgets = DEFAULT_BUDGETS) -> Any:
    """Parse JSON text with orjson, within the size and depth budgets.

    Raises:
        DocumentError: invalid JSON (with line and column), or past a budget.
    """
    if len(data) > budgets.max_bytes:
        raise _too_large(source, budgets)
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in exc.msg or "recursion" in exc.msg:
            raise _too_deep(source, budgets) from None
        raise DocumentError(source, f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    check_depth(document, source, budgets)
    return document


def parse_yaml(text: str, source: str, budgets: Budgets = DEFAULT_BUDGETS) -> Any:
    """Parse YAML text with ryaml (PyYAML as fallback), within every budget.

    Raises:
        DocumentError: invalid YAML (with its line), or past a budget.
    """
    if len(text) > budgets.max_bytes:
        raise _too_large(source, budgets)
    import ryaml  # imported here: JSON-only runs never pay for it

    counted = _MAY_ANCHOR.search(text) is not None
    if counted:
        _count_yaml(text, source, budgets)
    try:
        document = ryaml.loads(text)  # type: ignore[attr-defined]
    except (ryaml.InvalidYamlError, ValueError, TypeError):  # type: ignore[attr-defined]
        # (ryaml raises ValueError for a collection as a mapping key: PyYAML words it better.)
        # PyYAML gets a second chance (it accepts integers beyond 128 bits), but it shares
        # aliased nodes, which later walks would expand: count them before building.
        if not counted:
            _count_yaml(text, source, budgets)
        document = _load_pyyaml(text, source, budgets)
    check_depth(document, source, budgets)
    return document


def parse_document(data: bytes, source: str, budgets: Budgets = DEFAULT_BUDGETS) -> Any:
    """Parse JSON or YAML bytes, chosen by the source's extension, else by content.

    A UTF-8 byte-order mark is skipped. Text not named ``.json`` that fails as JSON is read
    as YAML (flow style is a JSON superset).

    Args:
        data: the document's bytes.
        source: its path or URL (messages name it; its extension picks the parser).
        budgets: the parse budgets.

    Raises:
        DocumentError: invalid JSON/YAML, not UTF-8, or past a budget.
    """
    if len(data) > budgets.max_bytes:
        raise _too_large(source, budgets)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    path = (urlsplit(source).path if source.startswith(("http://", "https://")) else source).lower()
    if path.endswith(".json") or (not path.endswith((".yaml", ".yml")) and data.lstrip()[:1] in (b"{", b"[")):
        try:
            return parse_json(data, source, budgets)
        except DocumentError as exc:
            if exc.limit or path.endswith(".json"):
                raise
            # Not named .json: it may still be YAML.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(source, "not UTF-8 text", line=data[: exc.start].count(b"\n") + 1) from None
    return parse_yaml(text, source, budgets)


class _AliasCounter:
    """Sizes of YAML subtrees as aliases would expand them, computed from parser events."""

    def __init__(self, source: str, budgets: Budgets) -> None:
        self.source = source
        self.budgets = budgets
        # Open collections: [anchor, expanded size, height of the tallest child].
        self.stack: list[list[Any]] = []
        self.anchors: dict[str, tuple[int, int]] = {}  # anchor -> (expanded size, height)
        self.alias_nodes = 0

    def _add(self, size: int, height: int) -> None:
        if self.stack:
            parent = self.stack[-1]
            parent[1] += size
            parent[2] = max(parent[2], height)

    def start(self, anchor: str | None, line: int | None) -> None:
        self.stack.append([anchor, 1, 0])
        if len(self.stack) > self.budgets.max_depth:
            raise _too_deep(self.source, self.budgets, line)

    def end(self) -> None:
        anchor, size, tallest = self.stack.pop()
        if anchor is not None:
            self.anchors[anchor] = (size, tallest + 1)
        self._add(size, tallest + 1)

    def scalar(self, anchor: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = (1, 0)
        self._add(1, 0)

    def alias(self, anchor: str, line: int | None) -> None:
        if any(frame[0] == anchor for frame in self.stack):
            raise DocumentError(
                self.source,
                f"the YAML alias *{anchor} refers to a node that contains it",
                line=line,
                limit="max_alias_nodes",
            )
        size, height = self.anchors.get(anchor, (1, 0))  # an unknown anchor is the parser's error
        self.alias_nodes += size
        if self.alias_nodes > self.budgets.max_alias_nodes:
            raise DocumentError(
                self.source,
                f"YAML aliases expand to more than the limit of {self.budgets.max_alias_nodes:,} "
                "nodes (an alias bomb?)",
                line=line,
                limit="max_alias_nodes",
            )
        if len(self.stack) + height > self.budgets.max_depth:
            raise _too_deep(self.source, self.budgets, line)
        self._add(size, height)


def _line(event: Any) -> int | None:
    """The 1-based line an event starts on, when the parser knows it."""
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _count_yaml(text: str, source: str, budgets: Budgets) -> None:
    """Walk the YAML event stream (libyaml) and refuse a document past the alias or depth budget."""
    import yaml

    counter = _AliasCounter(source, budgets)
    parser = _loader_class()(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                counter.start(event.anchor, _line(event))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                counter.end()
            elif isinstance(event, yaml.ScalarEvent):
                counter.scalar(event.anchor)
            elif isinstance(event, yaml.AliasEvent):
                counter.alias(event.anchor or "", _line(event))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source, budgets) from None
    finally:
        parser.dispose()


def _load_pyyaml(text: str, source: str, budgets: Budgets) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_loader_class())
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source, budgets) from None


def _yaml_error(exc: Exception, source: str, budgets: Budgets) -> DocumentError:
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if "maximum nesting depth" in problem:  # libyaml's own limit (1000) is past ours
            return _too_deep(source, budgets, line)
        return DocumentError(source, f"invalid YAML: {problem}", line=line)
    match = _LINE_RE.search(str(exc))
    return DocumentError(source, f"invalid YAML: {exc}", line=int(match.group(1)) if match else None)


_LOADER: list[type] = []


def _loader_class() -> type:
    """PyYAML's CSafeLoader, leaving timestamps as strings (built on first use: importing is cheap)."""
    if not _LOADER:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class Loader(base):  # type: ignore[misc, valid-type]
            """CSafeLoader that leaves timestamps as strings, as YAML 1.2 (and JSON) would."""

        Loader.yaml_implicit_resolvers = {
            key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in base.yaml_implicit_resolvers.items()
        }
        _LOADER.append(Loader)
    return _LOADER[0]


def write_document(path: str, document: Any) -> None:
    """Write ``document`` atomically: YAML for ``.yaml``/``.yml``, else indented JSON (YAML readers read it
    too). A temporary file in the same folder (made if missing) is renamed over ``path``, so a reader never
    sees half a file. The write twin of ``read_file``.

    Raises:
        OSError: the file cannot be written (callers name it in their own error).
    """
    if path.endswith((".yaml", ".yml")):
        import yaml

        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    else:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".write-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
