"""Path keys with a query or fragment suffix, and how a request picks one. PURE.

Specs converted from AWS service models, and many RPC-style APIs, key several operations
on one path with a suffix: ``/#X-Amz-Target=DynamoDB_20120810.GetItem``,
``/?Action=DescribeInstances&Version=2016-11-15``, ``/getSite#id``. A client never sends
the suffix as part of the path (``#`` starts a fragment, ``?`` the query): it sends the
plain path and says which operation it means with a header or a query parameter, the
*discriminator*. The router serves such an operation both ways:

* by its literal key, percent-encoded as a client sends it (``/%23X-Amz-Target=...``);
* at the plain path, chosen by the discriminator: each ``name=value`` of the suffix must
  hold, a bare ``name`` must be present. A name is a header when the operation declares a
  header parameter of that name (or, undeclared, when it starts with ``X-``), else a query
  parameter.

Among the variants of one plain path, the one with the most conditions that all hold wins;
when none holds, the plain path's own operation answers, else the first variant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from mockingbird.openapi.model import Operation


@dataclass(frozen=True, slots=True)
class Condition:
    """One discriminator: ``where`` is ``header`` or ``query``; ``value`` ``None`` means presence."""

    where: str
    name: str  # lower case for headers
    value: str | None


@dataclass(frozen=True, slots=True)
class Variant:
    """An operation keyed with a suffix, and what selects it at its plain path."""

    operation: Operation
    conditions: tuple[Condition, ...]

    @property
    def reads_headers(self) -> bool:
        """Whether choosing this variant reads a request header."""
        return any(c.where == "header" for c in self.conditions)


def split_suffix(path: str) -> tuple[str, str | None]:
    """``("/", "X-Amz-Target=A.B")`` for ``/#X-Amz-Target=A.B``; ``(path, None)`` without a suffix."""
    cut = min((i for i in (path.find("?"), path.find("#")) if i >= 0), default=-1)
    if cut < 0 or "/" in path[cut:]:  # `/send/#env/v1/...`: a literal segment, not a suffix
        return path, None
    return path[:cut] or "/", path[cut + 1 :]


def build_variant(operation: Operation, suffix: str) -> Variant:
    """The discriminator conditions a suffix states for ``operation``."""
    declared = {p.name.lower(): p.location for p in operation.parameters}
    conditions: list[Condition] = []
    for item in suffix.replace("#", "&").replace("?", "&").split("&"):
        name, sep, value = item.partition("=")
        name = unquote(name.strip())
        if not name:
            continue
        where = declared.get(name.lower())
        if where not in ("header", "query"):
            where = "header" if name.lower().startswith("x-") else "query"
        conditions.append(
            Condition(where, name.lower() if where == "header" else name, unquote(value) if sep else None)
        )
    return Variant(operation, tuple(conditions))


def select_variant(
    variants: Sequence[Variant], default: Operation, query: str, headers: Mapping[str, str]
) -> Operation:
    """The operation a request at a plain path means (module docstring: the rule)."""
    params: dict[str, str] | None = None
    best: Variant | None = None
    for variant in variants:
        if best is not None and len(variant.conditions) <= len(best.conditions):
            continue
        for cond in variant.conditions:
            if cond.where == "header":
                got = headers.get(cond.name)
            else:
                if params is None:
                    params = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
                got = params.get(cond.name)
            if got is None or (cond.value is not None and got != cond.value):
                break
        else:
            best = variant
    return best.operation if best is not None else default
