"""A relation as a set of tuples with hash indexes on the positions that lookups bind."""

from __future__ import annotations

from collections.abc import Iterable

from .base import Row

__all__ = ["Relation"]

Index = dict[Row, list[Row]]


def _file(index: Index, positions: tuple[int, ...], rows: Iterable[Row]) -> None:
    """Add `rows` to the index on `positions` (one or two positions spelled out: nearly every
    lookup binds one or two)."""
    get = index.get
    if len(positions) == 1:
        (p,) = positions
        for row in rows:
            key: Row = (row[p],)
            bucket = get(key)
            if bucket is None:
                index[key] = [row]
            else:
                bucket.append(row)
    elif len(positions) == 2:
        p, q = positions
        for row in rows:
            key = (row[p], row[q])
            bucket = get(key)
            if bucket is None:
                index[key] = [row]
            else:
                bucket.append(row)
    else:
        for row in rows:
            key = tuple([row[i] for i in positions])
            bucket = get(key)
            if bucket is None:
                index[key] = [row]
            else:
                bucket.append(row)


class Relation:
    """Rows plus one index per set of bound positions, built on first use and kept up to date.

    The indexes double as statistics for the join planner: `fanout(positions)` is the mean
    number of rows per distinct key, the expected size of one lookup.
    """

    __slots__ = ("rows", "arity", "_indexes")

    def __init__(self) -> None:
        self.rows: set[Row] = set()
        self.arity = -1  # unknown until the first row
        self._indexes: dict[tuple[int, ...], Index] = {}

    @classmethod
    def holding(cls, rows: set[Row]) -> "Relation":
        """A relation whose rows are `rows` (taken, not copied), all of one arity."""
        relation = cls()
        relation.rows = rows
        if rows:
            relation.arity = len(next(iter(rows)))
        return relation

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, row: Row) -> bool:
        """Add a row; False if it was there already."""
        if row in self.rows:
            return False
        self.rows.add(row)
        self.arity = len(row)
        for positions, index in self._indexes.items():
            _file(index, positions, (row,))
        return True

    def add_new(self, rows: list[Row]) -> None:
        """Add rows that are not in the relation yet, without repeats (what a compiled body's
        `heads` returns), in one pass per index."""
        if not rows:
            return
        before = len(self.rows)
        self.rows.update(rows)
        if len(self.rows) != before + len(rows):
            raise AssertionError("add_new was given a row the relation has, or one row twice")
        self.arity = len(rows[0])
        for positions, index in self._indexes.items():
            _file(index, positions, rows)

    def index(self, positions: tuple[int, ...]) -> Index:
        index = self._indexes.get(positions)
        if index is None:
            index = self._indexes[positions] = {}
            _file(index, positions, self.rows)
        return index

    def lookup(self, positions: tuple[int, ...], key: Row) -> list[Row] | set[Row]:
        if not positions:
            return self.rows
        if len(positions) == len(key) and len(positions) == self.arity:
            return [key] if key in self.rows else []
        return self.index(positions).get(key, [])

    def fanout(self, positions: tuple[int, ...]) -> float:
        """Expected rows of one lookup binding `positions`: rows per distinct key (0 if empty)."""
        if not self.rows:
            return 0.0
        if not positions:
            return float(len(self.rows))
        if len(positions) == self.arity:
            return 1.0
        return len(self.rows) / len(self.index(positions))
