"""Reading and parsing spec documents: the I/O edge of the loader.

Every document of one load goes through one ``DocumentReader``: http(s) URLs are fetched
under the fetch policy (``mockingbird.fetching``: host rules, one deadline and one size cap
for the spec and all it references), files are read and everything is parsed under the
parse budgets (``mockingbird.documents``: size, depth, YAML aliases). A remote document
never reads a local file. Every failure becomes a ``SpecError``/``SpecNotFoundError``
naming the source and, for parse errors, the line.
"""

from __future__ import annotations

import functools
import os
import posixpath
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from mockingbird.documents import Budgets, parse_document, read_file
from mockingbird.errors import DocumentError, FetchRefusedError, SpecError, SpecNotFoundError
from mockingbird.fetching import Fetcher, FetchPolicy, Referrer


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


class DocumentReader:
    """Reads and parses the documents of one spec load under one fetch policy and one set of budgets.

    Args:
        policy: the fetch policy (the root URL's origin is trusted by the caller: ``policy.trusting``).
        budgets: the parse budgets, applied to every document.
    """

    def __init__(self, policy: FetchPolicy, budgets: Budgets) -> None:
        self.policy = policy
        self.budgets = budgets
        self._fetcher: Fetcher | None = None  # made on the first URL: local specs never pay for it

    def __enter__(self) -> DocumentReader:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fetcher is not None:
            self._fetcher.close()

    def read(self, uri: str, *, referrer: str = "", pointer: str = "") -> bytes:
        """Read the bytes of a file or URL.

        Args:
            uri: an absolute path or an http(s) URL.
            referrer: the document whose ``$ref`` asked for it (as error messages name it), or ``""``.
            pointer: where that ``$ref`` is in ``referrer``.

        Raises:
            FetchRefusedError: the fetch policy refuses the URL, or a remote document names a file.
            SpecNotFoundError: the file cannot be read, or the URL cannot be fetched.
            SpecError: the file is larger than the size budget.
        """
        where, at = (referrer, pointer) if referrer else (uri, "")
        if is_url(uri):
            if self._fetcher is None:
                self._fetcher = Fetcher(self.policy, series=True)
            return self._fetcher.fetch(
                uri, referrer=Referrer(referrer, pointer) if referrer else None
            ).content
        if is_url(referrer):
            raise FetchRefusedError(
                where,
                at,
                f"refused to read {uri}: a remote document cannot reference local "
                "files (save the spec and its files locally to use them)",
                url=uri,
            )
        try:
            return read_file(uri, self.budgets)
        except FileNotFoundError:
            raise SpecNotFoundError(where, at, f"no such file: {uri}") from None
        except IsADirectoryError:
            raise SpecNotFoundError(where, at, f"is a directory, not a spec file: {uri}") from None
        except OSError as exc:
            raise SpecNotFoundError(where, at, f"cannot read {uri}: {exc.strerror or exc}") from None
        except DocumentError as exc:
            raise SpecError(uri, "", exc.problem) from None

    def parse(self, data: bytes, uri: str) -> Any:
        """Parse JSON or YAML bytes under the budgets (see ``mockingbird.documents.parse_document``).

        Raises:
            SpecError: invalid JSON/YAML or past a budget; ``pointer`` is ``line N`` when known.
        """
        return parse_spec_document(data, uri, self.budgets)

    def load(self, uri: str, *, referrer: str = "", pointer: str = "") -> Any:
        """Read and parse one document (see ``read`` and ``parse``)."""
        return self.parse(self.read(uri, referrer=referrer, pointer=pointer), uri)


def parse_spec_document(data: bytes, uri: str, budgets: Budgets) -> Any:
    """``mockingbird.documents.parse_document`` with its errors as ``SpecError`` (``line N`` pointers).

    Raises:
        SpecError: invalid JSON/YAML, not UTF-8, or past a budget.
    """
    try:
        return parse_document(data, uri, budgets)
    except DocumentError as exc:
        raise SpecError(uri, f"line {exc.line}" if exc.line is not None else "", exc.problem) from None
