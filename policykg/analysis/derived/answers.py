"""Answers as JSON text, and the bounded caches of them the index keeps."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import orjson

MARK = "\u0000policykg-items:{}"  # a placeholder in an answer's JSON, replaced by the items' JSON


def dumps(value: Any) -> str:
    """JSON text as the API writes it (compact, UTF-8 kept): orjson, which writes the same text as
    ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` for these answers (plain dicts, lists,
    strings and numbers), only faster: the standard library's encoder is a large part of rendering the
    items of a matching page."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class LRU:
    """A small thread-safe LRU of JSON texts (answers, or items per (measure, enterprise)), bounded in
    characters."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self._lock = threading.Lock()
        self._items: OrderedDict[Any, str] = OrderedDict()

    def get(self, key: Any) -> str | None:
        with self._lock:
            v = self._items.get(key)
            if v is not None:
                self._items.move_to_end(key)
            return v

    def put(self, key: Any, value: str) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            self.chars += len(value) - (len(old) if old is not None else 0)
            self._items[key] = value
            while self.chars > self.max_chars and len(self._items) > 1:
                _, v = self._items.popitem(last=False)
                self.chars -= len(v)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.chars = 0

    def get_many(self, measure: str, ids: list[str]) -> dict[str, str]:
        out = {}
        for i in ids:
            v = self.get((measure, i))
            if v is not None:
                out[i] = v
        return out

    def put_many(self, measure: str, values: dict[str, str]) -> None:
        for i, v in values.items():
            self.put((measure, i), v)

    def entries(self) -> list[tuple[Any, str]]:
        """(key, text) pairs, least recently used first (``put`` in this order rebuilds the LRU)."""
        with self._lock:
            return list(self._items.items())
