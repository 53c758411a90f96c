"""Bundling multi-file specs: every external ``$ref`` becomes a local pointer.

Each referenced file or URL is parsed once and embedded whole under the reserved
root key ``x-mockingbird-bundled``, keyed by its path relative to the root document
(or its full URL when on another host), e.g. ``#/x-mockingbird-bundled/..~1common~1Error.yaml``.
Embedding whole documents keeps their internal ``#/...`` refs meaningful: they are
rewritten by prefixing the document's bundle pointer. Nothing is dereferenced, so
cycles across files are harmless.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any
from urllib.parse import urlsplit

from mockingbird.errors import SpecError
from mockingbird.openapi.loading import _pointers
from mockingbird.openapi.loading._documents import DocumentReader, is_url, join_uri

BUNDLE_KEY = "x-mockingbird-bundled"
_EXTERNAL_REF_JSON = re.compile(rb'"\$ref"\s*:\s*"(?!#)')
_MAPPING_REF = re.compile(r"#|\.(ya?ml|json)$")


def _walk_refs(document: Any) -> Any:
    """Yield every dict holding a string ``$ref`` (iteratively: documents can be deep)."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))


def needs_bundling(document: Any, raw: bytes) -> bool:
    """True when some ``$ref`` points outside the document.

    JSON text is checked with one regex over the bytes (milliseconds on 5 MB);
    YAML has too many quoting styles for that, so its tree is walked.
    """
    if raw.lstrip()[:1] == b"{":
        return _EXTERNAL_REF_JSON.search(raw) is not None
    return any(not node["$ref"].startswith("#") for node in _walk_refs(document))


def _format(location: Any) -> str:
    tokens: list[str] = []
    while isinstance(location, tuple):
        location, token = location
        tokens.append(_pointers.escape(str(token)))
    return str(location) + "".join("/" + t for t in reversed(tokens))


class _Bundler:
    def __init__(self, root: dict[str, Any], root_uri: str, display: str, reader: DocumentReader) -> None:
        self.reader = reader
        self.root = root
        self.root_uri = root_uri
        self.display = display
        self.keys: dict[str, str] = {}
        self.documents: dict[str, Any] = {root_uri: root}
        self.bundle: dict[str, Any] = {}
        self.pending: list[tuple[str, Any, str]] = []

    def _key(self, uri: str) -> str:
        root = self.root_uri
        if is_url(uri) and is_url(root):
            target, base = urlsplit(uri), urlsplit(root)
            if (target.scheme, target.netloc) == (base.scheme, base.netloc):
                rel = posixpath.relpath(target.path, posixpath.dirname(base.path))
                return rel + (f"?{target.query}" if target.query else "")
            return uri
        if is_url(uri) or is_url(root):
            return uri
        return posixpath.relpath(uri, posixpath.dirname(root))

    def _name(self, uri: str) -> str:
        return self.display if uri == self.root_uri else uri

    def _target_prefix(self, uri: str, referrer: str, where: Any) -> str:
        """The local pointer prefix of a document, loading and queueing it on first sight."""
        if uri == self.root_uri:
            return ""
        key = self.keys.get(uri)
        if key is None:
            document = self.reader.load(uri, referrer=self._name(referrer), pointer=_format(where))
            key = self._key(uri)
            self.keys[uri] = key
            self.documents[uri] = document
            self.bundle[key] = document
            self.pending.append((uri, document, _pointers.join(f"/{BUNDLE_KEY}", key)))
        return _pointers.join(f"/{BUNDLE_KEY}", key)

    def _rewrite(self, ref: str, uri: str, prefix: str, location: Any) -> str:
        where = location  # formatted with _format only when an error or a new file needs it
        doc_part, _, fragment = ref.partition("#")
        if fragment and not fragment.startswith("/"):
            raise SpecError(
                self._name(uri), _format(where), f"$ref {ref!r}: only JSON-pointer fragments are supported"
            )
        target = join_uri(uri, doc_part) if doc_part else uri
        target_prefix = self._target_prefix(target, uri, where) if doc_part else prefix
        try:
            _pointers.lookup(self.documents[target], fragment)
        except (_pointers.PointerError, ValueError):
            raise SpecError(
                self._name(uri),
                _format(where),
                f"$ref {ref!r} does not resolve: nothing at {fragment or '/'!r} in {self._name(target)}",
            ) from None
        return "#" + target_prefix + fragment

    def _rewrite_document(self, document: Any, uri: str, prefix: str) -> None:
        # Locations are kept as (parent, token) chains and only formatted for an error.
        stack: list[tuple[Any, Any]] = [(document, "")]
        seen: set[int] = set()  # YAML aliases (PyYAML fallback) share nodes: rewrite each once
        while stack:
            node, where = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and (prefix or not ref.startswith("#")):
                    node["$ref"] = self._rewrite(ref, uri, prefix, (where, "$ref"))
                mapping = node.get("mapping")
                if isinstance(mapping, dict) and "propertyName" in node:  # a discriminator
                    for name, value in mapping.items():
                        if isinstance(value, str) and _MAPPING_REF.search(value):
                            mapping[name] = self._rewrite(value, uri, prefix, ((where, "mapping"), name))
                stack.extend(
                    (value, (where, key)) for key, value in node.items() if isinstance(value, (dict, list))
                )
            elif isinstance(node, list):
                stack.extend(
                    (value, (where, index))
                    for index, value in enumerate(node)
                    if isinstance(value, (dict, list))
                )

    def run(self) -> dict[str, Any]:
        self._rewrite_document(self.root, self.root_uri, "")
        while self.pending:
            uri, document, prefix = self.pending.pop()
            self._rewrite_document(document, uri, prefix)
        if self.bundle:
            self.root[BUNDLE_KEY] = self.bundle
        return self.root


def bundle_document(
    document: dict[str, Any], root_uri: str, display: str, reader: DocumentReader
) -> dict[str, Any]:
    """Embed every externally referenced document and make all ``$ref``s local (in place).

    Args:
        document: the parsed root document (mutated and returned).
        root_uri: its absolute path or URL (relative refs resolve against it).
        display: how to name the root in error messages (the source as given).
        reader: reads and parses each referenced document (under the load's policy and budgets).

    Raises:
        FetchRefusedError: the fetch policy refuses a referenced URL, or a remote document names a file.
        SpecNotFoundError: a referenced file/URL cannot be read (named with the referring location).
        SpecError: a referenced document cannot be parsed or is past a budget, or a fragment does not resolve.
    """
    return _Bundler(document, root_uri, display, reader).run()
