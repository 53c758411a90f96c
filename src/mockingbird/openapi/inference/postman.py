"""Postman Collection v2.1 (and v2.0) -> exchanges. PURE.

Each request becomes an operation; each of its saved responses an exchange whose example is
named after the response (``Prefer: example=<slug of its name>``), sent as its
``originalRequest`` when it has one. A request without saved responses still becomes an
operation (a ``200`` without body). Folders become tags. ``{{variables}}`` are resolved from
the collection's variables, then an environment's (``--postman-env``), which win; a whole path
segment ``:name`` or ``{{name}}`` stays a path parameter of that name. Auth settings
(collection, folder or request: the nearest wins) become the credentials the request carries,
hence security schemes: ``bearer``, ``basic``, ``apikey`` (header or query), ``oauth2`` (a
bearer token). Bodies: ``raw`` (typed by ``options.raw.language``), ``urlencoded`` and ``formdata``
(forms described field by field: text fields strings, file fields binary, descriptions kept,
disabled fields left out) and ``graphql`` (JSON).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from mockingbird.openapi.inference.exchanges import Exchange, FormField, Headers

_VAR = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_SEGMENT_VAR = re.compile(r"^(?::[A-Za-z_][\w.-]*|\{\{\s*[\w.-]+\s*\}\})$")
_SCHEMA = re.compile(r"schema\.(getpostman|postman)\.com/json/collection/v2\.[01]", re.IGNORECASE)


def is_postman(document: Any) -> bool:
    """An object with ``info`` naming a Postman collection schema (or ``_postman_id``) and ``item``."""
    if not isinstance(document, dict) or not isinstance(document.get("item"), list):
        return False
    info = document.get("info")
    if not isinstance(info, dict):
        return False
    schema = info.get("schema")
    return "_postman_id" in info or (isinstance(schema, str) and bool(_SCHEMA.search(schema)))


def is_postman_environment(document: Any) -> bool:
    """A Postman environment export: ``values`` of ``{key, value}``."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("values"), list)
        and ("_postman_variable_scope" in document or "name" in document)
    )


def environment_variables(document: Any) -> dict[str, str]:
    """The enabled ``key -> value`` of a Postman environment (or a plain ``{key: value}`` object)."""
    if is_postman_environment(document):
        return {
            str(v["key"]): str(v.get("value", ""))
            for v in document["values"]
            if isinstance(v, dict) and "key" in v and v.get("enabled", True) is not False
        }
    if isinstance(document, dict):
        return {str(k): str(v) for k, v in document.items() if isinstance(v, str | int | float | bool)}
    return {}


def _pairs(raw: Any) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        return []
    return [
        (str(p["key"]), "" if p.get("value") is None else str(p["value"]))
        for p in raw
        if isinstance(p, dict) and p.get("key") is not None and not p.get("disabled", False)
    ]


@dataclass(frozen=True, slots=True)
class _Context:
    variables: Mapping[str, str]
    tags: tuple[str, ...]
    auth: Any

    def resolve(self, text: str) -> str:
        for _ in range(5):  # variables may name variables; bounded
            resolved = _VAR.sub(lambda m: self.variables.get(m.group(1), m.group(0)), text)
            if resolved == text:
                break
            text = resolved
        return text


def _auth_values(auth: dict[str, Any], kind: str) -> dict[str, str]:
    raw = auth.get(kind)
    if isinstance(raw, list):  # v2.1: [{key, value}]
        return dict(_pairs(raw))
    if isinstance(raw, dict):  # v2.0: {key: value}
        return {str(k): str(v) for k, v in raw.items()}
    return {}


def _credentials(auth: Any, ctx: _Context) -> tuple[Headers, list[tuple[str, str]]]:
    """Headers and query pairs the auth setting adds (values are masked later by the inference)."""
    if not isinstance(auth, dict):
        return (), []
    kind = auth.get("type")
    if kind in ("bearer", "oauth2"):
        return (("Authorization", "Bearer {{token}}"),), []
    if kind == "basic":
        return (("Authorization", "Basic {{credentials}}"),), []
    if kind == "apikey":
        values = _auth_values(auth, "apikey")
        name = ctx.resolve(values.get("key", "X-API-Key")) or "X-API-Key"
        if values.get("in") == "query":
            return (), [(name, "{{key}}")]
        return ((name, "{{key}}"),), []
    return (), []


def _url(raw: Any, ctx: _Context, extra_query: list[tuple[str, str]]) -> str:
    if isinstance(raw, str):
        raw = {"raw": raw}
    if not isinstance(raw, dict):
        return "/"
    host, path, query = raw.get("host"), raw.get("path"), raw.get("query")
    if host is None and path is None and isinstance(raw.get("raw"), str):
        text = raw["raw"].split("#", 1)[0]
        base, _, qs = text.partition("?")
        parts = base.split("/")
        scheme = parts[0] + "//" if parts[0].endswith(":") and len(parts) > 2 else ""
        host, path = (parts[2], parts[3:]) if scheme else (parts[0], parts[1:])
        query = [{"key": k, "value": v} for k, _, v in (p.partition("=") for p in qs.split("&") if p)]
        protocol = scheme[:-3]
    else:
        protocol = raw.get("protocol") if isinstance(raw.get("protocol"), str) else ""
    host_text = ctx.resolve(".".join(host) if isinstance(host, list) else str(host or ""))
    segments = path if isinstance(path, list) else str(path or "").split("/")
    out = []
    for segment in segments:
        text = (
            segment
            if isinstance(segment, str)
            else str(segment.get("value", ""))
            if isinstance(segment, dict)
            else ""
        )
        if not text:
            continue
        if _SEGMENT_VAR.match(text):  # a path parameter, named by itself
            out.append("{" + text.strip(":{} ") + "}")
        else:
            out.append(quote(ctx.resolve(text), safe="@:!$&'()*+,;=-._~%"))
    if "://" not in host_text:
        host_text = f"{protocol or 'https'}://{host_text or 'api.invalid'}"
    pairs = [(ctx.resolve(k), ctx.resolve(v)) for k, v in _pairs(query)] + extra_query
    return host_text.rstrip("/") + "/" + "/".join(out) + (f"?{urlencode(pairs)}" if pairs else "")


# ``options.raw.language`` -> the media type Postman sends the raw body as.
_RAW_LANGUAGES = {
    "json": "application/json", "xml": "application/xml", "html": "text/html", "text": "text/plain",
    "javascript": "application/javascript",
}  # fmt: skip
Body = tuple[bytes, str, tuple[FormField, ...]]  # the bytes sent, their media type, a form's fields


def _body(raw: Any, ctx: _Context) -> Body:
    """A request's body: ``raw`` (its language names the media type), ``urlencoded`` and ``formdata``
    (the fields, ``disabled`` ones left out: a form the inference describes field by field) and
    ``graphql`` (a JSON ``{query, variables}``, as Postman posts it)."""
    if not isinstance(raw, dict):
        return b"", "", ()
    mode = raw.get("mode")
    if mode == "raw" and isinstance(raw.get("raw"), str) and raw["raw"]:
        options = raw.get("options")
        settings = options.get("raw") if isinstance(options, dict) else None
        language = settings.get("language") if isinstance(settings, dict) else None
        mime = _RAW_LANGUAGES.get(language, "") if isinstance(language, str) else ""
        text = ctx.resolve(raw["raw"])
        if not mime and text.lstrip().startswith(("{", "[")):
            mime = "application/json"
        return text.encode("utf-8"), mime or "text/plain", ()
    if mode == "urlencoded":
        form = _form(raw.get("urlencoded"), ctx)
        body = urlencode([(f.name, f.value) for f in form]).encode()
        return body, "application/x-www-form-urlencoded", form
    if mode == "formdata":
        return b"", "multipart/form-data", _form(raw.get("formdata"), ctx)
    if mode == "graphql" and isinstance(raw.get("graphql"), dict):
        graphql = raw["graphql"]
        sent: dict[str, Any] = {"query": ctx.resolve(str(graphql.get("query") or ""))}
        variables = graphql.get("variables")
        if isinstance(variables, str) and variables.strip():
            try:
                sent["variables"] = orjson.loads(ctx.resolve(variables))
            except orjson.JSONDecodeError:
                pass  # Postman keeps what was typed; a body with unparsable variables is sent without them
        elif isinstance(variables, dict):
            sent["variables"] = variables
        return orjson.dumps(sent), "application/json", ()
    return b"", "", ()


def _form(raw: Any, ctx: _Context) -> tuple[FormField, ...]:
    """The enabled fields of a ``formdata`` or ``urlencoded`` list (``type: file`` ones as files)."""
    if not isinstance(raw, list):
        return ()
    out: list[FormField] = []
    for entry in raw:
        if not isinstance(entry, dict) or entry.get("key") is None or entry.get("disabled", False):
            continue
        file = entry.get("type") == "file"
        source = entry.get("src")
        if file:  # the file's name stands for its content
            shown = source[0] if isinstance(source, list) and source else source
            value = str(shown).rsplit("/", 1)[-1] if isinstance(shown, str) else ""
        else:
            value = "" if entry.get("value") is None else ctx.resolve(str(entry["value"]))
        described = entry.get("description")
        if isinstance(described, dict):  # v2.1 may say {content, type}
            described = described.get("content")
        text = described if isinstance(described, str) else ""
        out.append(FormField(ctx.resolve(str(entry["key"])), value, file, text))
    return tuple(out)


Request = tuple[str, str, Headers, bytes, frozenset[str], tuple[FormField, ...]]


def _request(raw: Any, ctx: _Context) -> Request:
    if isinstance(raw, str):
        raw = {"url": raw, "method": "GET"}
    if not isinstance(raw, dict):
        raw = {}
    auth = raw.get("auth", ctx.auth) if "auth" in raw else ctx.auth
    auth_headers, auth_query = _credentials(auth, ctx)
    headers = tuple((ctx.resolve(k), ctx.resolve(v)) for k, v in _pairs(raw.get("header"))) + auth_headers
    body, mime, form = _body(raw.get("body"), ctx)
    if mime and not any(k.lower() == "content-type" for k, _ in headers):
        headers += (("Content-Type", mime),)
    method = str(raw.get("method") or "GET").upper()
    secret = frozenset([k.lower() for k, _ in auth_headers] + [k for k, _ in auth_query])
    return method, _url(raw.get("url"), ctx, auth_query), headers, body, secret, form


def _item_exchanges(item: dict[str, Any], ctx: _Context) -> Iterator[Exchange]:
    summary = str(item.get("name") or "")
    description = (
        item.get("request", {}).get("description") if isinstance(item.get("request"), dict) else None
    )
    text = description if isinstance(description, str) else ""
    method, url, headers, body, secret, form = _request(item.get("request"), ctx)
    responses = [r for r in item.get("response") or [] if isinstance(r, dict)]
    if not responses:
        yield Exchange(
            method,
            url,
            200,
            headers,
            body,
            tags=ctx.tags,
            summary=summary,
            description=text,
            credentials=secret,
            form=form,
        )
        return
    for response in responses:
        if "originalRequest" in response:
            method, url, headers, body, secret, form = _request(response["originalRequest"], ctx)
        code = response.get("code")
        yield Exchange(
            method=method,
            url=url,
            status=code if isinstance(code, int) and 100 <= code <= 599 else 200,
            request_headers=headers,
            request_body=body,
            response_headers=tuple(_pairs(response.get("header"))),
            response_body=str(response.get("body") or "").encode("utf-8"),
            name=str(response.get("name") or ""),
            tags=ctx.tags,
            summary=summary,
            description=text,
            credentials=secret,
            form=form,
        )


def _walk(items: list[Any], ctx: _Context) -> Iterator[Exchange]:
    for item in items:
        if not isinstance(item, dict):
            continue
        auth = item.get("auth", ctx.auth) if "auth" in item else ctx.auth
        if isinstance(item.get("item"), list):  # a folder
            name = str(item.get("name") or "")
            yield from _walk(item["item"], _Context(ctx.variables, (name,) if name else ctx.tags, auth))
        elif "request" in item:
            yield from _item_exchanges(item, _Context(ctx.variables, ctx.tags, auth))


def postman_exchanges(
    document: dict[str, Any], environment: Mapping[str, str] | None = None
) -> list[Exchange]:
    """The exchanges of a collection: every saved response (or bare request), folders as tags.

    Args:
        document: the parsed collection (``is_postman`` holds).
        environment: variables that win over the collection's.
    """
    variables = dict(_pairs(document.get("variable")))
    variables.update(environment or {})
    return list(_walk(document["item"], _Context(variables, (), document.get("auth"))))


def postman_tags(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One tag object per folder (its description kept), in the collection's order."""
    out: list[dict[str, Any]] = []

    def visit(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("item"), list):
                tag: dict[str, Any] = {"name": str(item.get("name") or "")}
                if isinstance(item.get("description"), str) and item["description"]:
                    tag["description"] = item["description"]
                if tag["name"] and all(t["name"] != tag["name"] for t in out):
                    out.append(tag)
                visit(item["item"])

    visit(document["item"])
    return out
