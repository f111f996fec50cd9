"""Values derived from one rule program, kept while the program lives.

The live editor (`tmlogic serve`) analyzes every edit with the same loaded program; what depends
only on the program (its strata, id positions, rule metadata, compiled rule bodies) is computed
once instead of on every keystroke. Programs, rules and clauses are large frozen trees whose
hash is a walk of the whole tree, so values are kept by the key object's identity; the cache
holds the key, so its id cannot be reused by another object while the entry exists.
"""

from __future__ import annotations

from _thread import allocate_lock
from collections.abc import Callable, Hashable

from .typing_runtime import Generic, TypeVar

__all__ = ["IdentityCache"]

K = TypeVar("K")
V = TypeVar("V")


class IdentityCache(Generic[K, V]):
    """compute(key), once per key object (by identity) and `extra` key; the `size` latest entries."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict[tuple[int, Hashable], tuple[K, V]] = {}
        self._lock = allocate_lock()

    def get(self, key: K, compute: Callable[[K], V], extra: Hashable = None) -> V:
        slot = (id(key), extra)
        hit = self._items.get(slot)
        if hit is not None and hit[0] is key:
            return hit[1]
        value = compute(key)
        with self._lock:
            while len(self._items) >= self._size:
                del self._items[next(iter(self._items))]  # the oldest entry
            self._items[slot] = (key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
