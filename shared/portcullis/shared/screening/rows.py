"""A bounded cache of values by two keys, row first: a hot loop looks its row up once, then each key in it."""

from typing import Generic, TypeVar

RowKey = TypeVar("RowKey")
Value = TypeVar("Value")


class RowCache(Generic[RowKey, Value]):
    """Values by a row key, then a word; emptied whole once it holds `size` values (not evicted one by one)."""

    def __init__(self, size: int) -> None:
        #: Read directly by hot loops (`rows.get(key, no_row).get(word)`); emptied in place, never replaced.
        self.rows: dict[RowKey, dict[str, Value]] = {}
        #: The row of a key not held: never written to.
        self.no_row: dict[str, Value] = {}
        self._size = size
        self._count = 0

    def put(self, row_key: RowKey, word: str, value: Value) -> Value:
        """Keep `value` under the row key and word; the value."""
        if self._count >= self._size:
            self.rows.clear()
            self._count = 0
        row = self.rows.get(row_key)
        if row is None:
            row = self.rows[row_key] = {}
        row[word] = value
        self._count += 1
        return value
