"""A relation as a set of tuples with hash indexes on the positions that lookups bind."""

from __future__ import annotations

from .base import Row

__all__ = ["Relation"]


def _file(index: dict[Row, list[Row]], positions: tuple[int, ...], row: Row) -> None:
    key = tuple(row[i] for i in positions)
    bucket = index.get(key)
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
        self._indexes: dict[tuple[int, ...], dict[Row, list[Row]]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, row: Row) -> bool:
        """Add a row; False if it was there already. The one place rows enter a relation."""
        if row in self.rows:
            return False
        self.rows.add(row)
        self.arity = len(row)
        for positions, index in self._indexes.items():
            _file(index, positions, row)
        return True

    def index(self, positions: tuple[int, ...]) -> dict[Row, list[Row]]:
        index = self._indexes.get(positions)
        if index is None:
            index = {}
            for row in self.rows:
                _file(index, positions, row)
            self._indexes[positions] = index
        return index

    def lookup(self, positions: tuple[int, ...], key: Row) -> list[Row] | set[Row]:
        if not positions:
            return self.rows
        if len(positions) == len(key) and len(positions) == self.arity:
            return [key] if key in self.rows else []
        return self.index(positions).get(key, [])

    def contains_match(self, positions: tuple[int, ...], key: Row) -> bool:
        if not positions:
            return bool(self.rows)
        if len(positions) == self.arity:
            return key in self.rows
        return key in self.index(positions)

    def fanout(self, positions: tuple[int, ...]) -> float:
        """Expected rows of one lookup binding `positions`: rows per distinct key (0 if empty)."""
        if not self.rows:
            return 0.0
        if not positions:
            return float(len(self.rows))
        if len(positions) == self.arity:
            return 1.0
        return len(self.rows) / len(self.index(positions))
