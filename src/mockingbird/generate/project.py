"""``generate_project``: write a standalone FastAPI mock project for a spec.

The project runs on the runtime of ``mockingbird serve`` (``mockingbird.http.embed``), shipped as a
wheel of this package in ``vendor/``; ``main.py`` holds one endpoint function per operation that
delegates to it until the user writes a body of their own. The files are rendered from the Jinja2
templates in ``generate/templates`` (ours: autoescape off), where every value that came from the
spec or the command line arrives either as a Python literal (``endpoints.literal``), a docstring
literal, or a slug of ``[a-z0-9-]``. Writing goes through ``manifest.write_project``: a user's
edits are never overwritten.
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import orjson

from mockingbird.errors import ConfigError, SpecError
from mockingbird.generate.endpoints import RESERVED, docstring, plan_endpoints, plan_webhooks
from mockingbird.generate.manifest import write_project
from mockingbird.generate.names import NameAllocator
from mockingbird.generate.wheel import build_runtime_wheel, pinned_requirements
from mockingbird.openapi.model import Spec

# The command that serves a project, in its folder: the Dockerfile's CMD, the README's, the tests'.
# uvicorn reads UVICORN_HOST and UVICORN_PORT (the Dockerfile sets them).
SERVE_COMMAND = ("uvicorn", "main:app")
SPEC_FILE = "openapi.json"
DEFAULT_ROOT = "generated_mocks"  # where projects go without ``out``, as MockLoop's generate_mock_api
_SLUG = re.compile(r"[^a-z0-9]+")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, kw_only=True, slots=True)
class GenerateOptions:
    """What to generate (``mockingbird generate``'s options; MockLoop's names in brackets).

    Attributes:
        name: the project's name (default: from the spec's title), made a slug ``[a-z0-9-]``.
        auth: enforce the spec's security requirements (``auth_enabled``).
        webhooks: a ``send_<name>`` function per webhook of the spec (``webhooks_enabled``); callbacks
            are sent after answers and webhooks fired from the admin API either way, as ``serve`` does.
        admin: the admin page and API under ``/admin`` (``admin_ui_enabled``).
        storage: the request log in SQLite, where scenarios persist too (``storage_enabled``).
        port: the port docker-compose publishes and the README uses.
        force: write over generated files the user did not edit (edited ones are always kept).
        cache_dir: where runtime wheels are cached (default ``~/.cache/mockingbird/wheels``).
    """

    name: str | None = None
    auth: bool = True
    webhooks: bool = True
    admin: bool = True
    storage: bool = True
    port: int = 8000
    force: bool = False
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"port: {self.port} is not a TCP port (1-65535)")


@dataclass(frozen=True, slots=True)
class GeneratedProject:
    """A generated project.

    Attributes:
        path: its folder.
        name: its name (a slug).
        files: every generated file (relative POSIX paths).
        written: the files this run created or rewrote.
        kept: the files left as the user edited them.
        removed: files generated before and not any more (not edited), deleted.
        operations: the number of endpoint functions.
        command: how to serve it, in its folder (``uvicorn main:app``).
    """

    path: Path
    name: str
    files: tuple[str, ...]
    written: tuple[str, ...]
    kept: tuple[str, ...]
    removed: tuple[str, ...]
    operations: int
    command: tuple[str, ...] = SERVE_COMMAND


def project_slug(text: str) -> str:
    """A name for folders, images and services: ``Mockingbird Petstore`` -> ``mockingbird-petstore``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG.sub("-", ascii_text.lower()).strip("-") or "mock"


def generate_project(
    spec: Spec | str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    options: GenerateOptions | None = None,
    *,
    progress: Progress | None = None,
) -> GeneratedProject:
    """Write a FastAPI mock project for ``spec`` into ``out``.

    Args:
        spec: a loaded spec, or a file path or URL to load.
        out: the project folder (default: ``generated_mocks/<name>`` in the current folder).
        options: what to generate (default: everything on).
        progress: called with (phase, done, total) as work advances (a progress bar).

    Returns:
        What was generated, written and kept.

    Raises:
        SpecError: the spec cannot be loaded, or is a GraphQL schema.
        ProjectConflictError: ``out`` holds files this run would change (without ``force``), or
            a file would land outside ``out``.
        ConfigError: an option out of range.

    Example:
        >>> project = generate_project("examples/petstore.yaml", "petstore-mock")  # doctest: +SKIP
        >>> project.command
        ('uvicorn', 'main:app')
    """
    options = options or GenerateOptions()
    report = progress or (lambda phase, done, total: None)
    if not isinstance(spec, Spec):
        from mockingbird.graphql.loading import looks_like_graphql
        from mockingbird.openapi import load_spec

        if looks_like_graphql(str(spec)):
            raise SpecError(str(spec), "", "a GraphQL schema: generate writes projects for OpenAPI documents; "
                                           "serve it with `mockingbird serve`")  # fmt: skip
        report("loading the spec", 0, 1)
        spec = load_spec(spec)
    if spec.graphql is not None:
        raise SpecError(spec.source, "", "a GraphQL schema: generate writes projects for OpenAPI documents; "
                                         "serve it with `mockingbird serve`")  # fmt: skip
    name = project_slug(options.name or spec.title or Path(spec.source).stem)
    target = Path(out) if out is not None else Path(DEFAULT_ROOT, name)
    total = len(spec.operations)
    names = NameAllocator(reserved=RESERVED)

    planned = 0

    def advance(step: int) -> None:
        nonlocal planned
        planned += step
        if planned % 50 == 0 or planned == total:
            report("endpoints", planned, total)

    endpoints = plan_endpoints(spec, names, progress=advance)
    webhooks = plan_webhooks(spec, names) if options.webhooks else []
    report("runtime wheel", 0, 1)
    wheel = build_runtime_wheel(options.cache_dir)
    files = _render(spec, options, name, endpoints, webhooks, wheel.path.name, wheel.version)
    files[f"vendor/{wheel.path.name}"] = wheel.path.read_bytes()
    files[SPEC_FILE] = _dump_spec(spec.document)
    report("writing", 0, len(files))
    plan = write_project(target, files, force=options.force, generator=f"mockingbird {wheel.version}")
    report("writing", len(files), len(files))
    return GeneratedProject(
        path=target,
        name=name,
        files=tuple(sorted(files)),
        written=tuple(sorted([*plan.create, *plan.update])),
        kept=tuple(sorted(plan.keep)),
        removed=tuple(sorted(plan.remove)),
        operations=len(endpoints),
    )


def _dump_spec(document: Any) -> bytes:
    """The bundled spec as JSON, indented (``orjson``; ``json`` for integers past 64 bits, which
    ``orjson`` refuses and some real specs hold)."""
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
    except TypeError:
        return json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()


def _render(
    spec: Spec,
    options: GenerateOptions,
    name: str,
    endpoints: list[Any],
    webhooks: list[Any],
    wheel: str,
    version: str,
) -> dict[str, bytes]:
    env = jinja2.Environment(  # our own templates, rendering code: values arrive as literals
        loader=jinja2.PackageLoader("mockingbird.generate", "templates"),
        autoescape=False,  # Python, YAML and Dockerfile output: nothing here is HTML
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    title = " ".join((spec.title or name).split())
    kinds = sorted({"Request", *(kind for e in endpoints for kind in e.kinds)})
    module_doc = docstring(
        [
            f"{title} {spec.version}: a mock on mockingbird's runtime, generated by `mockingbird generate`.",
            "",
            "Every endpoint delegates to the runtime (`runtime.answer`): the spec's examples or generated",
            "data, validation, auth, overrides, scenarios, chaos and the request log, as `mockingbird serve`.",
            "Give one a body of your own and what it returns is the answer, still logged.",
            "Serve it with: uvicorn main:app",
        ],
        indent="",
    )
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    context = {
        "module_doc": module_doc,
        "fastapi_imports": ", ".join(kinds),
        "endpoints": endpoints,
        "webhooks": webhooks,
        "auth": options.auth,
        "admin": options.admin,
        "storage": options.storage,
        "name": name,
        "image": f"{name}:latest",
        "port": options.port,
        "python": python,
        "wheel": wheel,
        "version": version,
        "requirements": pinned_requirements(),
        "title": title.replace("`", "'"),
        "spec_version": " ".join(spec.version.split()).replace("`", "'"),
        "operations": len(endpoints),
        "base_path": spec.base_path,
        "callbacks": [op.key for op in spec.operations if op.callbacks],
        "has_webhooks": bool(spec.webhooks),
    }
    templates = {
        "main.py": "main.py.j2",
        "requirements_mock.txt": "requirements_mock.txt.j2",
        "Dockerfile": "Dockerfile.j2",
        "docker-compose.yml": "docker-compose.yml.j2",
        ".dockerignore": "dockerignore.j2",
        "README.md": "README.md.j2",
    }
    return {path: env.get_template(source).render(context).encode() for path, source in templates.items()}
