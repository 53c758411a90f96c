"""The stateful mode on the request path: ``StateHook``, a state hook of the engine.

It answers the operations of the collections ``openapi/resources.py`` infers, from items kept
in memory per collection and scope (``control/buckets.py``), and hands every change to
``persist`` (the control store, written behind the request: ``control/state_writer.py``):

* ``POST /pets``: create (``runtime/items.py`` adds the id, read-only values, drops writeOnly);
* ``GET /pets``: list, filtered by query parameters naming item properties, paged as the spec
  declares (limit/offset, page/per_page, cursor); a documented ``X-Total-Count`` tells the total;
* ``GET /pets/{id}``: the item, or 404 in the shape the spec documents (its 404, ``4XX`` or ``default``; a
  documented 4xx error's shape; problem+json when none fits: ``runtime/state_answers.py``);
* ``PUT`` replaces, ``PATCH`` merges (JSON Merge Patch; JSON Patch for ``application/json-patch+json``),
  ``DELETE`` removes.

The status, headers and content type are the response builder's for the operation (``StateAnswers``: so ``Accept``
and documented headers behave as without state); only the body is the state's, and only when it
validates against the documented response schema: otherwise the hook passes and the builder
answers, so state never makes the mock answer what its spec rejects. A request that asks for
a response itself (``Prefer``, ``__code``...) passes too. Buckets are seeded on first use.

In a fleet (a control store other replicas write too, ``shared``), ``reload(changes)`` fetches
the items another replica changed (the store's listener says which), and a request for an item
this replica does not hold reads that one item from the store before answering 404 (it may have
been created elsewhere a moment ago).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlencode

import orjson

from mockingbird.control.buckets import (
    Bucket,
    BucketKey,
    PatchError,
    apply_json_patch,
    export_buckets,
    filter_items,
    merge_patch,
    page_window,
    parse_state_document,
)
from mockingbird.control.store import ControlStore, StateChange, StateWrite, StoredState
from mockingbird.openapi.resources import Collection, infer_collections
from mockingbird.runtime.messages import MockResponse
from mockingbird.runtime.state_answers import StateAnswers

if TYPE_CHECKING:
    from mockingbird.control.store import Document
    from mockingbird.openapi.model import Operation, Spec
    from mockingbird.runtime.hooks import Matched
    from mockingbird.runtime.items import ItemMaker
    from mockingbird.runtime.responses import ResponseBuilder

Persist = Callable[[Sequence[StateWrite]], None]
_MAX_PLANS = 1024
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]+")  # a uuid, a number: put in a path as it is


def _number(query: Mapping[str, list[str]], name: str | None) -> int | None:
    if name is None or name not in query:
        return None
    raw = query[name][0]
    return int(raw) if raw.isdigit() else None


class StateHook:
    """Answers a spec's collection operations from kept items (see the module docstring).

    Args:
        spec: the served spec.
        builder: the engine's response builder (status, headers, content type; 404 bodies).
        maker: makes and checks items.
        persist: receives every change, in order (``None``: memory only).
        shared: the control store when other replicas share it (read on their news), else ``None``.
    """

    def __init__(
        self, spec: Spec, builder: ResponseBuilder, maker: ItemMaker, persist: Persist | None = None,
        shared: ControlStore | None = None,
    ) -> None:  # fmt: skip
        self.spec = spec
        self.builder = builder
        self.maker = maker
        self.persist = persist
        self.shared = shared
        self.collections = {c.path: c for c in infer_collections(spec)}
        self._routes: dict[str, tuple[Collection, str]] = {
            key: (c, role) for c in self.collections.values() for key, role in c.operations.items()
        }
        self._buckets: dict[BucketKey, Bucket] = {}
        # Nested buckets whose parent item was removed: everything under it answers 404 (in memory only).
        self._gone: set[BucketKey] = set()
        self._parents = {
            c.path: p for c in self.collections.values() for p in self.collections.values()
            if c.path.startswith(p.item_path + "/") and len(c.scope) == len(p.scope) + 1
        }  # fmt: skip
        self._lock = threading.Lock()
        self._position = 0
        self._by_op: dict[int, tuple[Operation, str, tuple[Collection, str] | None]] = {}
        self.answers = StateAnswers(builder, maker)
        self._locations: dict[
            tuple[str | None, str], str
        ] = {}  # (Host, collection path) -> a Location's start

    # -- state as a whole ----------------------------------------------------------------------

    def load(self, stored: StoredState) -> None:
        """Take the buckets a store holds (of known collections), replacing what is kept."""
        with self._lock:
            self._gone = set()
            self._take(stored)

    def _take(self, stored: StoredState) -> None:
        self._buckets = {
            key: Bucket(dict(items)) for key, items in stored.items() if key[0] in self.collections
        }

    def reload(self, changes: Sequence[StateChange] | None = None) -> None:
        """Catch up with another replica's ``changes`` (``None``: re-read everything); no-op unless ``shared``."""
        store = self.shared
        if store is None:
            return
        with self._lock:  # read under the lock: no change of ours can land between read and apply
            if changes is None:
                self._take(store.read_state())
                return
            fetched = store.read_items([(c, s, i) for op, c, s, i in changes if op == "put"])
            for op, collection, scope, item_id in changes:
                if collection not in self.collections and op != "clear":
                    continue
                if op == "clear":
                    self._buckets = {}
                elif op == "drop":
                    self._buckets.pop((collection, scope), None)
                elif op == "bucket":
                    self._buckets.setdefault((collection, scope), Bucket())
                else:
                    bucket = self._buckets.setdefault((collection, scope), Bucket())
                    item = fetched.get((collection, scope, item_id)) if op == "put" else None
                    if item is None:  # deleted (here, or by a later change in the store)
                        bucket.items.pop(item_id, None)
                    else:
                        bucket.items[item_id] = item

    def reset(self) -> None:
        """Forget every item: each collection is seeded again on its next use."""
        with self._lock:
            self._buckets = {}
            self._gone = set()
            self._write([StateWrite("clear")])

    def export(self) -> Document:
        """Every bucket in use, in the export format (``control/buckets.py``)."""
        with self._lock:
            return export_buckets(self._buckets, {p: c.scope for p, c in self.collections.items()})

    def check(self, document: Any) -> dict[BucketKey, list[Document]]:
        """The items of a state document by bucket, checked against the known collections.

        Raises:
            OverrideError: every problem, with its JSON pointer.
        """
        scopes = {p: c.scope for p, c in self.collections.items()}
        return parse_state_document(document, scopes, {p: c.id_field for p, c in self.collections.items()})

    def import_state(self, document: Any) -> int:
        """Replace the state with an exported document (checked first: all or nothing); returns the item count.

        Raises:
            OverrideError: every problem, with its JSON pointer.
        """
        parsed = self.check(document)
        with self._lock:
            self._buckets = {}
            self._gone = set()
            writes = [StateWrite("clear")]
            for (path, scope), items in parsed.items():
                bucket = self._buckets[(path, scope)] = Bucket()
                id_field = self.collections[path].id_field
                writes.append(StateWrite("bucket", path, scope))
                for item in items:
                    bucket.items[str(item[id_field])] = item
                    writes.append(self._put(path, scope, item, id_field))
            self._write(writes)
        return sum(len(items) for items in parsed.values())

    def _write(self, writes: Sequence[StateWrite]) -> None:
        if self.persist is not None:
            self.persist(writes)

    def _put(
        self, path: str, scope: tuple[str, ...], item: Document, id_field: str, encoded: bytes | None = None
    ) -> StateWrite:
        # Positions order a bucket's items in the store: the clock's nanoseconds (strictly increasing here),
        # so items created after a restart still sort after those from before it.
        self._position = max(time.time_ns(), self._position + 1)
        return StateWrite("put", path, scope, str(item[id_field]), item, self._position, encoded)

    def _bucket(self, collection: Collection, scope: tuple[str, ...]) -> Bucket:
        key = (collection.path, scope)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket()
            made = self.maker.seed_items(collection, scope, bucket)
            self._write([StateWrite("bucket", collection.path, scope),
                         *(self._put(collection.path, scope, item, collection.id_field) for item in made)])  # fmt: skip
        return bucket

    def _orphan(self, parent: Collection, scope: tuple[str, ...]) -> list[StateWrite]:
        """Empty the collections nested in a removed item (kept empty: never seeded again), so that what was
        under ``/users/1`` is gone with it, as a deleted resource's sub-resources are."""
        prefix = parent.item_path + "/"
        writes: list[StateWrite] = []
        for child in self.collections.values():
            if not child.path.startswith(prefix):
                continue
            keys = [k for k in self._buckets if k[0] == child.path and k[1][: len(scope)] == scope]
            if len(child.scope) == len(
                scope
            ):  # a direct child: its bucket under this item, even if never used
                keys.append((child.path, scope))
            for key in dict.fromkeys(keys):
                self._buckets[key] = Bucket()
                self._gone.add(key)
                writes += [StateWrite("drop", key[0], key[1]), StateWrite("bucket", key[0], key[1])]
        return writes

    def _is_gone(self, collection: Collection | None, scope: tuple[str, ...]) -> bool:
        """Whether a bucket, or one it is nested in, went with a removed item."""
        while collection is not None:
            if (collection.path, scope) in self._gone:
                return True
            collection, scope = self._parents.get(collection.path), scope[:-1]
        return False

    # -- the request path -----------------------------------------------------------------------

    def respond(self, matched: Matched) -> MockResponse | None:
        """The answer from state, or ``None`` for operations (or requests) state does not answer."""
        op = matched.operation
        known_op = self._by_op.get(id(op))  # `Operation.key` is built on every read: looked up by identity
        if known_op is None or known_op[0] is not op:
            known_op = (op, op.key, self._routes.get(op.key))
            if len(self._by_op) < _MAX_PLANS:
                self._by_op[id(op)] = known_op
        _, key, found = known_op
        if found is None:
            return None
        request = matched.request
        if "prefer" in request.headers or "__" in request.query:
            return None  # the client asked for a documented response itself
        collection, role = found
        params = matched.path_params
        scope = tuple([params.get(name, "") for name in collection.scope]) if collection.scope else ()
        if role == "read":  # the common case, without the lock: a dict read sees a whole item or none
            known = self._buckets.get((collection.path, scope))
            item = known.items.get(params.get(collection.id_param, "")) if known is not None else None
            if item is not None:
                return self.answers.answer(matched, item)
        body = matched.validation.body if matched.validation is not None else None
        if body is None and request.body:
            try:
                body = orjson.loads(request.body)
            except orjson.JSONDecodeError:
                return None
        with self._lock:
            if self._gone and self._is_gone(collection, scope):
                return self.answers.not_found(matched, collection, "", parent=True)
            bucket = self._bucket(collection, scope)
            if role == "list":
                return self._list(matched, collection, bucket)
            if role == "create":
                return self._create(matched, key, collection, scope, bucket, body)
            item_id = params.get(collection.id_param, "")
            item = bucket.items.get(item_id)
            if item is None and self.shared is not None:  # made by another replica a moment ago?
                item = self.shared.read_items([(collection.path, scope, item_id)]).get(
                    (collection.path, scope, item_id)
                )
                if item is not None:
                    bucket.items[item_id] = item
            if item is None:
                return self.answers.not_found(matched, collection, item_id)
            if role == "read":
                return self.answers.answer(matched, item)
            if role == "remove":
                del bucket.items[item_id]
                self._write([StateWrite("delete", collection.path, scope, item_id),
                             *self._orphan(collection, (*scope, item_id))])  # fmt: skip
                return self.answers.answer(matched, item)
            changed = self._change(matched, collection, item, body, role)
            if isinstance(changed, MockResponse):
                return changed
            bucket.items[item_id] = changed
            self._write([StateWrite("put", collection.path, scope, item_id, changed)])
            return self.answers.answer(matched, changed)

    def _change(
        self, matched: Matched, collection: Collection, item: Document, body: Any, role: str
    ) -> Document | MockResponse:
        if role == "replace":
            if not isinstance(body, dict):
                return self.answers.problem(matched, 400, "The body of a replacement is an object.")
            new = self.maker.complete(collection, body, item)
        else:
            media = matched.validation.media_type if matched.validation is not None else None
            try:
                if media is not None and "json-patch" in media:
                    new = apply_json_patch(item, body)
                else:
                    new = merge_patch(item, body)
            except PatchError as exc:
                return self.answers.problem(matched, 422, f"The patch does not apply: {exc}.")
            if not isinstance(new, dict):
                return self.answers.problem(matched, 422, "The patch does not leave an object.")
            new = self.maker.complete(collection, new, item, fill_required=False)
        new[collection.id_field] = item[collection.id_field]  # an item keeps its id
        if not self.maker.conforms(collection.item_schema, new):
            return self.answers.problem(
                matched, 422, f"The result would not be a valid item of {collection.path}."
            )
        return new

    def _create(
        self,
        matched: Matched,
        key: str,
        collection: Collection,
        scope: tuple[str, ...],
        bucket: Bucket,
        body: Any,
    ) -> MockResponse | None:
        if not isinstance(body, dict):
            return None
        item = self.maker.create(collection, scope, bucket, body)
        if item is None:
            return None
        item_id = str(item[collection.id_field])
        request = matched.request
        accept = request.headers.get("accept")
        plan = self.answers.plan(matched, key, accept)
        location = None
        if plan.location_at is not None:  # documented: an absolute URI, as `format: uri` asks
            host = request.headers.get("host")
            prefix = self._locations.get((host, request.path))
            if prefix is None:
                where = f"{request.path.rstrip('/')}/"
                prefix = f"http://{host}{where}" if host else where
                if len(self._locations) >= _MAX_PLANS:
                    self._locations.clear()
                self._locations[(host, request.path)] = prefix
            location = prefix + (item_id if _SAFE_ID.fullmatch(item_id) else quote(item_id, safe=""))
        answer = self.answers.created(matched, item, location, plan)
        if answer is not None:
            bucket.items[item_id] = item
            # The answer's body is the item's JSON, as the store keeps it: handed over, not encoded again.
            self._write([self._put(collection.path, scope, item, collection.id_field, answer.body)])
        return answer

    def _list(self, matched: Matched, collection: Collection, bucket: Bucket) -> MockResponse | None:
        query = parse_qs(matched.request.query, keep_blank_values=True)
        items = list(bucket.items.values())
        filters = {name: query[name] for name in collection.filters if name in query}
        if filters:
            items = filter_items(items, filters)
        paging = collection.paging
        limit = _number(query, paging.limit)
        window = page_window(
            len(items), offset=_number(query, paging.offset), page=_number(query, paging.page),
            limit=limit if limit is not None else paging.default_limit,
            cursor=query[paging.cursor][0] if paging.cursor in query else None,
        )  # fmt: skip
        end = None if window.size is None else window.start + window.size
        page = items[window.start : end]
        link = None
        if paging.cursor is not None and window.next_cursor is not None:
            rest = [(k, v) for k, vs in query.items() if k != paging.cursor for v in vs]
            link = f'<{matched.request.path}?{urlencode([*rest, (paging.cursor, window.next_cursor)])}>; rel="next"'
        if collection.list_field is None:
            return self.answers.answer(matched, page, total=len(items), link=link)
        return self.answers.answer(
            matched, {collection.list_field: page}, total=len(items), envelope=True, link=link
        )
