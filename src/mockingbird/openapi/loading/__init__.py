"""``load_spec``: read a spec (file or URL), bundle external refs, normalise to the model.

The imperative shell of spec loading. Reading/parsing is in ``_documents`` (under the
fetch policy of ``mockingbird.fetching`` and the parse budgets of ``mockingbird.documents``), bundling
of multi-file specs in ``_bundle``; everything after that is pure (``_metadata``,
``_operations``, ``_openapi3``, ``_swagger2``, ``_schemas``). Schemas are normalised
lazily: ``Spec.resolve`` normalises a referenced schema on first use and caches it.
"""

from __future__ import annotations

import os
from typing import Any

from mockingbird.documents import DEFAULT_BUDGETS, Budgets
from mockingbird.errors import SpecError, SpecNotFoundError
from mockingbird.fetching import FetchPolicy
from mockingbird.openapi.inference import detect_format, environment_variables, import_document
from mockingbird.openapi.loading._bundle import bundle_document, needs_bundling
from mockingbird.openapi.loading._context import LoadContext
from mockingbird.openapi.loading._documents import DocumentReader, absolute_uri, is_url
from mockingbird.openapi.loading._metadata import build_info, build_security_schemes, build_servers
from mockingbird.openapi.loading._operations import OperationBuilder
from mockingbird.openapi.loading._schemas import Dialect
from mockingbird.openapi.model import Spec


def detect_dialect(document: dict[str, Any], source: str) -> Dialect:
    """``"2.0"``, ``"3.0"`` or ``"3.1"`` from the ``swagger``/``openapi`` field.

    Raises:
        SpecError: neither field, or a version this loader does not read.
    """
    if "openapi" in document:
        version = str(document["openapi"]).strip()
        if version.startswith("3.0"):
            return "3.0"
        if version.startswith("3.1"):
            return "3.1"
        if version.startswith("3."):
            # Later 3.x minors are additive over 3.1; read them as 3.1 rather than refuse them.
            return "3.1"
        raise SpecError(source, "/openapi", f"unsupported OpenAPI version {version!r} (expected 3.0 or 3.1)")
    if "swagger" in document:
        version = str(document["swagger"]).strip()
        if version in ("2.0", "2"):
            return "2.0"
        raise SpecError(source, "/swagger", f"unsupported Swagger version {version!r} (expected 2.0)")
    raise SpecError(source, "", "not an OpenAPI or Swagger document: it has no 'openapi' or 'swagger' field")


def load_spec(
    source: str | os.PathLike[str],
    *,
    policy: FetchPolicy | None = None,
    budgets: Budgets = DEFAULT_BUDGETS,
    postman_env: str | os.PathLike[str] | None = None,
) -> Spec:
    """Load an OpenAPI 3.1/3.0 or Swagger 2.0 document (JSON or YAML, path or http(s) URL).

    A HAR 1.2 archive or a Postman Collection (v2.1, v2.0), told apart by content, becomes an
    OpenAPI 3.1 document first (``mockingbird.openapi.inference``); a file of none of these
    formats is one ``SpecError`` saying what it looks like.

    External ``$ref``s (other files, URLs, parts of them) are bundled into the root
    document under ``x-mockingbird-bundled`` so every ``$ref`` in the model is local.
    Schemas are normalised lazily; follow a ``$ref`` with ``spec.resolve(ref)``.

    A remote spec may reference its own origin; other hosts only as ``policy.allow_hosts``
    allows, and never a local file. Fetching the spec and everything it references shares one
    deadline and one size cap; every document is parsed under ``budgets``.

    Args:
        source: a file path or an ``http://``/``https://`` URL.
        policy: the fetch policy (``FetchPolicy()``: 30 s, 64 MiB, no other hosts).
        budgets: the parse budgets of every document (size, depth, YAML aliases).
        postman_env: a Postman environment file whose variables win over a collection's.

    Returns:
        The normalised ``Spec``; tolerated deviations are listed in ``spec.warnings``.

    Raises:
        FetchRefusedError: the fetch policy refuses a URL (its message names the flag that allows it).
        SpecNotFoundError: the file or URL (or a file it references) cannot be read, or a fetch went
            past the deadline or the size cap (``FetchError``).
        SpecError: unparsable, past a parse budget, not OpenAPI/Swagger, or a ``$ref`` that does not resolve.

    Example:
        >>> spec = load_spec("examples/petstore.yaml")
        >>> [op.key for op in spec.iter_operations()][:2]
        ['GET /pets', 'POST /pets']
    """
    text = os.fspath(source)
    display = text  # errors name the source as the user gave it
    uri = absolute_uri(text)
    policy = policy or FetchPolicy()
    with DocumentReader(policy.trusting(uri) if is_url(uri) else policy, budgets) as reader:
        data = reader.read(uri) if is_url(uri) else _read_local(reader, uri, display)
        document = reader.parse(data, display)
        if detect_format(document) != "openapi":
            environment = None
            if postman_env is not None:
                env_path = absolute_uri(postman_env)
                environment = environment_variables(
                    reader.parse(
                        _read_local(reader, env_path, os.fspath(postman_env)), os.fspath(postman_env)
                    )
                )
            return spec_from_document(import_document(document, display, environment=environment), display)
        if needs_bundling(document, data):
            detect_dialect(document, display)  # an unsupported version is named before any $ref is followed
            document = bundle_document(document, uri, display, reader)
    return spec_from_document(document, display)


def spec_from_document(document: dict[str, Any], source: str) -> Spec:
    """The ``Spec`` of an OpenAPI/Swagger document already in memory (every ``$ref`` local).

    Args:
        document: the parsed document.
        source: how errors and ``Spec.source`` name it.

    Raises:
        SpecError: not OpenAPI/Swagger, or a ``$ref`` that does not resolve.

    Example:
        >>> spec = spec_from_document({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        ...                            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}, "t")
        >>> [op.key for op in spec.iter_operations()]
        ['GET /a']
    """
    dialect = detect_dialect(document, source)
    ctx = LoadContext(document, source, dialect)
    title, version, description = build_info(ctx)
    servers, base_path = build_servers(ctx)
    schemes = build_security_schemes(ctx)
    builder = OperationBuilder(ctx, schemes)
    operations = builder.build_all()
    webhooks = builder.build_webhooks()
    return Spec(
        title=title,
        version=version,
        source=source,
        description=description,
        base_path=base_path,
        servers=servers,
        operations=operations,
        security_schemes=schemes,
        webhooks=webhooks,
        warnings=ctx.warnings,
        document=document,
        resolve=ctx.resolve,
    )


def _read_local(reader: DocumentReader, uri: str, display: str) -> bytes:
    try:
        return reader.read(uri)
    except SpecNotFoundError as exc:
        raise SpecNotFoundError(display, exc.pointer, exc.problem) from None
    except SpecError as exc:
        raise SpecError(display, exc.pointer, exc.problem) from None
