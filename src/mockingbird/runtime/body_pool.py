"""A seeded pool of generated bodies per response: a new URL costs a lookup, not a generation. PURE.

Generating a body per request costs far more than serving a memoised one (a Petstore ``Pet`` is
~100k interpreter instructions, seeding a ``random.Random`` per request another ~45k). So each
generated response (operation, status, documented content type, ``Prefer: dynamic``) has a pool of
``POOL_SIZE`` entries, each made on first need from its own ``random.Random`` seeded from
``(seed, operation, status, content type, k)``: its body, whether it was generated without a problem
(``clean``, read by the path-id placement), and its generated headers. A request reads entry
``k = crc32(seed, method, path, query) % POOL_SIZE``; its path parameters are then placed into a copy
(``DataGenerator.place``). Entries and slots depend only on the seed and the request, never on the
order of requests: the same seed and request give the same bytes, across restarts too.

Memory is bounded by the encoded size of the entries (``POOL_BYTES``): past it, every pool is
forgotten and entries are made again on need (the same ones: they are a pure function of the seed).
"""

from __future__ import annotations

import random
import zlib
from typing import Any, NamedTuple

POOL_SIZE = 512
POOL_BYTES = 16 * 1024 * 1024

PoolKey = tuple[str, int, str, bool]


class PoolEntry(NamedTuple):
    """One pooled answer: the body before path ids are placed, and its headers."""

    value: Any
    clean: bool
    headers: tuple[tuple[bytes, bytes], ...]


class BodyPool:
    """Pools of generated bodies, keyed by (operation key, status, content type, dynamic).

    Args:
        seed: the server seed (``--seed``).
        size: entries per pool.
        budget: bytes of encoded entries kept before every pool is forgotten.

    Example:
        >>> pool = BodyPool(seed=1)
        >>> k = pool.slot("GET", "/pets/1", "")
        >>> pool.get(("GET /pets/{petId}", 200, "application/json", False), k) is None
        True
    """

    def __init__(self, seed: int, *, size: int = POOL_SIZE, budget: int = POOL_BYTES) -> None:
        self.seed = seed
        self.size = size
        self.budget = budget
        self._pools: dict[PoolKey, dict[int, PoolEntry]] = {}
        self._bytes = 0

    def slot(self, method: str, path: str, query: str) -> int:
        """The entry a request reads: a stable hash of the seed and the request (not Python's ``hash``)."""
        return zlib.crc32(f"{self.seed}|{method}|{path}|{query}".encode("utf-8", "surrogatepass")) % self.size

    def rng(self, key: PoolKey, k: int) -> random.Random:
        """The random source of entry ``k`` of pool ``key``: nothing of the request but its slot."""
        operation, status, ctype, _ = key
        return random.Random(f"{self.seed}|{operation}|{status}|{ctype}|{k}")

    def get(self, key: PoolKey, k: int) -> PoolEntry | None:
        """Entry ``k`` of pool ``key``, when it was made (and not forgotten since)."""
        pool = self._pools.get(key)
        return pool.get(k) if pool is not None else None

    def put(self, key: PoolKey, k: int, entry: PoolEntry, size: int) -> None:
        """Keep ``entry`` (``size``: its encoded bytes); past the budget, forget every pool first."""
        if self._bytes + size > self.budget:
            self.clear()
        self._pools.setdefault(key, {})[k] = entry
        self._bytes += size

    def clear(self) -> None:
        """Forget every entry."""
        self._pools.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return sum(len(pool) for pool in self._pools.values())
