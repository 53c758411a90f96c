"""Document-level parts of the model: info, servers/base path, security. PURE."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from mockingbird.openapi.loading._context import LoadContext
from mockingbird.openapi.model import SecurityRequirement, SecurityScheme

_SERVER_VARIABLE = re.compile(r"\{([^{}]+)\}")
# Swagger 2.0 oauth2 flow names -> OpenAPI 3 flow names.
_FLOWS_2_TO_3 = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}


def build_info(ctx: LoadContext) -> tuple[str, str, str]:
    """``(title, version, description)``, tolerating a missing ``info`` or ``info.version``."""
    info = ctx.document.get("info")
    if not isinstance(info, dict):
        ctx.warn("document has no info object; title and version are empty")
        return "", "", ""
    if "version" not in info:
        ctx.warn("info.version is missing; using an empty version")
    title, version, description = info.get("title", ""), info.get("version", ""), info.get("description", "")
    return str(title or ""), str(version if version is not None else ""), str(description or "")


def normalize_base_path(path: str) -> str:
    """``"/api/"`` -> ``"/api"``, ``"/"`` or ``""`` -> ``""``, ``"v1"`` -> ``"/v1"``."""
    path = path.strip().rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    return path


def expand_server_url(server: Mapping[str, Any]) -> str:
    """A 3.x server URL with each ``{variable}`` replaced by its default (or first enum value)."""
    url = str(server.get("url", "") or "")
    variables = server.get("variables") or {}

    def substitute(match: re.Match[str]) -> str:
        variable = variables.get(match.group(1)) if isinstance(variables, dict) else None
        if isinstance(variable, dict):
            if "default" in variable:
                return str(variable["default"])
            enum = variable.get("enum")
            if isinstance(enum, list) and enum:
                return str(enum[0])
        return match.group(0)

    return _SERVER_VARIABLE.sub(substitute, url)


def build_servers(ctx: LoadContext) -> tuple[tuple[str, ...], str]:
    """``(servers, base_path)`` from 3.x ``servers`` or 2.0 ``schemes``/``host``/``basePath``."""
    doc = ctx.document
    if ctx.dialect == "2.0":
        base_path = normalize_base_path(str(doc.get("basePath", "") or ""))
        host = doc.get("host")
        raw_schemes = doc.get("schemes")
        schemes: list[Any] = raw_schemes if isinstance(raw_schemes, list) and raw_schemes else ["https"]
        if isinstance(host, str) and host:
            servers = tuple(f"{scheme}://{host}{base_path}" for scheme in schemes if isinstance(scheme, str))
        else:
            servers = (base_path,) if base_path else ()
        return servers, base_path
    raw = doc.get("servers")
    if not isinstance(raw, list) or not raw:
        return (), ""
    urls = tuple(expand_server_url(server) for server in raw if isinstance(server, dict))
    if not urls:
        return (), ""
    first = urls[0]
    # A template left unexpanded (variable without default) cannot be served literally.
    path = urlsplit(first).path if "://" in first or first.startswith("//") else first.split("?", 1)[0]
    if "{" in path:
        ctx.warn(
            f"servers[0].url {first!r} has a variable without a default; it is not used as the base path"
        )
        path = path[: path.index("{")]
    return urls, normalize_base_path(path)


def build_security_schemes(ctx: LoadContext) -> dict[str, SecurityScheme]:
    """Every declared scheme: 3.x ``components.securitySchemes`` or 2.0 ``securityDefinitions``."""
    if ctx.dialect == "2.0":
        raw, base = ctx.document.get("securityDefinitions"), "/securityDefinitions"
    else:
        components = ctx.document.get("components")
        raw = components.get("securitySchemes") if isinstance(components, dict) else None
        base = "/components/securitySchemes"
    if not isinstance(raw, dict):
        return {}
    schemes: dict[str, SecurityScheme] = {}
    for name, node in raw.items():
        pointer = f"{base}/{name}"
        node, _ = ctx.deref(node, pointer)
        scheme = _build_scheme(ctx, str(name), node, pointer) if isinstance(node, dict) else None
        if scheme is None:
            # A scheme nobody can satisfy must not take the whole mock down: requirements
            # naming it are dropped (with their own warning) in build_security.
            ctx.warn(
                f"{ctx.source}#{pointer}: security scheme {name!r} is not usable ({_describe(node)}); ignored"
            )
            continue
        schemes[str(name)] = scheme
    return schemes


def _describe(node: Any) -> str:
    if not isinstance(node, dict):
        return f"not an object but {type(node).__name__}"
    if node.get("type") == "apiKey":
        return f"apiKey with in={node.get('in')!r}, expected header, query or cookie"
    return f"unknown type {node.get('type')!r}"


def _build_scheme(ctx: LoadContext, name: str, node: dict[str, Any], pointer: str) -> SecurityScheme | None:
    kind = node.get("type")
    if kind == "basic":  # Swagger 2.0
        return SecurityScheme(name=name, type="http", scheme="basic")
    if kind == "apiKey":
        location = node.get("in")
        if location not in ("header", "query", "cookie"):
            return None
        return SecurityScheme(
            name=name, type="apiKey", location=location, param_name=str(node.get("name", ""))
        )
    if kind == "http":
        scheme = str(node.get("scheme", "")).lower()
        return SecurityScheme(name=name, type="http", scheme=scheme, bearer_format=node.get("bearerFormat"))
    if kind == "oauth2":
        if ctx.dialect == "2.0":
            flow = _FLOWS_2_TO_3.get(str(node.get("flow")), str(node.get("flow")))
            details = {k: node[k] for k in ("authorizationUrl", "tokenUrl", "scopes") if k in node}
            details.setdefault("scopes", {})
            return SecurityScheme(name=name, type="oauth2", flows={flow: details})
        flows = node.get("flows")
        return SecurityScheme(name=name, type="oauth2", flows=dict(flows) if isinstance(flows, dict) else {})
    if kind == "openIdConnect":
        return SecurityScheme(
            name=name, type="openIdConnect", open_id_connect_url=node.get("openIdConnectUrl")
        )
    if kind == "mutualTLS":
        return SecurityScheme(name=name, type="mutualTLS")
    return None


def build_security(
    ctx: LoadContext, raw: Any, pointer: str, schemes: Mapping[str, SecurityScheme]
) -> tuple[SecurityRequirement, ...]:
    """A ``security`` list as requirement alternatives; ``{}`` entries (anonymous) are kept.

    Requirements naming an undeclared scheme are dropped with a warning: they could never be met.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ctx.error(pointer, "security must be a list of requirement objects")
    requirements: list[SecurityRequirement] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise ctx.error(f"{pointer}/{index}", "a security requirement must be an object")
        unknown = [name for name in entry if name not in schemes]
        if unknown:
            ctx.warn(
                f"{ctx.source}#{pointer}/{index}: security requirement names undeclared scheme "
                f"{unknown[0]!r}; ignored"
            )
            continue
        requirements.append(
            {
                str(name): tuple(str(s) for s in scopes) if isinstance(scopes, list) else ()
                for name, scopes in entry.items()
            }
        )
    if raw and not requirements:
        return ()
    return tuple(requirements)
