"""The index's columns: every enterprise of the registry as one row of numpy columns (ids, figures, bitsets of
its links), its properties as an Arrow table and its link rows; read from the graph once per data version.
Filters of matching requests are masks over them."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from policykg.analysis.eligibility import LINK_ATTR, Profile, finish_profile
from policykg.analysis.snapshot import PolicySnapshot
from policykg.graph.base import Backend

log = logging.getLogger("policykg.derived")


class BuildStopped(Exception):
    """A build was asked to stop (the data changed, or the process is ending)."""

#: how the registry is read: "scan" = one unordered pass per query (Ladybug: a page query would scan and
#: sort the whole table each time); otherwise pages of PAGE enterprises through the key index (Neo4j:
#: each page a range seek, well inside the query time limit)
READ = {"embedded": "scan"}
PAGE = 25_000  # Neo4j: a page's link records are read through the Python driver well within the query time limit
#: enterprises per properties query when scanning (bounds one answer, which Ladybug materialises whole)
SCAN_ENTERPRISES = 200_000
#: enterprises per links query when scanning (fewer than SCAN_ENTERPRISES: an enterprise has several link rows)
SCAN_LINKS = 125_000


# --- per-enterprise columns ----------------------------------------------------------------------
#: the enterprise properties a Profile holds (the columns of enterprises_by_id after ``id``), typed
PROPS = (("name", "string"), ("founded", "date32"), ("registered_capital", "float64"), ("currency", "string"),
         ("registered_capital_cny", "int64"), ("employees", "int64"), ("listed", "bool_"), ("ticker", "string"),
         ("revenue_cny", "int64"), ("rd_spend_cny", "int64"), ("figures_year", "int64"), ("synthetic", "bool_"))
EPOCH = dt.date(1970, 1, 1).toordinal()


@dataclass
class Columns:
    ids: np.ndarray                 # S: UTF-8 ids, sorted (position = id rank)
    cap: np.ndarray                 # float64 registered_capital, nan when null
    cur: np.ndarray                 # int16 index into currencies, -1 when null
    currencies: list[str]
    cap_cny: np.ndarray             # float64, nan when null
    founded: np.ndarray             # int32 date ordinal, 0 when null
    employees: np.ndarray           # float64, nan when null
    revenue: np.ndarray
    rd: np.ndarray
    industries: np.ndarray          # uint64 (n, words) bitsets over industry_ids
    places: np.ndarray
    tiers: np.ndarray
    industry_ids: dict[str, int]
    place_ids: dict[str, int]
    tier_ids: dict[str, int]
    links: Any = None               # Links: every enterprise's link rows, for profiles without the graph
    props: Any = None               # pyarrow Table of PROPS, in position order: the Profiles of returned firms
    # per place / tier code k, row k: the enterprises that have it, packed bits (uint8, ceil(n / 8) a row);
    # computed from the bitsets when not given (the store gives them, mapped)
    place_members: Any = None
    tier_members: Any = None

    def __post_init__(self) -> None:
        # A filter by place or tier ORs a few packed rows (one bit per enterprise) instead of scanning the
        # registry's bitsets, so a worker's first such call touches few pages of the mapped index.
        if self.place_members is None:
            self.place_members = _packed_members(self.places, self.place_ids)
        if self.tier_members is None:
            self.tier_members = _packed_members(self.tiers, self.tier_ids)

    @property
    def n(self) -> int:
        return len(self.ids)

    def members(self, kind: str, ids: Any) -> np.ndarray:
        """Whether each enterprise has any of ``ids`` (places or tiers: ``kind``), as a boolean array."""
        vocab, packed = ((self.place_ids, self.place_members) if kind == "place"
                         else (self.tier_ids, self.tier_members))
        rows = sorted({vocab[i] for i in ids if i in vocab})
        if not rows:
            return np.zeros(self.n, dtype=bool)
        acc = packed[rows[0]].copy()
        for r in rows[1:]:
            np.bitwise_or(acc, packed[r], out=acc)
        return np.unpackbits(acc, count=self.n, bitorder="little").view(bool)

    def id(self, i: int) -> str:
        return self.ids[i].decode()

    def position(self, uscc: str) -> int | None:
        """The enterprise's position (binary search over the sorted ids), None if it is not in the index."""
        key = uscc.encode()
        if not key or len(key) > self.ids.dtype.itemsize or b"\0" in key:
            return None
        i = int(self.ids.searchsorted(np.bytes_(key)))
        return i if i < self.n and self.ids[i] == key else None

    def cur_code(self, currency: str | None) -> int:
        return self.currencies.index(currency) if currency in self.currencies else -2

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.ids, self.cap, self.cur, self.cap_cny, self.founded, self.employees,
                                      self.revenue, self.rd, self.industries, self.places, self.tiers)) + (
            self.links.nbytes() if self.links is not None else 0) + (self.props.nbytes if self.props is not None else 0)

    def mask_cache(self, key: Any, compute: Any, keep: int = 16) -> np.ndarray:
        """A boolean array over the registry kept under ``key`` (the ``keep`` most recent)."""
        cache = self.__dict__.setdefault("_masks", OrderedDict())
        got = cache.get(key)
        if got is None:
            got = compute()
            cache[key] = got
            while len(cache) > keep:
                try:
                    cache.popitem(last=False)
                except KeyError:
                    break
        else:
            try:
                cache.move_to_end(key)
            except KeyError:  # evicted meanwhile by another thread
                pass
        return got

    def records(self, positions: list[int]) -> list[dict[str, Any]]:
        """The rows ``enterprises_by_id`` gives for the enterprises at ``positions`` (same keys, values, order)."""
        import pyarrow as pa

        if not positions:
            return []
        if len(positions) <= 8:  # a scalar per column: cheaper than take() for a few rows
            cols = [(name, self.props.column(name)) for name in self.props.column_names]
            rows = [{name: col[p].as_py() for name, col in cols} for p in positions]
        else:
            rows = self.props.take(pa.array(positions, type=pa.int64())).to_pylist()
        out = []
        for p, r in zip(positions, rows, strict=True):
            f = r["founded"]
            if f is not None:
                r["founded"] = f.isoformat()
            out.append({"id": self.id(p), **r})
        return out


def _packed_members(bits: np.ndarray, vocab: dict[str, int]) -> np.ndarray:
    out = np.zeros((max(vocab.values(), default=0) + 1, (len(bits) + 7) // 8), dtype=np.uint8)
    for k in vocab.values():
        has = (bits[:, k // 64] >> np.uint64(k % 64)) & np.uint64(1)
        out[k] = np.packbits(has.astype(bool), bitorder="little")
    return out


def _conform(t: Any) -> Any:
    """A page of enterprise rows with the PROPS types (Neo4j gives dates as ISO text, all-null columns untyped)."""
    import pyarrow as pa

    cols = [t.column("id").cast(pa.string())]
    for name, typ in PROPS:
        col = t.column(name)
        want = getattr(pa, typ)()
        if col.type != want:
            col = col.cast(want)
        cols.append(col)
    return pa.Table.from_arrays(cols, names=["id", *(n for n, _ in PROPS)])


def _f64(col: Any) -> np.ndarray:
    """An Arrow number column as float64, nan for null."""
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def _read_enterprises(backend: Backend, stop: threading.Event | None) -> tuple[Any, list[tuple[str, str]]]:
    """Every enterprise's properties (an Arrow table sorted by id) and the id ranges of the pages read."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts: list[Any] = []
    ranges: list[tuple[str, str]] = []
    if READ.get(backend.name) == "scan":
        # Ladybug holds a whole answer in its buffer pool until it is exported: the ids first (a narrow
        # scan), then the properties in id ranges of SCAN_ENTERPRISES, each one scan filtered by range
        ids = pa.concat_arrays([t.column("id").combine_chunks().cast(pa.string())
                                for t in backend.query_arrow("derived_enterprise_ids", batch_size=1_000_000)]
                               or [pa.array([], pa.string())])
        ids = ids.take(pc.sort_indices(ids))
        for k in range(0, len(ids), SCAN_ENTERPRISES):
            if stop is not None and stop.is_set():
                raise BuildStopped()
            low, high = ids[k].as_py(), ids[min(k + SCAN_ENTERPRISES, len(ids)) - 1].as_py()
            parts += [_conform(t) for t in backend.query_arrow("derived_enterprises_range", {"low": low, "high": high},
                                                               batch_size=SCAN_ENTERPRISES)]
        del ids
    else:
        after = ""
        while True:
            if stop is not None and stop.is_set():
                raise BuildStopped()
            got = [_conform(t) for t in backend.query_arrow("derived_enterprises", {"after": after, "limit": PAGE},
                                                           batch_size=PAGE)]
            rows = sum(t.num_rows for t in got)
            if not rows:
                break
            parts += got
            low, high = got[0].column("id")[0].as_py(), got[-1].column("id")[-1].as_py()
            ranges.append((low, high))
            after = high
            if rows < PAGE:
                break
    if not parts:
        return _conform(pa.table({"id": pa.array([], pa.string()), **{n: pa.nulls(0) for n, _ in PROPS}})), ranges
    table = pa.concat_tables(parts)
    del parts
    # byte order of UTF-8 = code point order = Python's str order (the live ranking's tie-break)
    table = table.take(pc.sort_indices(table.column("id")))
    return table.combine_chunks(), ranges


def load_columns(backend: Backend, snap: PolicySnapshot, stop: threading.Event | None = None) -> Columns:
    """Every enterprise's figures and direct links: on Ladybug one scan of each (Arrow), on Neo4j pages of
    PAGE enterprises (key ranges)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table, ranges = _read_enterprises(backend, stop)
    n = table.num_rows
    id_col = table.column("id")
    width = max(int(pc.max(pc.binary_length(id_col)).as_py() or 1), 1) if n else 1
    raw = id_col.cast(pa.binary()).to_numpy(zero_copy_only=False).astype(f"S{width}") if n else \
        np.zeros(0, dtype="S1")
    cur_col = table.column("currency")
    currencies = sorted(c for c in pc.unique(cur_col).to_pylist() if c)
    cur = pc.fill_null(pc.index_in(cur_col, value_set=pa.array(currencies, pa.string())), -1)
    cur = cur.to_numpy(zero_copy_only=False).astype(np.int16)
    founded = pc.fill_null(pc.add(table.column("founded").cast(pa.int32()), EPOCH), 0)
    founded = founded.to_numpy(zero_copy_only=False).astype(np.int32)
    props = table.drop_columns(["id"])
    ids_arrow = id_col
    del table
    # bit 0 of each vocabulary stands for any target outside the taxonomy: the enterprise has a link
    # (so "not met" rather than "unknown"), and no measure or filter names it
    known = {"IN_INDUSTRY": set(snap.industries.nodes) | {i for m in snap.measures for i in m.industries},
             "LOCATED_IN": set(snap.places.nodes) | {p for m in snap.measures for p in m.places},
             "HAS_TIER": {i for i, r in snap.names.items() if r["label"] == "Tier"} | {t for m in snap.measures
                                                                                  for t in m.tiers}}
    vocab = {rel: {x: k + 1 for k, x in enumerate(sorted(ids))} for rel, ids in known.items()}
    links = _LinkBuilder(ids_arrow)
    if READ.get(backend.name) == "scan":
        # Ladybug holds a whole answer (in its buffer pool) before it is exported: links are read in a
        # few id ranges, each one scan of the relationship tables filtered by range (no sort)
        ranges = [(ids_arrow[k].as_py(), ids_arrow[min(k + SCAN_LINKS, n) - 1].as_py()) for k in range(0, n, SCAN_LINKS)]
    for low, high in ranges:
        if stop is not None and stop.is_set():
            raise BuildStopped()
        for t in backend.query_arrow("derived_links", {"low": low, "high": high}, batch_size=1_000_000):
            links.add(t)
    lk = links.finish(n)
    bits = {t: np.zeros((n, (len(v) + 64) // 64), dtype=np.uint64) for t, v in vocab.items()}
    for rel, vmap in vocab.items():
        kcode = np.full(max(len(lk.targets), 1), -1, dtype=np.int64)
        for t in lk.targets.codes_of(rel).tolist():
            kcode[t] = vmap.get(lk.targets[t][1], 0)
        k = kcode[lk.target] if len(lk.target) else np.zeros(0, dtype=np.int64)
        where = np.flatnonzero(k >= 0)
        if not len(where):
            continue
        k = k[where]
        rows = np.searchsorted(lk.ptr, where, side="right") - 1
        np.bitwise_or.at(bits[rel], (rows, k // 64), np.left_shift(np.uint64(1), (k % 64).astype(np.uint64)))
    return Columns(raw, _f64(props.column("registered_capital")), cur, currencies,
                   _f64(props.column("registered_capital_cny")), founded, _f64(props.column("employees")),
                   _f64(props.column("revenue_cny")), _f64(props.column("rd_spend_cny")),
                   bits["IN_INDUSTRY"], bits["LOCATED_IN"], bits["HAS_TIER"],
                   vocab["IN_INDUSTRY"], vocab["LOCATED_IN"], vocab["HAS_TIER"], lk, props)


class _LinkBuilder:
    """The rows of ``derived_links`` for every enterprise, coded: (position, type, target, detail, year),
    from Arrow tables of them (vectorised; Python only per distinct target and detail)."""

    def __init__(self, ids: Any) -> None:
        self.ids = ids                    # Arrow string array of the enterprise ids, sorted
        self.codes: dict[Any, int] = {}   # (type, id, name, amount_cny) -> code
        self.details: dict[Any, int] = {None: 0}
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, t: Any) -> None:
        import pyarrow.compute as pc

        if not t.num_rows:
            return
        pos = pc.index_in(t.column("enterprise"), value_set=self.ids)
        ok = pc.is_valid(pos)
        if not pc.all(ok).as_py():  # an enterprise added since the registry was read: the build is retried
            t, pos = t.filter(ok), pos.filter(ok)
        pos = pos.to_numpy(zero_copy_only=False).astype(np.int32)
        # a target is (type, id): its name comes with it (one node per label and id), and so does a
        # grant's amount (a Grant is a target of its own)
        typ = pc.dictionary_encode(t.column("type")).combine_chunks()
        xid = pc.dictionary_encode(t.column("id")).combine_chunks()
        tv, xv = typ.dictionary.to_pylist(), xid.dictionary.to_pylist()
        key = typ.indices.to_numpy().astype(np.int64) * max(len(xv), 1) + xid.indices.to_numpy().astype(np.int64)
        uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
        names = t.column("name").take(first).to_pylist()
        amounts = (t.column("amount_cny").take(first).to_pylist() if "amount_cny" in t.column_names
                   else [None] * len(names))
        local = np.array([self.codes.setdefault((tv[u // max(len(xv), 1)], xv[u % max(len(xv), 1)], nm, amt),
                                                len(self.codes))
                          for u, nm, amt in zip(uniq.tolist(), names, amounts, strict=True)], dtype=np.int32)
        target = local[inv.reshape(-1)]
        det = pc.dictionary_encode(t.column("detail")).combine_chunks()
        dv = det.dictionary.to_pylist()
        dmap = np.array([self.details.setdefault(v, len(self.details)) for v in dv] + [0], dtype=np.int32)
        detail = dmap[pc.fill_null(det.indices, len(dv)).to_numpy(zero_copy_only=False).astype(np.int64)]
        year = pc.fill_null(t.column("year").cast("int64"), NO_YEAR).to_numpy(zero_copy_only=False).astype(np.int64)
        self.parts.append((pos, target, detail, year))

    def finish(self, n: int) -> Links:
        if self.parts:
            pos, target, detail, year = (np.concatenate(x) for x in zip(*self.parts, strict=True))
        else:
            pos = target = detail = year = np.zeros(0, dtype=np.int32)
        self.parts = []
        order = np.argsort(pos, kind="stable")
        small = np.int16 if max(len(self.codes), len(self.details)) < 2**15 else np.int32
        return Links(np.searchsorted(pos[order], np.arange(n + 1)).astype(np.int64), target[order].astype(small),
                     detail[order].astype(small), year[order].astype(np.int32 if len(year) and (
                         year[year != NO_YEAR].max(initial=0) < 2**31) else np.int64),
                     Targets.from_rows([k for k, _ in sorted(self.codes.items(), key=lambda kv: kv[1])]),
                     [k for k, _ in sorted(self.details.items(), key=lambda kv: kv[1])])


NO_YEAR = -(2**31)


class Targets:
    """The targets of the link rows by code, each ``(type, id, name, amount_cny)``, held as Arrow columns
    (memory-mapped when the index is read from the store, so the serving processes share one copy).

    Targets grow with the registry, nearly all grants (a Grant is the target of one RECEIVED row); unpickled
    as Python tuples, every serving process would hold its own copy. The few targets that many rows share
    (industries, places, tiers, programmes) are also kept as tuples (:meth:`keep`): they are read for
    every profile, and reading a value out of Arrow costs more than reading a tuple."""

    COLUMNS = ("type", "id", "name", "amount_cny")

    def __init__(self, table: Any) -> None:
        import pyarrow.compute as pc

        self.table = table
        self._columns = [table.column(c).combine_chunks() if table.column(c).num_chunks != 1
                         else table.column(c).chunk(0) for c in self.COLUMNS]
        typ = pc.dictionary_encode(self._columns[0])
        self.types: list[str] = typ.dictionary.to_pylist()
        self.type_code = typ.indices.to_numpy(zero_copy_only=False)
        self._kept: dict[int, tuple[Any, ...]] = {}

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str, Any, Any]]) -> Targets:
        import pyarrow as pa

        return cls(pa.table({c: pa.array([r[k] for r in rows], type=pa.string() if k < 3 else None)
                             for k, c in enumerate(cls.COLUMNS)}))

    def keep(self, codes: Any) -> None:
        """Keep the targets of ``codes`` as Python tuples."""
        self._kept = {int(k): self._read(int(k)) for k in codes}

    def _read(self, k: int) -> tuple[Any, ...]:
        return tuple(col[k].as_py() for col in self._columns)

    def __len__(self) -> int:
        return len(self.type_code)

    def __getitem__(self, k: int) -> tuple[Any, ...]:
        kept = self._kept.get(k)
        return kept if kept is not None else self._read(k)

    def __iter__(self) -> Any:
        return iter(zip(*(col.to_pylist() for col in self._columns), strict=True))

    def type_of(self, k: int) -> str:
        return self.types[self.type_code[k]]

    def codes_of(self, rel: str) -> np.ndarray:
        """The codes of the targets of type ``rel``."""
        if rel not in self.types:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.type_code == self.types.index(rel))


@dataclass
class Links:
    """CSR of each enterprise's link rows (``enterprises_links``): positions ``ptr[i]:ptr[i+1]``."""

    ptr: np.ndarray
    target: np.ndarray      # code of (type, id, name, amount_cny)
    detail: np.ndarray      # code of the detail (place kind, tier issuer, programme category, a grant's clause),
                            # 0 = null
    year: np.ndarray        # NO_YEAR = null
    targets: Targets
    details: list[Any]

    def __post_init__(self) -> None:
        # the targets more than one row points to are read for many profiles: kept as tuples
        self.targets.keep(np.flatnonzero(np.bincount(self.target, minlength=len(self.targets)) > 1))

    def nbytes(self) -> int:
        return self.ptr.nbytes + self.target.nbytes + self.detail.nbytes + self.year.nbytes

    def rows(self, i: int, uscc: str, grants: bool = True) -> list[dict[str, Any]]:
        """The enterprise's link rows, as ``enterprise_links`` gives them (without investors); ``grants``:
        with the grants it RECEIVED."""
        out = []
        tg = self.targets
        for k in range(int(self.ptr[i]), int(self.ptr[i + 1])):
            code = int(self.target[k])
            if not grants and tg.type_of(code) == "RECEIVED":
                continue
            rel, xid, name, amount = tg[code]
            y = int(self.year[k])
            out.append({"enterprise": uscc, "type": rel, "id": xid, "name": name,
                        "detail": self.details[int(self.detail[k])], "year": None if y == NO_YEAR else y,
                        "amount_cny": amount})
        return out


def load_profiles_indexed(backend: Backend, c: Columns, positions: list[int], financials: bool,
                          grants: bool = False) -> dict[str, Any]:
    """eligibility.load_profiles for enterprises of the index, from the index alone: their properties
    (the rows ``enterprises_by_id`` gives) and links (those ``enterprises_links`` gives; ``grants``: with
    the grants received, as ``enterprise_links`` gives them); only the yearly figures, when the measures'
    conditions need them, are read from the graph."""
    out: dict[str, Any] = {}
    if not positions:
        return out
    for p, r in zip(positions, c.records(positions), strict=True):
        prof = out[r["id"]] = Profile(r, financials=[] if financials else None)
        for link in c.links.rows(p, r["id"], grants):
            getattr(prof, LINK_ATTR[link["type"]]).append(link)
    if financials:
        for r in backend.query("enterprises_financials", {"ids": sorted(out)}).records():
            if r["enterprise"] in out:
                out[r["enterprise"]].financials.append(r)
    for prof in out.values():
        finish_profile(prof)
    return out


def filter_mask(c: Columns, filters: Any, place_filter: set[str] | None) -> np.ndarray | None:
    """matching.Filters.accept for every enterprise of the index, as one boolean array (None: no filter).
    Vectorised over the registry; the place and tier tests, the dearest, are kept per place set / tier in
    a small cache."""
    parts: list[np.ndarray] = []
    if place_filter is not None:
        key = ("place", frozenset(place_filter))
        parts.append(c.mask_cache(key, lambda: c.members("place", place_filter)))
    if filters.tier:
        tier = filters.tier
        parts.append(c.mask_cache(("tier", tier), lambda: c.members("tier", [tier])))
    # nan (no CNY capital) fails both comparisons; founded 0 (no date) fails both year bounds
    if filters.capital_min is not None:
        parts.append(c.cap_cny >= filters.capital_min)
    if filters.capital_max is not None:
        parts.append(c.cap_cny <= filters.capital_max)
    if filters.founded_from is not None:
        parts.append(c.founded >= dt.date(filters.founded_from, 1, 1).toordinal())
    if filters.founded_to is not None:
        parts.append((c.founded <= dt.date(filters.founded_to, 12, 31).toordinal()) & (c.founded != 0))
    if not parts:
        return None
    out = parts[0].copy() if len(parts) > 1 else parts[0]
    for p in parts[1:]:
        out &= p
    return out


def filter_positions(c: Columns, filters: Any, place_filter: set[str] | None) -> Any:
    """matching.Filters.accept as a function of enterprise positions (None: no filter)."""
    mask = filter_mask(c, filters, place_filter)
    if mask is None:
        return None
    return lambda pos: mask[pos]


def select(ranked: np.ndarray, keep: Any, offset: int, limit: int) -> tuple[np.ndarray, int]:
    """One page of a ranked member array after the filters, and how many pass them."""
    if keep is None:
        return ranked[offset : offset + limit], len(ranked)
    passed = ranked[keep(ranked)]
    return passed[offset : offset + limit], len(passed)
