"""Reading a GraphQL schema: SDL files (``extend type`` across files) or an introspection result.

Detected by content (``looks_like_graphql``). Tolerant where the meaning is clear, each problem
listed once in the returned warnings:

- a field defined twice with the same type (the second is dropped);
- directives used but never declared (graphql-faker's ``@fake``, ``@examples`` and
  ``@listLength`` are declared when the schema does not declare them; others are ignored);
- an implementation whose deprecation differs from its interface's.

Broken input is one ``SpecError`` line: ``file:line:column: <the parser's message>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from graphql.language import (
    DirectiveDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
)

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    Source,
    build_ast_schema,
    build_client_schema,
    parse,
    validate_schema,
)
from mockingbird.documents import DEFAULT_BUDGETS, Budgets, parse_json, read_file
from mockingbird.errors import DocumentError, SpecError
from mockingbird.graphql._gc import collector_paused

SDL_SUFFIXES = (".graphql", ".gql", ".graphqls", ".sdl")
# graphql-faker's directives, declared for a schema that uses them without declaring them.
FAKER_DIRECTIVES = {
    "fake": "directive @fake(type: String!, options: String, locale: String) on FIELD_DEFINITION | SCALAR",
    "examples": "directive @examples(values: [String]!) on FIELD_DEFINITION | SCALAR",
    "listLength": "directive @listLength(min: Int!, max: Int!) on FIELD_DEFINITION",
}
_SDL_START = re.compile(
    r"^\s*(\"\"\"|(extend\s+)?(type|schema|scalar|interface|union|enum|input|directive)\b)", re.MULTILINE
)
_FIELDED = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
)


def looks_like_graphql(source: str, head: bytes | None = None) -> bool:
    """Whether ``source`` (a path) holds a GraphQL schema: an SDL suffix, a folder of SDL files,
    an introspection result, or text that reads as SDL rather than OpenAPI.

    Args:
        source: the path or URL as given.
        head: the document's first bytes, when already read (``None``: read them here).
    """
    path = Path(source.split("?", 1)[0])
    if path.suffix.lower() in SDL_SUFFIXES:
        return True
    if "://" in source:
        return False
    if path.is_dir():
        return any(p.suffix.lower() in SDL_SUFFIXES for p in path.iterdir())
    if head is None:
        try:
            with path.open("rb") as file:
                head = file.read(65536)
        except OSError:
            return False
    text = head.decode("utf-8", "replace")
    if re.search(r"^\s*[\"']?(openapi|swagger)[\"']?\s*:", text, re.MULTILINE):
        return False
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return '"__schema"' in text
    return bool(_SDL_START.search(text))


def load_schema(
    source: str,
    *,
    budgets: Budgets = DEFAULT_BUDGETS,
    cache_dir: Path | None = None,
    defer_write: Callable[[Callable[[], None]], None] | None = None,
) -> tuple[GraphQLSchema, list[str]]:
    """The schema in ``source`` (an SDL file, a folder of SDL files, or an introspection JSON file).

    Args:
        source: the file or folder.
        budgets: the parse budgets of each file.
        cache_dir: where SDL schemas read before are kept, as introspection results keyed by the texts'
            hash (graphql-core's parser is pure Python: GitHub's 1.2 MB SDL takes over a second, its
            introspection result a quarter of that). Schemas using graphql-faker's directives are not
            cached (an introspection result does not keep directives applied to fields). ``None``: no cache.
        defer_write: given, a schema read afresh is not written to the cache now: the write is handed to it,
            to be run later (a server runs it once its first answer is out). ``None``: written before returning.

    Returns:
        The executable schema and the tolerated problems, one line each.

    Raises:
        SpecNotFoundError: the file or folder cannot be read.
        SpecError: a syntax error (``file:line:column``), or a schema that is broken beyond tolerance.
    """
    sources = sdl_sources(source, budgets)
    if len(sources) == 1 and sources[0][0] == source and sources[0][1].lstrip().startswith("{"):
        return schema_from_introspection(parse_json(sources[0][1], source, budgets), source), []
    return schema_from_sdl(sources, cache_dir, defer_write=defer_write)


def schema_from_sdl(
    sources: Sequence[tuple[str, str]],
    cache_dir: Path | None = None,
    *,
    defer_write: Callable[[Callable[[], None]], None] | None = None,
) -> tuple[GraphQLSchema, list[str]]:
    """The schema of one or several SDL texts ``(name, text)`` read as one document (through the cache
    in ``cache_dir``, see ``load_schema``, which tells what ``defer_write`` does).

    Raises:
        SpecError: a syntax error or a schema broken beyond tolerance, located ``name:line:column``.
    """
    with collector_paused():
        if cache_dir is None:
            return _schema_from_sdl(sources)
        from mockingbird.graphql._cache import cached_schema, keep_schema

        found = cached_schema(cache_dir, sources)
        if found is not None:
            return found
        schema, warnings = _schema_from_sdl(sources)
        if not _uses_faker_directives(sources):
            if defer_write is None:
                keep_schema(cache_dir, sources, schema, warnings)
            else:
                defer_write(lambda: keep_schema(cache_dir, sources, schema, warnings))
        return schema, warnings


def _uses_faker_directives(sources: Sequence[tuple[str, str]]) -> bool:
    """Whether a text mentions graphql-faker's directives (maybe only in a description: a cheap first look)."""
    return any(f"@{name}" in text for name in FAKER_DIRECTIVES for _, text in sources)


def sdl_sources(source: str, budgets: Budgets = DEFAULT_BUDGETS) -> list[tuple[str, str]]:
    """The SDL files of ``source`` (a file, or a folder's ``.graphql``/``.gql`` files): (name, text) pairs.

    Raises:
        SpecNotFoundError, SpecError: a file cannot be read, or is not UTF-8 text.
    """
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SDL_SUFFIXES)
        return [(str(p), _read_text(str(p), budgets)) for p in files]
    return [(source, _read_text(source, budgets))]


def _read_text(source: str, budgets: Budgets) -> str:
    from mockingbird.errors import SpecNotFoundError

    try:
        return read_file(source, budgets).decode("utf-8-sig")
    except DocumentError as exc:
        raise SpecError(source, "", str(exc)) from None
    except OSError as exc:
        raise SpecNotFoundError(source, "", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(source, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def schema_from_introspection(document: Any, source: str) -> GraphQLSchema:
    """The schema of an introspection result (``{"data": {"__schema": ...}}`` or ``{"__schema": ...}``).

    Raises:
        SpecError: no ``__schema``, or one graphql-core cannot build.
    """
    if isinstance(document, dict) and isinstance(document.get("data"), dict):
        document = document["data"]
    if not isinstance(document, dict) or not isinstance(document.get("__schema"), dict):
        raise SpecError(source, "", 'not a GraphQL introspection result: no "__schema" object')
    try:
        with collector_paused():
            return build_client_schema(document)  # type: ignore[arg-type]
    except (TypeError, GraphQLError, KeyError) as exc:
        raise SpecError(source, "/__schema", str(exc).strip()) from None


def _schema_from_sdl(sources: Sequence[tuple[str, str]]) -> tuple[GraphQLSchema, list[str]]:
    """Read without the places of the nodes first: graphql-core finds the line and column of every problem it
    reports by scanning the text from its start (GitHub's twelve tolerated deprecation mismatches: 0.17 s of
    validation's 0.21 s). A refused schema is read again with them, for the error's ``file:line:column``."""
    try:
        return _read_sdl(sources, located=False)
    except SpecError:
        return _read_sdl(sources, located=True)


def _read_sdl(sources: Sequence[tuple[str, str]], *, located: bool) -> tuple[GraphQLSchema, list[str]]:
    if not sources:
        raise SpecError("schema", "", "no GraphQL schema files")
    definitions: list[Any] = []
    for name, text in sources:
        try:
            definitions.extend(parse(Source(text, name), no_location=not located).definitions)
        except GraphQLSyntaxError as exc:
            raise _located(exc, name) from None
    warnings: list[str] = []
    if _uses_faker_directives(sources):  # else walking the whole document for the directives used is wasted
        declared = {d.name.value for d in definitions if isinstance(d, DirectiveDefinitionNode)}
        for name in sorted(_used_directives(definitions) - declared):
            if name in FAKER_DIRECTIVES:
                definitions.extend(parse(FAKER_DIRECTIVES[name]).definitions)
    definitions = _drop_repeated_fields(definitions, warnings)
    document = DocumentNode(definitions=tuple(definitions))
    from graphql.validation.validate import validate_sdl

    unknown: set[str] = set()
    for error in validate_sdl(document):
        found = re.match(r"Unknown directive [\"']@(\w+)", error.message)
        if found:
            unknown.add(found.group(1))
            continue
        raise _located(error, sources[0][0])
    warnings.extend(f"directive @{name} is used but not declared: ignored" for name in sorted(unknown))
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (TypeError, GraphQLError) as exc:
        raise SpecError(sources[0][0], "", str(exc).strip()) from None
    problems = validate_schema(schema)
    for error in problems:
        if "deprecat" not in error.message.lower():
            raise _located(error, sources[0][0])
        warnings.append(error.message)
    if problems:  # only tolerated ones are left: execution must not refuse the schema for them
        schema._validation_errors = []
    return schema, warnings


def _used_directives(definitions: Sequence[Any]) -> set[str]:
    from graphql.language import Visitor, visit

    names: set[str] = set()

    class _Collect(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            names.add(node.name.value)

    visit(DocumentNode(definitions=tuple(definitions)), _Collect())
    return names


def _drop_repeated_fields(definitions: list[Any], warnings: list[str]) -> list[Any]:
    """Drop a field defined again with the same type (warned once); a different type is an error."""
    seen: dict[tuple[str, str], str] = {}
    out: list[Any] = []
    for node in definitions:
        if not isinstance(node, _FIELDED) or not node.fields:
            out.append(node)
            continue
        kept = []
        for fld in node.fields:
            key = (node.name.value, fld.name.value)
            shown = _type_text(fld.type)
            if key not in seen:
                seen[key] = shown
                kept.append(fld)
            elif seen[key] == shown:
                warnings.append(
                    f"{key[0]}.{key[1]} is defined twice with the same type: the second is ignored"
                )
            else:
                raise _located(
                    GraphQLError(f"{key[0]}.{key[1]} is defined twice: as {seen[key]} and as {shown}", fld),
                    "schema",
                )
        if len(kept) != len(node.fields):
            node = _copy(node, fields=tuple(kept))
        out.append(node)
    return out


def _type_text(node: Any) -> str:
    """A type reference as SDL writes it (``[ID!]!``): what ``print_ast`` gives, without its visitor."""
    if isinstance(node, NonNullTypeNode):
        return _type_text(node.type) + "!"
    if isinstance(node, ListTypeNode):
        return f"[{_type_text(node.type)}]"
    return str(node.name.value)


def _copy(node: Any, **changes: Any) -> Any:
    values = {key: getattr(node, key) for key in node.keys}
    values.update(changes)
    return type(node)(**values)


def _located(error: GraphQLError, fallback: str) -> SpecError:
    """``file:line:column: message`` for a parser or validation error."""
    name = fallback
    node = error.nodes[0] if error.nodes else None
    if node is not None and node.loc is not None:
        name = node.loc.source.name
    elif error.source is not None:
        name = error.source.name
    where = ""
    if error.locations:
        first = error.locations[0]
        where = f"line {first.line}:{first.column}"
    return SpecError(name, where, error.message)
