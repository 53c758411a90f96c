"""Match an HTTP method and path to a spec operation. PURE: no I/O.

``Router(operations, base_path)`` compiles every operation's path template into a
segment trie once; ``Router.match(method, raw_path)`` then costs a few dict lookups
per segment, whatever the number of operations (GitHub: 845, Kubernetes: 1,014).

Rules (the documented behaviour of ``mockingbird serve``):

* **Prefix.** The API answers both under the spec's ``base_path`` (``servers[0]``
  path or Swagger ``basePath``) *and* at the root: ``/v1/pets`` and ``/pets`` both
  reach ``GET /pets`` when ``base_path == "/v1"``. Clients configured with the full
  server URL work, and so do clients that point at the mock's root (as with Prism).
  The prefixed reading is tried first.
* **Literal beats template.** ``/pets/mine`` wins over ``/pets/{petId}``, segment by
  segment; a segment with a template inside (``/files/{name}.{ext}``) ranks between
  the two. If the best-ranked branch has no operation for the path, the router
  backtracks to the others.
* **Path parameters** are matched on the raw (percent-encoded) path and decoded
  afterwards, so ``%2F`` inside a value stays in the value. Empty values never match.
* **Trailing slash.** ``/pets/`` reaches ``/pets`` (and the other way round) when the
  spec does not declare the exact form.
* **Percent-encoding.** Literal segments are compared after decoding the request's
  segment once: ``/test%20path%20%3E%20x`` reaches the spec path ``/test path > x``.
* **Suffixed keys** (``/#X-Amz-Target=...``, ``/?Action=...``): served at the literal key
  and at the plain path, chosen there by the discriminator (``matching/variants.py``);
  such a match carries its ``variants`` and the caller picks with ``select_variant``.
* **HEAD** reaches the ``GET`` operation when the spec declares no ``HEAD``.
* A path that matches but not with this method gives ``RouteMiss`` carrying the
  allowed methods (HTTP 405); no path match gives ``RouteMiss`` with none (404).

A new URL (a memo miss) first takes the greedy walk: literal child, else the whole-segment
parameter, one dict lookup per segment and no recursion. That is the first branch the
backtracking search would try, so when it ends on an operation the answer is the same; when
it cannot decide (a percent-encoded path, a node with in-segment templates, a dead end) the
backtracking search runs as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from mockingbird.openapi.matching.variants import Variant, build_variant, split_suffix
from mockingbird.openapi.model import Operation

MEMO_SIZE = 8192
_PARAM = re.compile(r"\{([^{}/]+)\}")


@dataclass(slots=True)
class RouteMatch:
    """A successful match: the operation and its decoded path parameters.

    ``variants`` is non-empty when operations keyed with a suffix share this plain path:
    ``operation`` is then the default, and ``select_variant`` picks by the discriminator.
    Not frozen: one is built for every new URL, and a frozen dataclass's ``__init__`` pays a
    call per field (~6,000 instructions against ~1,000); treat it as read-only all the same.
    """

    operation: Operation
    path_params: dict[str, str]
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True, slots=True)
class RouteMiss:
    """No operation: ``allowed`` is empty for 404, else the methods the path supports (405)."""

    allowed: tuple[str, ...] = ()

    @property
    def status(self) -> int:
        """404 when no path matched, 405 when only the method is wrong."""
        return 405 if self.allowed else 404


@dataclass(slots=True)
class _Leaf:
    # method -> (operation, parameter names in capture order)
    methods: dict[str, tuple[Operation, tuple[str, ...]]] = field(default_factory=dict)
    # method -> the suffixed operations served at this plain path (matching/variants.py)
    variants: dict[str, tuple[Variant, ...]] = field(default_factory=dict)
    own: set[str] = field(default_factory=set)  # methods with an operation keyed without a suffix
    # method (HEAD falling back to GET) -> what a RouteMatch needs; filled once all operations are added
    entries: dict[str, tuple[Operation, tuple[str, ...], tuple[Variant, ...]]] = field(default_factory=dict)

    def finish(self) -> None:
        methods, variants = self.methods, self.variants
        self.entries = {m: (op, names, variants.get(m, ())) for m, (op, names) in methods.items()}
        if "GET" in methods:
            op, names = methods.get("HEAD") or methods["GET"]
            self.entries["HEAD"] = (op, names, variants.get("HEAD") or variants.get("GET", ()))


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    # segments with a template inside text, e.g. "{name}.{ext}": (regex, node); tried in order
    patterns: list[tuple[re.Pattern[str], _Node]] = field(default_factory=list)
    pattern_index: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None  # a whole-segment "{id}"
    leaf: _Leaf | None = None


def _split(path: str) -> list[str]:
    # "/a/b/" -> ["a", "b", ""]: a trailing "" keeps the trailing slash significant.
    return path.split("/")[1:] if path.startswith("/") else path.split("/")


def _segment_regex(segment: str) -> tuple[str, re.Pattern[str]]:
    parts = _PARAM.split(segment)  # literal, name, literal, name, ..., literal
    key = "{}".join(parts[0::2])
    regex = "".join(re.escape(p) if i % 2 == 0 else "([^/]+?)" for i, p in enumerate(parts))
    return key, re.compile(f"^{regex}$")


class Router:
    """A compiled router over a spec's operations.

    Args:
        operations: the operations to serve (``Spec.operations``).
        base_path: the spec's path prefix (``""`` for none, no trailing slash).

    Example:
        >>> router = Router(spec.operations, spec.base_path)
        >>> router.match("GET", "/v1/pets/42")
        RouteMatch(operation=..., path_params={'petId': '42'})
    """

    def __init__(self, operations: Iterable[Operation], base_path: str = "") -> None:
        self.base_path = base_path.rstrip("/")
        self._root = _Node()
        # Paths without templates: exact dict lookup, the common fast path.
        self._static: dict[str, dict[str, Operation]] = {}
        self.operation_count = 0
        # Routing is a pure function of (method, path): remember recent answers.
        self._memo: dict[tuple[str, str], RouteMatch | RouteMiss] = {}
        for op in operations:
            self._add(op)
        pending = [self._root]
        while pending:
            node = pending.pop()
            if node.leaf is not None:
                node.leaf.finish()
            pending.extend(node.literals.values())
            pending.extend(child for _, child in node.patterns)
            if node.param is not None:
                pending.append(node.param)

    def _add(self, op: Operation) -> None:
        self.operation_count += 1
        method = op.method.upper()
        plain, suffix = split_suffix(op.path)
        if suffix is not None:
            leaf, names = self._leaf(plain)
            leaf.variants[method] = (*leaf.variants.get(method, ()), build_variant(op, suffix))
            leaf.methods.setdefault(method, (op, names))
            self._static.pop(plain, None)  # a plain path with variants goes through the trie
        if "{" not in op.path and not (suffix is None and self._has_variants(op.path)):
            self._static.setdefault(op.path, {}).setdefault(method, op)
        leaf, names = self._leaf(op.path)
        if suffix is None and method not in leaf.own:
            leaf.own.add(method)
            leaf.methods[method] = (op, names)
        else:
            leaf.methods.setdefault(method, (op, names))

    def _has_variants(self, path: str) -> bool:
        node: _Node | None = self._root
        for segment in _split(path):
            node = node.literals.get(segment) if node is not None else None
        return node is not None and node.leaf is not None and bool(node.leaf.variants)

    def _leaf(self, path: str) -> tuple[_Leaf, tuple[str, ...]]:
        node = self._root
        names: list[str] = []
        for segment in _split(path):
            found = _PARAM.findall(segment)
            if not found:
                node = node.literals.setdefault(segment, _Node())
            elif segment == "{" + found[0] + "}":
                names.append(found[0])
                if node.param is None:
                    node.param = _Node()
                node = node.param
            else:
                names.extend(found)
                key, regex = _segment_regex(segment)
                child = node.pattern_index.get(key)
                if child is None:
                    child = node.pattern_index[key] = _Node()
                    node.patterns.append((regex, child))
                node = child
        if node.leaf is None:
            node.leaf = _Leaf()
        return node.leaf, tuple(names)

    def match(self, method: str, raw_path: str) -> RouteMatch | RouteMiss:
        """Find the operation for ``method`` on ``raw_path`` (percent-encoded, no query).

        Returns:
            ``RouteMatch`` on success, else ``RouteMiss`` (404 or 405 with ``allowed``).
        """
        memo_key = (method, raw_path)
        hit = self._memo.get(memo_key)
        if hit is not None:
            return hit
        upper = method.upper()
        # What `_match` tries first (the exact static path, then the greedy walk), without its frames.
        static = self._static.get(raw_path)
        op = None
        if static is not None:
            op = static.get(upper) or (static.get("GET") if upper == "HEAD" else None)
        quick = RouteMatch(op, {}) if op is not None else self._greedy(upper, raw_path)
        result = quick if quick is not None else self._match(upper, raw_path)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[memo_key] = result
        return result

    def _greedy(self, method: str, path: str) -> RouteMatch | None:
        """The first branch the backtracking search tries, walked without backtracking.

        ``None`` when it does not end on an operation for ``method`` (or cannot decide): the
        caller then runs the full search, so this is only ever a shortcut to the same answer.
        """
        if "%" in path:  # literal segments may match once decoded: the full search handles that
            return None
        node = self._root
        captured: list[str] = []
        for segment in path.removeprefix("/").split("/"):
            child = node.literals.get(segment)
            if child is None:
                child = node.param
                if child is None or not segment or node.patterns:
                    return None
                captured.append(segment)
            node = child
        leaf = node.leaf
        entry = leaf.entries.get(method) if leaf is not None else None
        if entry is None:
            return None
        op, names, variants = entry
        if len(names) == 1:  # the common case, without dict(zip(...))'s two objects
            return RouteMatch(op, {names[0]: captured[0]}, variants)
        return RouteMatch(op, dict(zip(names, captured)), variants)

    def _match(self, method: str, raw_path: str) -> RouteMatch | RouteMiss:
        best = self._match_once(method, raw_path)
        if isinstance(best, RouteMatch):
            return best
        bp = self.base_path
        if bp and (raw_path == bp or raw_path.startswith(bp + "/")):
            stripped = self._match_once(method, raw_path[len(bp) :] or "/")
            if isinstance(stripped, RouteMatch) or (stripped.allowed and not best.allowed):
                return stripped
        return best

    def _match_once(self, method: str, path: str) -> RouteMatch | RouteMiss:
        static = self._static.get(path)
        if static is not None:
            op = static.get(method) or (static.get("GET") if method == "HEAD" else None)
            if op is not None:
                return RouteMatch(op, {})
        quick = self._greedy(method, path)
        if quick is not None:
            return quick
        result = self._walk(method, _split(path))
        if isinstance(result, RouteMatch) or result.allowed:
            return result
        if len(path) > 1 and path.endswith("/"):
            alt = self._walk(method, _split(path[:-1]))
        else:
            alt = self._walk(method, _split(path + "/"))
        if isinstance(alt, RouteMatch) or alt.allowed:
            return alt
        return result

    def _walk(self, method: str, segments: list[str]) -> RouteMatch | RouteMiss:
        leaves: list[tuple[_Leaf, list[str]]] = []
        found = self._search(self._root, segments, 0, [], method, leaves)
        if found is not None:
            return found
        if leaves:
            methods = set(leaves[0][0].methods)
            if "GET" in methods:
                methods.add("HEAD")
            return RouteMiss(tuple(sorted(methods)))
        return RouteMiss()

    def _search(
        self,
        node: _Node,
        segments: list[str],
        i: int,
        captured: list[str],
        method: str,
        leaves: list[tuple[_Leaf, list[str]]],
    ) -> RouteMatch | None:
        if i == len(segments):
            leaf = node.leaf
            if leaf is None:
                return None
            entry = leaf.entries.get(method)
            if entry is None:
                leaves.append((leaf, captured))
                return None
            op, names, variants = entry
            return RouteMatch(op, {n: unquote(v) for n, v in zip(names, captured)}, variants)
        segment = segments[i]
        child = node.literals.get(segment)
        if child is None and "%" in segment:
            child = node.literals.get(unquote(segment))
        if child is not None:
            found = self._search(child, segments, i + 1, captured, method, leaves)
            if found is not None:
                return found
        if segment:
            for regex, pchild in node.patterns:
                m = regex.match(segment)
                if m is not None:
                    found = self._search(pchild, segments, i + 1, [*captured, *m.groups()], method, leaves)
                    if found is not None:
                        return found
            if node.param is not None:
                return self._search(node.param, segments, i + 1, [*captured, segment], method, leaves)
        return None

    def allowed_methods(self, raw_path: str) -> tuple[str, ...]:
        """The methods documented for a path (empty when the path matches nothing)."""
        result = self.match("\x00", raw_path)
        return result.allowed if isinstance(result, RouteMiss) else ()
