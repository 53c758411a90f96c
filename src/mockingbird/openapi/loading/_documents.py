"""Reading and parsing spec documents: the I/O edge of the loader.

Files and http(s) URLs are read as bytes, then parsed as JSON (orjson) or YAML
(ryaml, a Rust YAML 1.2 parser, with PyYAML's CSafeLoader as the fallback for what
ryaml rejects, e.g. integers beyond 128 bits). Every failure becomes a
``SpecError``/``SpecNotFoundError`` naming the source and, for parse errors, the line.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import orjson

from mockingbird.errors import SpecError, SpecNotFoundError

_LINE_RE = re.compile(r"at line (\d+)")
_FETCH_TIMEOUT_S = 15.0


def is_url(source: str) -> bool:
    """True for an ``http://`` or ``https://`` address."""
    return source.startswith(("http://", "https://"))


def absolute_uri(source: str | os.PathLike[str]) -> str:
    """The canonical identity of a document: an absolute path, or the URL without fragment."""
    text = os.fspath(source)
    if is_url(text):
        return urldefrag(text)[0]
    if text.startswith("file://"):
        text = urlsplit(text).path
    # abspath + normpath, not resolve(): $ref targets are joined lexically (see join_uri), and
    # the root must compare equal to a ref that names it through the same (maybe symlinked) path.
    return os.path.normpath(os.path.abspath(os.path.expanduser(text)))


def join_uri(base: str, relative: str) -> str:
    """Resolve a ``$ref`` document part (no fragment) against the document that contains it."""
    if is_url(relative):
        return relative
    if is_url(base):
        return urljoin(base, relative)
    if relative.startswith("file://"):
        return absolute_uri(relative)
    # Lexical normalisation, not Path.resolve(): a realpath per $ref cost DigitalOcean's
    # 9,400 refs over a second of lstat calls. The root was resolved once already.
    return _join_path(posixpath.dirname(base), relative)


@functools.lru_cache(maxsize=4096)
def _join_path(directory: str, relative: str) -> str:
    return posixpath.normpath(posixpath.join(directory, unquote(relative)))


def read_source(uri: str, *, referrer: str = "", pointer: str = "") -> bytes:
    """Read the bytes of a file or URL.

    Args:
        uri: an absolute path or an http(s) URL.
        referrer: the document whose ``$ref`` asked for it (error messages name it), or ``""``.
        pointer: where that ``$ref`` is in ``referrer``.

    Raises:
        SpecNotFoundError: the file does not exist / cannot be read, or the URL cannot be fetched.
    """
    where, at = (referrer, pointer) if referrer else (uri, "")
    if is_url(uri):
        import httpx  # imported here: only URL sources pay for it

        try:
            response = httpx.get(uri, follow_redirects=True, timeout=_FETCH_TIMEOUT_S)
        except httpx.HTTPError as exc:
            raise SpecNotFoundError(where, at, f"cannot fetch {uri}: {exc or type(exc).__name__}") from None
        if response.status_code >= 400:
            raise SpecNotFoundError(where, at, f"cannot fetch {uri}: HTTP {response.status_code}")
        return response.content
    try:
        return Path(uri).read_bytes()
    except FileNotFoundError:
        raise SpecNotFoundError(where, at, f"no such file: {uri}") from None
    except IsADirectoryError:
        raise SpecNotFoundError(where, at, f"is a directory, not a spec file: {uri}") from None
    except OSError as exc:
        raise SpecNotFoundError(where, at, f"cannot read {uri}: {exc.strerror or exc}") from None


def _looks_like_json(data: bytes, uri: str) -> bool:
    path = urlsplit(uri).path if is_url(uri) else uri
    if path.lower().endswith(".json"):
        return True
    if path.lower().endswith((".yaml", ".yml")):
        return False
    return data.lstrip()[:1] in (b"{", b"[")


def parse_document(data: bytes, uri: str) -> Any:
    """Parse JSON or YAML bytes (chosen by extension, else by content).

    Raises:
        SpecError: the text is not valid JSON/YAML; ``pointer`` is ``line N``.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _looks_like_json(data, uri):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            if uri.lower().endswith(".json"):
                raise SpecError(uri, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None
            # Not named .json: it may still be YAML (flow style is a JSON superset).
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(uri, f"line {line}", "not UTF-8 text") from None
    return parse_yaml(text, uri)


def parse_yaml(text: str, uri: str) -> Any:
    """Parse YAML text with ryaml, falling back to PyYAML (which also locates errors)."""
    import ryaml  # imported here: JSON-only runs never pay for it

    try:
        return ryaml.loads(text)  # type: ignore[attr-defined]
    except ryaml.InvalidYamlError:  # type: ignore[attr-defined]
        pass  # PyYAML gets a second chance: it accepts a few things ryaml rejects (huge ints)
    import yaml

    try:
        return yaml.load(text, Loader=_StringTimestampLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(uri, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        match = _LINE_RE.search(str(exc))
        raise SpecError(uri, f"line {match.group(1)}" if match else "", f"invalid YAML: {exc}") from None


def _build_loader() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        """CSafeLoader that leaves timestamps as strings, as YAML 1.2 (and JSON) would."""

    Loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in base.yaml_implicit_resolvers.items()
    }
    return Loader


class _LazyLoader:
    """Builds the PyYAML loader class on first use so importing this module stays cheap."""

    _cls: type | None = None

    def __call__(self, stream: Any) -> Any:
        if _LazyLoader._cls is None:
            _LazyLoader._cls = _build_loader()
        return _LazyLoader._cls(stream)


_StringTimestampLoader: Any = _LazyLoader()


def load_document(uri: str, *, referrer: str = "", pointer: str = "") -> Any:
    """Read and parse one document (see ``read_source`` and ``parse_document``)."""
    return parse_document(read_source(uri, referrer=referrer, pointer=pointer), uri)
