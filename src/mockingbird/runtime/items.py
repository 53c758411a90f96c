"""Items of the stateful mode: seeded, created, replaced, patched, always checked against the spec.

``ItemMaker`` knows one spec's collections (``openapi/resources.py``) and makes the items the
``StateHook`` (``runtime/state.py``) keeps:

* **new ids** typed as the schema says: the next integer of the bucket, a uuid drawn from a
  seeded random source, or a string (the next number as text);
* **seeded items**: generated from the item schema by the shared ``DataGenerator``, the same for a
  given seed, collection and scope (a nested item's ``userId``-like property takes the scope's value);
* **completed items**: what a client sent, plus generated values for the read-only properties and
  for required ones it left out; ``writeOnly`` properties are dropped, so never returned;
* **conformance**: ``conforms(collection, item)`` is the response check an answer from state must
  pass (the product validator and the generator's strict reading, as for spec examples).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockingbird.errors import SchemaGenerationError

if TYPE_CHECKING:
    from mockingbird.control.buckets import Bucket
    from mockingbird.control.store import Document
    from mockingbird.openapi.generation.generator import DataGenerator
    from mockingbird.openapi.jsonschema import ValidatorCache
    from mockingbird.openapi.resources import Collection

SEED_ITEMS = 3
"""How many items a collection starts with, per scope."""


class ItemMaker:
    """Makes and checks the items of a spec's collections.

    Args:
        generator: the spec's data generator (the response builder's).
        validators: the spec's validator cache.
        seed: the mock's seed.
    """

    def __init__(self, generator: DataGenerator, validators: ValidatorCache, *, seed: int = 0) -> None:
        self.generator = generator
        self.validators = validators
        self.seed = seed

    def _flat(self, collection: Collection) -> tuple[Mapping[str, Any], frozenset[str]]:
        flat = self.generator.flat(collection.item_schema)
        props = flat.get("properties")
        required = flat.get("required")
        return (props if isinstance(props, dict) else {},
                frozenset(r for r in required or () if isinstance(r, str)))  # fmt: skip

    def conforms(self, schema: Any, value: Any) -> bool:
        """Whether ``value`` may be answered for ``schema`` (both readings, as spec examples)."""
        return self.validators.get(schema, "response").is_valid(value) and self.generator.conforms(
            value, schema, mode="response"
        )

    def new_id(self, collection: Collection, bucket: Bucket, rng: random.Random) -> Any:
        """A fresh id for ``bucket``, typed as the id property says."""
        if collection.id_kind == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        taken = [int(k) for k in bucket.items if k.lstrip("-").isdigit()]
        number = max(taken, default=0) + 1
        return number if collection.id_kind == "integer" else str(number)

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
            if self.conforms(collection.item_schema, item):
                bucket.items[str(item[collection.id_field])] = item
                made.append(item)
        return made

    def create(
        self, collection: Collection, scope: tuple[str, ...], bucket: Bucket, sent: Document, counter: int
    ) -> Document | None:
        """A new item from what a client sent (``None`` when no conforming item can be made)."""
        rng = random.Random(f"{self.seed}|state|{collection.path}|{'/'.join(scope)}|{counter}")
        template = self._generate(collection, rng, dict(zip(collection.scope, scope, strict=False)))
        item = self.complete(collection, sent, template, keep_read_only=False)
        item[collection.id_field] = self.new_id(collection, bucket, rng)
        return item if self.conforms(collection.item_schema, item) else None

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
        props, required = self._flat(collection)
        item = dict(sent)
        for name, prop in props.items():
            read_only = isinstance(prop, dict) and prop.get("readOnly") is True
            if name in base and (read_only or (fill_required and name in required and name not in item)):
                item[name] = base[name]
            elif read_only and not keep_read_only:
                item.pop(name, None)
        return self.strip_write_only(collection, item)

    def strip_write_only(self, collection: Collection, item: Document) -> Document:
        """``item`` without the properties the item schema marks ``writeOnly``."""
        props, _ = self._flat(collection)
        return {k: v for k, v in item.items()
                if not (isinstance(props.get(k), dict) and props[k].get("writeOnly") is True)}  # fmt: skip
