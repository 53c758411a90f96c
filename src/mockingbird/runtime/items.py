"""Items of the stateful mode: seeded, created, replaced, patched, always checked against the spec.

``ItemMaker`` knows one spec's collections (``openapi/resources.py``) and makes the items the
``StateHook`` (``runtime/state.py``) keeps:

* **new ids** typed as the schema says: the next integer of the bucket, a version-4 uuid drawn from a
  seeded random source (a created item's with a leading part that counts up, so ids sort in creation
  order), or a string (the next number as text);
* **seeded items**: generated from the item schema by the shared ``DataGenerator``, the same for a
  given seed, collection and scope (a nested item's ``userId``-like property takes the scope's value);
* **completed items**: what a client sent, plus generated values for the read-only properties and
  for required ones it left out; ``writeOnly`` properties are dropped, so never returned;
* **conformance**: ``conforms(collection, item)`` is the response check an answer from state must
  pass (the product validator and the generator's strict reading, as for spec examples).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from mockingbird.errors import SchemaGenerationError, StoreError

if TYPE_CHECKING:
    from mockingbird.control.buckets import Bucket
    from mockingbird.control.store import Document
    from mockingbird.openapi.generation.generator import DataGenerator
    from mockingbird.openapi.jsonschema import ValidatorCache
    from mockingbird.openapi.resources import Collection

SEED_ITEMS = 3
"""How many items a collection starts with, per scope."""
_MAX_PARTIALS = 256
_LEAD_MASK = (1 << 48) - 1


class _Shape(NamedTuple):
    """An item schema's properties, by what the stateful mode does with them."""

    props: Mapping[str, Any]
    required: frozenset[str]
    read_only: frozenset[str]
    write_only: frozenset[str]


class _Creation(NamedTuple):
    """How a creation completes a body with a given set of keys, worked out once per collection and key set.

    ``drop``: the sent keys the item loses (read-only ones, which are generated, and writeOnly ones);
    ``fill``: the missing values' drawers, in the order the generator draws them (``None``: generate the
    missing values from a partial schema instead: a scoped collection's hints, or a value the RNG alone
    cannot make).
    """

    missing: frozenset[str]
    drop: frozenset[str]
    fill: tuple[tuple[str, Callable[[random.Random], Any]], ...] | None
    fresh_id: bool  # the id is always drawn (read-only, or an integer), never the one a client sent


class ItemMaker:
    """Makes and checks the items of a spec's collections.

    Args:
        generator: the spec's data generator (the response builder's).
        validators: the spec's validator cache.
        seed: the mock's seed.
        claim: numbers created items in a store replicas share (``ControlStore.claim_number``; created uuids
            then take their drawn bits from a source of this process's own), so two
            replicas creating at one moment never pick one id; ``None``: this process numbers alone.
    """

    def __init__(
        self, generator: DataGenerator, validators: ValidatorCache, *, seed: int = 0,
        claim: Callable[[str, tuple[str, ...], int], int] | None = None,
    ) -> None:  # fmt: skip
        self.generator = generator
        self.validators = validators
        self.seed = seed
        self.claim = claim
        self._partials: dict[tuple[str, frozenset[str]], Document] = {}
        self._shapes: dict[str, _Shape] = {}
        self._creations: dict[tuple[str, tuple[str, ...]], _Creation] = {}
        self._rng = random.Random(f"{seed}|state|created")  # the same items for the same requests in order
        # The leading 48 bits of created uuids: drawn once, then counted up (see ``_next_lead``).
        self._lead = random.Random(f"{seed}|state|lead").getrandbits(40) << 8
        # Replicas sharing a store run with one seed: a created uuid's drawn bits come from a source of this
        # process's own there, so two replicas creating at one moment never make one id.
        self._own: random.Random | None = None if claim is None else random.Random(os.urandom(16))

    def _shape(self, collection: Collection) -> _Shape:
        shape = self._shapes.get(collection.path)
        if shape is None:
            flat = self.generator.flat(collection.item_schema)
            props = flat.get("properties")
            props = props if isinstance(props, dict) else {}
            required = flat.get("required")

            def marked(keyword: str) -> frozenset[str]:
                return frozenset(
                    n for n, p in props.items() if isinstance(p, dict) and p.get(keyword) is True
                )

            shape = self._shapes[collection.path] = _Shape(
                props, frozenset(r for r in required or () if isinstance(r, str)), marked("readOnly"),
                marked("writeOnly") | collection.write_only,
            )  # fmt: skip
        return shape

    def conforms(self, schema: Any, value: Any) -> bool:
        """Whether ``value`` may be answered for ``schema``: the product validator's verdict, the one
        requests are checked with. What the generator made for an item must not be a best effort for a
        contradictory schema (a tolerance of the validator could let it through): seeded items are held
        to the generator's strict reading of the schema as written, and the generated part of a created
        one is refused when the generator reports a problem (reading a whole item strictly would cost
        0.5 ms a request)."""
        return self.validators.get(schema, "response").is_valid(value)

    def checker(self, schema: Any) -> Callable[[Any], bool]:
        """``conforms`` for one schema, compiled once: for callers that check against it again and again."""
        return self.validators.get(schema, "response").is_valid

    def new_id(
        self, collection: Collection, bucket: Bucket, rng: random.Random, scope: tuple[str, ...] | None = None
    ) -> Any:
        """A fresh id for ``bucket``, typed as the id property says; a created item's (``scope`` given) is
        claimed from the shared store when there is one."""
        if collection.id_kind == "uuid":
            # The draws repeat after a restart (the same seed): skip the ids the bucket already holds.
            if scope is None:  # a seeded item's: all its bits drawn
                while (drawn := _uuid4(rng.getrandbits(128))) in bucket.items:
                    pass
                return drawn
            source = rng if self._own is None else self._own
            while (drawn := _uuid4(self._next_lead() << 80 | source.getrandbits(80))) in bucket.items:
                pass
            return drawn
        if not bucket.next_number:  # first id since the bucket was made or loaded: past every numeric one
            bucket.next_number = max((int(k) for k in bucket.items if k.isdigit()), default=0) + 1
        number = bucket.next_number
        while str(number) in bucket.items:
            number += 1
        if scope is not None and self.claim is not None:
            try:
                number = self.claim(collection.path, scope, number)
                while str(number) in bucket.items:  # taken before the counter existed (seeded, loaded)
                    number = self.claim(collection.path, scope, number + 1)
            except (
                StoreError
            ):  # the database is down: numbered here, as the change is kept here until it is back
                pass
        bucket.next_number = number + 1
        return number if collection.id_kind == "integer" else str(number)

    def _next_lead(self) -> int:
        """The leading 48 bits of a created uuid: one more than the last one's (the rest is drawn). Created ids
        sort in the order they were made, as time-ordered uuids do, so the store inserts each one next to the
        last instead of on a random page of a large table (four times the writer's work at 100,000 items)."""
        self._lead = (self._lead + 1) & _LEAD_MASK
        return self._lead

    def _partial(self, collection: Collection, names: frozenset[str]) -> Document:
        """An object schema of some of the item's properties, all required; kept, so the generator's
        per-schema caches hold (a few per collection: the sets of properties clients leave out)."""
        key = (collection.path, names)
        schema = self._partials.get(key)
        if schema is None:
            props = self._shape(collection).props
            schema = {
                "type": "object",
                "properties": {n: props[n] for n in sorted(names)},
                "required": sorted(names),
            }
            if len(self._partials) < _MAX_PARTIALS:
                self._partials[key] = schema
        return schema

    def _generate(self, collection: Collection, rng: random.Random, scope: Mapping[str, str]) -> Document:
        try:
            value = self.generator.generate(collection.item_schema, rng=rng, hints=scope or None)
        except SchemaGenerationError:
            return {}
        return value if isinstance(value, dict) else {}

    def seed_items(self, collection: Collection, scope: tuple[str, ...], bucket: Bucket) -> list[Document]:
        """The starting items of a bucket (added to it), the same for a given seed."""
        rng = random.Random(f"{self.seed}|state|{collection.path}|{'/'.join(scope)}")
        hints = dict(zip(collection.scope, scope, strict=False))
        made = []
        for _ in range(SEED_ITEMS):
            item = self._generate(collection, rng, hints)
            item[collection.id_field] = self.new_id(collection, bucket, rng)
            item = self.strip_write_only(collection, item)
            if self.conforms(collection.item_schema, item) and self.generator.conforms(
                item, collection.item_schema
            ):
                bucket.items[str(item[collection.id_field])] = item
                made.append(item)
        return made

    def _creation(self, collection: Collection, keys: tuple[str, ...], scoped: bool) -> _Creation:
        """The plan of a creation from a body with ``keys`` (kept: clients send the same few key sets)."""
        memo = (collection.path, keys)
        plan = self._creations.get(memo)
        if plan is not None:
            return plan
        shape = self._shape(collection)
        sent = frozenset(keys)
        missing = (shape.read_only | (shape.required - sent)) - {collection.id_field}
        drawers: list[tuple[str, Callable[[random.Random], Any]]] = []
        for name in sorted(missing) if not scoped else ():  # the partial schema's order: by name
            schema = shape.props.get(name)
            draw = self.generator.draw(schema, name)
            if draw is None or name in shape.write_only or _write_only(self.generator, schema):
                break  # the partial schema's generation: it leaves writeOnly values out, hints apply
            drawers.append((name, draw))
        fill = tuple(drawers) if len(drawers) == len(missing) and not scoped else None
        fresh_id = collection.id_field in shape.read_only or collection.id_kind == "integer"
        plan = _Creation(missing, (shape.read_only | shape.write_only) & sent, fill, fresh_id)
        if len(self._creations) < _MAX_PARTIALS:
            self._creations[memo] = plan
        return plan

    def create(
        self, collection: Collection, scope: tuple[str, ...], bucket: Bucket, sent: Document
    ) -> Document | None:
        """A new item from what a client sent (``None`` when its missing values cannot be generated).

        Only the values the client left out are generated (read-only ones, required ones it did not
        send), as the generator makes them for a schema of just those properties: the rest of the item is
        what it sent. One RNG serves every creation (seeding a ``Random`` per request would cost more than
        the rest), so the same requests in the same order make the same items.
        """
        rng = self._rng
        plan = self._creation(collection, tuple(sent), bool(scope))
        fill = plan.fill
        if fill is not None:  # drawn straight from the RNG: the same values the partial schema would give
            drop = plan.drop
            item = {k: v for k, v in sent.items() if k not in drop} if drop else dict(sent)
            for name, draw in fill:
                item[name] = draw(rng)
        else:
            template: Document = {}
            if plan.missing:
                hints = dict(zip(collection.scope, scope, strict=False))
                try:
                    problems: list[str] = []
                    value = self.generator.generate(
                        self._partial(collection, plan.missing),
                        rng=rng,
                        hints=hints or None,
                        problems=problems,
                    )
                except SchemaGenerationError:
                    return None
                if problems:
                    return None  # a best effort for a contradictory schema: never stored
                template = value if isinstance(value, dict) else {}
            item = self.complete(collection, sent, template, keep_read_only=False)
        id_field = collection.id_field
        chosen = sent.get(id_field)
        if plan.fresh_id or not isinstance(chosen, str) or not chosen or chosen in bucket.items:
            chosen = self.new_id(
                collection, bucket, rng, scope
            )  # else a name the client chose (a username, a key)
        item[id_field] = chosen
        return item  # checked against the response schema before it is answered and stored

    def complete(
        self,
        collection: Collection,
        sent: Document,
        base: Document,
        *,
        keep_read_only: bool = True,
        fill_required: bool = True,
    ) -> Document:
        """``sent`` plus ``base``'s read-only values and required ones it lacks, without writeOnly.

        ``keep_read_only``: a read-only value absent from ``base`` is kept as sent, else dropped.
        ``fill_required``: take the required values ``sent`` lacks from ``base`` (not for a patch,
        whose removal of a required value must be refused, not undone).
        """
        shape = self._shape(collection)
        item = dict(sent)
        for name in shape.read_only:
            if name in base:
                item[name] = base[name]
            elif not keep_read_only:
                item.pop(name, None)
        if fill_required:
            for name in shape.required - item.keys():
                if name in base:
                    item[name] = base[name]
        return self.strip_write_only(collection, item)

    def strip_write_only(self, collection: Collection, item: Document) -> Document:
        """``item`` without the properties the item schema marks ``writeOnly``."""
        write_only = self._shape(collection).write_only
        return {k: v for k, v in item.items() if k not in write_only} if write_only & item.keys() else item


def _write_only(generator: DataGenerator, schema: Any) -> bool:
    """Whether a property of this schema may be writeOnly to the generator (its own flag or a referenced one)."""
    return isinstance(schema, dict) and (
        schema.get("writeOnly") is True or bool(generator.flat(schema).get("writeOnly"))
    )


_UUID_CLEAR = ~(0xC000 << 48) & ~(0xF000 << 64)  # the variant's two bits, the version's four
_UUID_SET = (0x8000 << 48) | (4 << 76)  # variant RFC 4122, version 4


def _uuid4(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))``, the same text at a third of the cost (a creation's uuid)."""
    h = "%032x" % (bits & _UUID_CLEAR | _UUID_SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
