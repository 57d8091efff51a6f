"""What is known of a set of enterprises, as arrays: the figures the criteria compare and the ids each
enterprise is linked to.

Two sources give the same facts for the same enterprise: :class:`ColumnFacts` over the derived index's
``Columns`` at some positions (the whole registry at once), and :class:`ProfileFacts` over Profiles read
from the graph (the live path; one firm is n = 1). Figures over years (``revenue_growth``,
``rd_growth``) need an enterprise's yearly Financial figures, which only Profiles carry: ColumnFacts
has none (``has_growth`` is False) and the index judges such measures over ProfileFacts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

#: the numeric fields a Facts gives (``number``): registered capital as stated and in CNY, employees,
#: revenue and R&D spend (CNY), founding date (a date ordinal)
NUMBERS = ("registered_capital", "registered_capital_cny", "employees", "revenue_cny", "rd_spend_cny", "founded")
#: the kinds of link a Facts answers ``linked`` for
KINDS = ("industries", "places", "tiers", "programmes")


# --- bitsets over a vocabulary (the index's link columns) -----------------------------------------
def bit_mask(vocab: dict[str, int], ids: Any) -> np.ndarray:
    """The bitset (uint64 words) of ``ids`` over ``vocab``; ids outside it set nothing."""
    words = (len(vocab) + 64) // 64  # bit 0 is "outside the taxonomy"
    out = np.zeros(words, dtype=np.uint64)
    for i in ids:
        k = vocab.get(i)
        if k is not None:
            out[k // 64] |= np.uint64(1) << np.uint64(k % 64)
    return out


def any_bit(bits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rows of a bitset array sharing a bit with the mask."""
    out = None
    for w in np.flatnonzero(mask):  # word by word, skipping the mask's empty words
        hit = (bits[:, w] & mask[w]) != 0
        out = hit if out is None else (out | hit)
    return out if out is not None else np.zeros(len(bits), dtype=bool)


def nonempty(bits: np.ndarray) -> np.ndarray:
    return (bits != 0).any(axis=1)


def selected_in(c: Any, programmes: Any) -> np.ndarray:
    """Whether each enterprise of the index was SELECTED_IN any of ``programmes`` (from the link rows)."""
    def compute() -> np.ndarray:
        lk = c.links
        wanted = set(programmes)
        codes = [int(k) for k in lk.targets.codes_of("SELECTED_IN") if lk.targets[int(k)][1] in wanted]
        out = np.zeros(c.n, dtype=bool)
        rows = np.flatnonzero(np.isin(lk.target, codes)) if codes else np.zeros(0, dtype=np.int64)
        out[np.searchsorted(lk.ptr, rows, side="right") - 1] = True
        return out

    return c.mask_cache(("selected_in", frozenset(programmes)), compute)


class ColumnFacts:
    """The facts of the enterprises at ``idx`` (positions) of the derived index."""

    has_growth = False

    def __init__(self, c: Any, idx: np.ndarray) -> None:  # c: the index's derived.Columns (no import: rules stay below derived)
        self.c, self.idx = c, idx
        self.n = len(idx)

    def number(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(present, value as float64) of one of NUMBERS."""
        c, idx = self.c, self.idx
        if name == "founded":
            v = c.founded[idx]
            return v != 0, v.astype(np.float64)
        v = {"registered_capital": c.cap, "registered_capital_cny": c.cap_cny, "employees": c.employees,
             "revenue_cny": c.revenue, "rd_spend_cny": c.rd}[name][idx]
        return ~np.isnan(v), v

    def currency_is(self, unit: str | None) -> np.ndarray:
        """Whether the registered capital is stated in ``unit`` (no currency on record counts as CNY)."""
        cur = self.c.cur[self.idx]
        if unit is None:
            return np.zeros(self.n, dtype=bool)
        if unit == "CNY":
            return (cur == self.c.cur_code("CNY")) | (cur == -1)
        return cur == self.c.cur_code(unit)

    def linked(self, kind: str, ids: Any) -> np.ndarray:
        """Whether each enterprise is linked (directly) to any of ``ids``: industries, places, tiers or
        programmes (``kind``)."""
        c = self.c
        if kind == "programmes":
            return selected_in(c, ids)[self.idx]
        bits, vocab = {"industries": (c.industries, c.industry_ids), "places": (c.places, c.place_ids),
                       "tiers": (c.tiers, c.tier_ids)}[kind]
        return any_bit(bits[self.idx], bit_mask(vocab, ids))

    def linked_each(self, kind: str, scopes: list[Any]) -> np.ndarray:
        """For one enterprise (n = 1): whether it is linked to any of each of ``scopes``."""
        return np.array([bool(self.linked(kind, ids)[0]) for ids in scopes], dtype=bool)

    def has_any(self, kind: str) -> np.ndarray:
        """Whether each enterprise has any industry, place or tier (``kind``) at all, one outside the
        taxonomy too (bit 0)."""
        c = self.c
        return nonempty({"industries": c.industries, "places": c.places, "tiers": c.tiers}[kind][self.idx])

    def growth(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        raise ValueError("the derived index holds no yearly figures: judge over ProfileFacts")


def growth_of(financials: list[dict[str, Any]] | None, key: str) -> float | None:
    """The growth of ``key`` over the latest two consecutive years of yearly figures (sorted by year), None
    when there are no such two years or the earlier figure is 0."""
    figs = [f for f in (financials or []) if f.get(key) is not None]
    if len(figs) >= 2 and figs[-1]["year"] == figs[-2]["year"] + 1 and figs[-2][key]:
        return figs[-1][key] / figs[-2][key] - 1
    return None


def growth_years(financials: list[dict[str, Any]] | None, key: str) -> str | None:
    """The two years a growth figure compares (``2023–2024``), None when there is none."""
    figs = [f for f in (financials or []) if f.get(key) is not None]
    if growth_of(financials, key) is None:
        return None
    return f"{figs[-2]['year']}–{figs[-1]['year']}"


class ProfileFacts:
    """The facts of a list of ``eligibility.Profile`` (their props, links and, when read, yearly figures)."""

    has_growth = True

    def __init__(self, profiles: list[Any]) -> None:
        self.profiles = profiles
        self.n = len(profiles)
        self._numbers: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def number(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        got = self._numbers.get(name)
        if got is None:
            if name == "founded":
                raw = [p.props.get("founded") for p in self.profiles]
                vals = [dt.date.fromisoformat(str(v)).toordinal() if v else None for v in raw]
            else:
                vals = [p.props.get(name) for p in self.profiles]
            present = np.array([v is not None for v in vals], dtype=bool)
            value = np.array([float(v) if v is not None else 0.0 for v in vals], dtype=np.float64)
            got = self._numbers[name] = (present, value)
        return got

    def currency_is(self, unit: str | None) -> np.ndarray:
        if unit is None:
            return np.zeros(self.n, dtype=bool)
        return np.array([(p.props.get("currency") or "CNY") == unit for p in self.profiles], dtype=bool)

    def linked(self, kind: str, ids: Any) -> np.ndarray:
        wanted = ids if isinstance(ids, (set, frozenset)) else frozenset(ids)
        return np.array([not p.linked[kind].isdisjoint(wanted) for p in self.profiles], dtype=bool)

    def linked_each(self, kind: str, scopes: list[Any]) -> np.ndarray:
        """For one enterprise (n = 1): whether it is linked to any of each of ``scopes``."""
        own = self.profiles[0].linked[kind]
        return np.array([not own.isdisjoint(ids) for ids in scopes], dtype=bool)

    def has_any(self, kind: str) -> np.ndarray:
        return np.array([bool(p.linked[kind]) for p in self.profiles], dtype=bool)

    def growth(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(present, value) of the growth of ``key`` (revenue_cny, rd_spend_cny) over the latest two
        consecutive years of Financial figures."""
        vals = [growth_of(p.financials, key) for p in self.profiles]
        return (np.array([v is not None for v in vals], dtype=bool),
                np.array([v if v is not None else 0.0 for v in vals], dtype=np.float64))
