"""The loader's per-document state: ref following, lazy schema cache, warnings. PURE.

``LoadContext.resolve`` is what ``Spec.resolve`` is bound to.
"""

from __future__ import annotations

from typing import Any

from mockingbird.errors import SpecError
from mockingbird.openapi.loading import _pointers
from mockingbird.openapi.loading._schemas import Dialect, SchemaNormalizer
from mockingbird.openapi.model import Schema

_MAX_REF_CHAIN = 64


class LoadContext:
    """Everything the model builders need about one (bundled) root document.

    Args:
        document: the bundled root document (every ``$ref`` local).
        source: the file path or URL it came from (for error messages).
        dialect: ``"2.0"``, ``"3.0"`` or ``"3.1"``.
    """

    def __init__(self, document: dict[str, Any], source: str, dialect: Dialect) -> None:
        self.document = document
        self.source = source
        self.dialect = dialect
        self.warnings: list[str] = []
        self.normalizer = SchemaNormalizer(dialect, self.warn)
        self._schema_cache: dict[str, Schema] = {}
        # Model objects built from a shared (``$ref``'d) node, keyed by kind + target pointer.
        self.memo: dict[tuple[str, ...], Any] = {}

    def warn(self, message: str) -> None:
        """Record a tolerated deviation (shown by the CLI, kept in ``Spec.warnings``)."""
        if message not in self.warnings:
            self.warnings.append(message)

    def error(self, pointer: str, problem: str) -> SpecError:
        """A ``SpecError`` located in this document."""
        return SpecError(self.source, pointer, problem)

    def lookup_ref(self, ref: Any, where: str) -> Any:
        """The raw value a ``$ref`` string points to.

        Raises:
            SpecError: not a local pointer, or it does not resolve; located at ``where``.
        """
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise self.error(where, f"$ref {ref!r} is not a local JSON pointer")
        try:
            return _pointers.lookup(self.document, ref)
        except PointerErrorTypes as exc:
            at = getattr(exc, "at", "")
            raise self.error(
                where, f"$ref {ref!r} does not resolve (nothing at {ref[1:]!r}; {at or '/'} exists)"
            ) from None

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow ``$ref`` chains on a non-schema object (parameter, response, ...).

        Returns the target and its pointer (the original ones when ``node`` is no ``$ref``).

        Raises:
            SpecError: a dangling or circular chain, located at the first ``$ref``.
        """
        origin = pointer
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or len(seen) > _MAX_REF_CHAIN:
                raise self.error(origin, f"$ref {ref!r} is circular")
            seen.add(ref)
            node = self.lookup_ref(ref, pointer)
            pointer = ref[1:]
        return node, pointer

    def schema(self, node: Any, pointer: str) -> Schema | None:
        """Normalise a schema placed in the model, at its own level (nested ``$ref``s stay)."""
        if node is None:
            return None
        if isinstance(node, bool):  # 3.1 boolean schemas
            return {} if node else {"not": {}}
        if not isinstance(node, dict):
            raise self.error(pointer, f"a schema must be an object, not {type(node).__name__}")
        result: Schema = self.normalizer.normalize(node, pointer)
        return result

    def resolve(self, ref: str) -> Schema:
        """``Spec.resolve``: the normalised schema at a local pointer, cached by pointer.

        A target that is only a ``$ref`` is followed (bounded), so the result is never a bare alias.

        Raises:
            SpecError: the pointer does not resolve; ``pointer`` names it.
        """
        if not isinstance(ref, str):
            raise self.error("", f"$ref {ref!r} is not a string")
        cached = self._schema_cache.get(ref)
        if cached is not None:
            return cached
        node, pointer = self.deref({"$ref": ref}, ref.removeprefix("#"))
        result = self.schema(node, pointer) or {}
        self._schema_cache[ref] = result
        return result


PointerErrorTypes = (_pointers.PointerError, ValueError)
