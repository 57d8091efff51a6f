"""The derived index: what matching and gaps compute from the whole registry, computed once per data version
(and the registry's properties and links, from which eligible-clauses reads one enterprise).

Matching a measure against the registry means judging every enterprise of its candidate pool; the gap
figures aggregate the whole graph. Both depend only on the loaded data (and, for matching, on the
measures in force on a date), so the API computes them once, in a background thread, and keeps them
under the key (``backend.data_version()``, as-of date, document). A request whose key matches uses the
index; any other request (the index is being built, another date, data loaded since) takes the live
path, so answers never depend on whether the index is there. The API keeps it on disk
(:mod:`policykg.analysis.derived_store`): serving processes share one memory-mapped copy, and a restart
reads it instead of rebuilding.

What the index holds (compact: one row per enterprise in numpy columns, at 1,000,000 enterprises about
100 MB):

``Columns``   enterprise ids (sorted, UTF-8 bytes; an enterprise's position is its id rank), registered
              capital with its currency and CNY value, founding date, employees, revenue, R&D spend,
              and bitsets of the industries, places and tiers each enterprise is linked to directly.
``MeasureIndex``  per measure in force with a candidate pool: the pool size and three arrays of
              enterprise positions — met, near misses, unknown — each sorted by the live ranking
              (estimated support, highest first; registered capital CNY; USCC).
``gap aggregates``  the rows of the four whole-graph gap queries (they do not depend on the date);
              ``taxonomy_enterprise_counts`` is counted from the index's own link rows.
``props``     the properties of every enterprise (an Arrow table: the rows ``enterprises_by_id`` gives),
              with each enterprise's link rows (``Links``, grants received among them): a request builds
              the Profiles of the firms it returns from the index alone, without a query — matching for
              the firms of a page, eligible-clauses (``DerivedCache.eligible_clauses``) for one firm.

Reading: on Ladybug one scan of the enterprises' ids (``derived_enterprise_ids``), then id-range
scans of their properties (``derived_enterprises_range``) and links (``derived_links``), through ``Backend.query_arrow`` (Arrow export, no
Python object per row) and on a connection of their own; sorted in Arrow. On Neo4j pages of
``PAGE`` enterprises by id (key-index range seeks), streamed record by record.

Statuses are judged by the rule engine (:mod:`policykg.analysis.rules.criteria`) over the index's
columns (``ColumnFacts``), the very code that judges one enterprise for ``eligible-clauses``; estimates by
the one estimate rule (:mod:`policykg.analysis.rules.estimates`) over the same columns. A measure with a
condition over yearly figures (``revenue_growth``, ``rd_growth``: the index holds none) is judged by the
engine over the Profiles read from the graph (``ProfileFacts``), and estimated one enterprise at a time.
A request then filters the sorted arrays with masks (numpy over the registry), counts, and renders only
the enterprises it returns, whose reasons come from ``evaluate`` exactly as on the live path.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from policykg.analysis.eligibility import estimate, load_profiles
from policykg.analysis.rules import criteria, estimates, ranking
from policykg.analysis.rules.criteria import MET, NOT, UNK
from policykg.analysis.rules.facts import ColumnFacts, ProfileFacts, any_bit, bit_mask, selected_in
from policykg.analysis.snapshot import Measure, PolicySnapshot, load_snapshot, today
from policykg.graph.base import Backend, chunks

log = logging.getLogger("policykg.derived")

#: how the registry is read: "scan" = one unordered pass per query (Ladybug: a page query would scan and
#: sort the whole table each time); otherwise pages of PAGE enterprises through the key index (Neo4j:
#: each page a range seek, well inside the query time limit)
READ = {"embedded": "scan"}
PAGE = 25_000  # Neo4j: ~75k link records a page, ~2 s through the Python driver (query time limit 10 s)
#: enterprises per properties query when scanning (an answer of about 25 MB at this size)
SCAN_ENTERPRISES = 200_000
#: enterprises per links query when scanning (each answer about 2.5 link rows per enterprise)
SCAN_LINKS = 125_000
#: condition fields judged over yearly figures: judged over the Profiles read from the graph (ProfileFacts)
PYTHON_FIELDS = set(criteria.GROWTH_FIELDS)
#: set by tests to judge every measure with the per-enterprise fallback
FORCE_FALLBACK = False


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
        # A filter by place or tier ORs a few rows of 125 KB (at 1,000,000 enterprises) instead of scanning
        # the registry's bitsets: at 1M a worker's first call with such a filter took 5-13 ms that way
        # (pages of the mapped index touched for the first time), 1.5-4 ms once they were.
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
        if len(positions) <= 8:  # a scalar per column: a tenth of the cost of take() for one row
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

    At 1,000,000 enterprises there are about 60,000 targets, nearly all grants (a Grant is the target of
    one RECEIVED row); unpickled as Python tuples in every serving process, they made reading the index
    cost 49 MB of its memory instead of 19. The few targets that
    many rows share (industries, places, tiers, programmes) are also kept as tuples (:meth:`keep`): they
    are read for every profile, and reading a value out of Arrow costs about a microsecond."""

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
    from policykg.analysis.eligibility import LINK_ATTR, Profile, finish_profile

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


class BuildStopped(Exception):
    pass


# --- statuses, vectorised: the rule engine over the index's columns --------------------------------
def _needs_python(snap: PolicySnapshot, m: Measure) -> bool:
    fields = {c["field"] for c in m.conditions}
    for used in m.instruments:
        for form in snap.instruments.get(used, []):
            fields |= {c["field"] for c in form["conditions"]}
    return FORCE_FALLBACK or bool(fields & PYTHON_FIELDS)


def estimate_high(snap: PolicySnapshot, m: Measure, c: Columns, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The measure's estimate (:mod:`policykg.analysis.rules.estimates`) for the enterprises at ``idx``, from
    the columns: (has an estimate, its CNY high)."""
    cny = c.cur_code("CNY")
    figs = estimates.Figures(c.rd[idx], c.cap_cny[idx], c.cap[idx], (c.cur[idx] == cny) | (c.cur[idx] == -1))
    facts = ColumnFacts(c, idx)  # the one seam: an instrument's own conditions, judged by the engine
    r = estimates.compute(estimates.plan(snap, m), figs,
                          lambda conditions: estimates.worst(
                              [g.codes for g in criteria.condition_groups(facts, conditions, snap.as_of)]))
    return r.has, r.total_high


@dataclass
class MeasureIndex:
    candidates: int
    met: np.ndarray
    near: np.ndarray
    unknown: np.ndarray

    def nbytes(self) -> int:
        return self.met.nbytes + self.near.nbytes + self.unknown.nbytes


def pool_of(snap: PolicySnapshot, m: Measure, c: Columns) -> np.ndarray | None:
    """Positions of the measure's candidate pool (enterprises_linked); None when it has no pool."""
    industries, places = m.industry_scope, m.place_scope
    if not (industries or m.tiers or places or m.selections):
        return None
    sel = np.zeros(c.n, dtype=bool)
    if industries:
        sel |= any_bit(c.industries, bit_mask(c.industry_ids, industries))
    if m.tiers:
        sel |= any_bit(c.tiers, bit_mask(c.tier_ids, m.tier_scope))
    if m.example_scope:
        sel |= any_bit(c.industries, bit_mask(c.industry_ids, m.example_scope))
    if places:
        sel |= any_bit(c.places, bit_mask(c.place_ids, places))
    if m.selections:
        sel |= selected_in(c, m.selections)
    return np.flatnonzero(sel)


def judge_measure(backend: Backend, snap: PolicySnapshot, m: Measure, c: Columns) -> MeasureIndex:
    idx = pool_of(snap, m, c)
    if idx is None:
        empty = np.zeros(0, dtype=np.int32)
        return MeasureIndex(0, empty, empty, empty)
    if _needs_python(snap, m):
        status, near, unmet, shortfall, preferred, has_est, high = _judge_python(backend, snap, m, c, idx)
    else:
        j = criteria.judge(m, ColumnFacts(c, idx), snap.as_of)
        status, near, unmet, shortfall, preferred = j.status, j.near, j.unmet, j.shortfall, j.preferred
        has_est, high = estimate_high(snap, m, c, idx)
    cap = c.cap_cny[idx]

    def ranked(sel: np.ndarray, close: bool) -> np.ndarray:  # position order is USCC order
        at = ranking.order(sel, idx, preferred, has_est, high, cap, (unmet, shortfall) if close else None)
        return idx[at].astype(np.int32)

    return MeasureIndex(len(idx), ranked(status == MET, False), ranked(near, True), ranked(status == UNK, True))


def _judge_python(backend: Backend, snap: PolicySnapshot, m: Measure, c: Columns, idx: np.ndarray) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fallback, for measures whose conditions need yearly figures (which only Profiles carry): the
    rule engine over the Profiles read from the graph, 10,000 at a time; ``estimate`` one enterprise at a
    time. Returns status, near, unmet, shortfall, preferred, has an estimate, its high."""
    n = len(idx)
    status, near = np.full(n, NOT, dtype=np.int8), np.zeros(n, dtype=bool)
    unmet, shortfall, preferred = np.zeros(n, dtype=np.int64), np.zeros(n), np.zeros(n, dtype=bool)
    has, high = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.float64)
    pos = {c.id(int(i)): k for k, i in enumerate(idx)}
    for part in chunks(sorted(pos), 10_000):
        profiles = list(load_profiles(backend, part, financials=snap.conditions_need_financials).values())
        j = criteria.judge(m, ProfileFacts(profiles), snap.as_of)
        at = np.array([pos[p.id] for p in profiles], dtype=np.int64)
        status[at], near[at], unmet[at], shortfall[at], preferred[at] = j.status, j.near, j.unmet, j.shortfall, \
            j.preferred
        for k, prof in zip(at.tolist(), profiles, strict=True):
            est = estimate(snap, m, prof, words=False)["estimate_cny"]
            if est:
                has[k], high[k] = True, est["high"]
    return status, near, unmet, shortfall, preferred, has, high


def taxonomy_counts(c: Columns, snap: PolicySnapshot, depth: int = 6) -> list[dict[str, Any]]:
    """The rows of ``taxonomy_enterprise_counts`` from the index's link rows: distinct enterprises per tier
    they hold or that is broader (HAS_TIER, SUBTIER_OF up to ``depth`` steps), per programme (SELECTED_IN) and per place they are LOCATED_IN or inside (PART_OF, up to
    ``depth`` steps, over the place tree of the snapshot, which holds every Place and PART_OF). Counted
    here because the query's distinct counts over the whole registry need more of Ladybug's buffer pool
    than serving has."""
    lk = c.links
    pos = np.repeat(np.arange(c.n, dtype=np.int64), np.diff(lk.ptr))
    code = lk.target.astype(np.int64)
    order = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[order], np.arange(len(lk.targets) + 1))
    groups: dict[tuple[str, str], list[np.ndarray]] = {}
    for k in np.concatenate([lk.targets.codes_of(r) for r in ("HAS_TIER", "SELECTED_IN", "LOCATED_IN")]).tolist():
        rel, xid = lk.targets[k][:2]
        rows = pos[order[bounds[k]:bounds[k + 1]]]
        if not len(rows):
            continue
        if rel == "HAS_TIER":
            for q in _within(snap.tiers, xid, "parents", depth):
                groups.setdefault(("Tier", q), []).append(rows)
        elif rel == "SELECTED_IN":
            groups.setdefault(("Programme", xid), []).append(rows)
        elif rel == "LOCATED_IN":
            for q in _within(snap.places, xid, "parents", depth):
                groups.setdefault(("Place", q), []).append(rows)
    return [{"label": label, "id": xid, "enterprises": int(len(np.unique(np.concatenate(parts))))}
            for (label, xid), parts in groups.items()]


def _within(tree: Any, start: str, step: str, depth: int) -> list[str]:
    """``start`` and the nodes reached from it in at most ``depth`` steps along ``tree.parents`` or
    ``tree.children`` (``step``): the ends of ``-[:REL*0..depth]->`` paths."""
    seen = {start: 0}
    todo = [start]
    while todo:  # breadth first: the fewest steps to each node
        x = todo.pop(0)
        if seen[x] >= depth:
            continue
        for y in getattr(tree, step).get(x, []):
            if y not in seen:
                seen[y] = seen[x] + 1
                todo.append(y)
    return list(seen)


def industry_counts(c: Columns, snap: PolicySnapshot, industries: Any, depth: int = 6) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``industry_enterprise_counts`` and ``industry_breakdown`` from the index: for each of
    ``industries``, the distinct enterprises IN_INDUSTRY it or an industry up to ``depth`` steps below it
    (the snapshot's industry tree holds every Industry and SUBINDUSTRY_OF), and among them the distinct
    enterprises per place they are LOCATED_IN and per tier they hold. Counted here for the reason
    :func:`taxonomy_counts` is."""
    lk = c.links
    pos = np.repeat(np.arange(c.n, dtype=np.int64), np.diff(lk.ptr))
    code = lk.target.astype(np.int64)
    width = max(len(lk.targets), 1)
    by_rel: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for rel, label in (("LOCATED_IN", "Place"), ("HAS_TIER", "Tier")):
        codes = lk.targets.codes_of(rel)
        sel = np.isin(code, codes)
        pairs = np.unique(pos[sel] * width + code[sel])  # an enterprise counts once per place / tier
        by_rel[label] = (pairs // width, pairs % width)
    counts: list[dict[str, Any]] = []
    breakdown: list[dict[str, Any]] = []
    for i in industries:
        inside = any_bit(c.industries, bit_mask(c.industry_ids, _within(snap.industries, i, "children", depth)))
        total = int(inside.sum())
        if not total:
            continue
        counts.append({"industry": i, "enterprises": total})
        for label, (who, what) in by_rel.items():
            per = np.bincount(what[inside[who]], minlength=width)
            for k in np.flatnonzero(per):
                _, xid, name, _ = lk.targets[k]
                breakdown.append({"industry": i, "label": label, "id": xid, "name": name, "enterprises": int(per[k])})
    return {"industry_enterprise_counts": counts, "industry_breakdown": breakdown}


def similar_page(c: Columns, me: int, weights: dict[str, int], fund_pos: np.ndarray, fund_code: np.ndarray,
                 offset: int, limit: int) -> tuple[np.ndarray, int]:
    """matching.similar_enterprises' ranking from the index: for every other enterprise the distinct
    industries and places (bitsets; link rows for a target outside the vocabulary) and programmes (link
    rows) it shares with the one at ``me``, and the distinct funds given as (position, fund code) pairs
    (``fund_pos``, ``fund_code``: the rows of ``similar_by_fund``, repeats allowed); ranked by score (the
    sum of ``weights``), then the number of things shared, then id (= position). Returns the positions of
    the page (``offset``, ``limit``) and how many enterprises share anything. Vectorised over the registry
    (at 1,000,000 enterprises under 10 ms); only the page is sorted."""
    lk = c.links
    by_rel: dict[str, list[tuple[int, str]]] = {}
    for t in np.unique(lk.target[lk.ptr[me]:lk.ptr[me + 1]]).tolist():
        rel, xid = lk.targets[t][:2]
        by_rel.setdefault(rel, []).append((t, xid))
    funds = np.unique(fund_pos.astype(np.int64) * (int(fund_code.max()) + 1) + fund_code.astype(np.int64)
                      ) // (int(fund_code.max()) + 1) if len(fund_pos) else np.zeros(0, dtype=np.int64)
    # one number per enterprise, score * K + things shared (K above the most it can share), 0 for nothing:
    # each shared thing of weight w adds w * K + 1
    most = sum(len(v) for v in by_rel.values()) + (int(np.bincount(funds).max()) if len(funds) else 0)
    K = most + 1
    high = most * (max(weights.values()) * K + 1)  # the highest rank there can be: the narrowest type for it
    rank = np.zeros(c.n, dtype=next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if high <= np.iinfo(t).max))
    scan = [(t, weights["SELECTED_IN"]) for t, _ in by_rel.get("SELECTED_IN", [])]
    for rel, bits, vocab in (("IN_INDUSTRY", c.industries, c.industry_ids), ("LOCATED_IN", c.places, c.place_ids)):
        got = by_rel.get(rel, [])
        if any(x not in vocab for _, x in got):  # bit 0 stands for every target outside the vocabulary
            scan += [(t, weights[rel]) for t, _ in got]
            continue
        mask = bit_mask(vocab, [x for _, x in got])
        step = rank.dtype.type(weights[rel] * K + 1)
        for w in np.flatnonzero(mask):  # one bit per target: the popcount is the number of distinct ones shared
            rank += np.bitwise_count(bits[:, w] & mask[w]).astype(rank.dtype, copy=False) * step
    if scan:  # the link rows to these targets, an enterprise counting each target once however many rows
        hit = np.zeros(len(lk.target), dtype=bool)
        for t, _ in scan:
            hit |= lk.target == t
        rows = np.flatnonzero(hit)
        pos = np.searchsorted(lk.ptr, rows, side="right") - 1
        width = len(lk.targets)
        both = np.unique(pos.astype(np.int64) * width + lk.target[rows].astype(np.int64))
        step = np.zeros(width, dtype=rank.dtype)
        for t, wt in scan:
            step[t] = wt * K + 1
        rank += np.bincount(both // width, weights=step[both % width], minlength=c.n).astype(rank.dtype)
    if len(funds):  # each fund once per enterprise, however many pairs of investments
        np.add.at(rank, funds, weights["INVESTED_IN"] * K + 1)
    rank[me] = 0
    total = int(np.count_nonzero(rank))
    end = min(offset + limit, total)
    if offset >= end:
        return np.zeros(0, dtype=np.int64), total
    # the page is the ``end`` highest ranks (ties by position): the rank of the last one from a histogram,
    # then only the enterprises above it, and as many as needed of it, are sorted
    above = np.cumsum(np.bincount(rank)[::-1])[::-1]  # above[v]: enterprises ranked v or higher
    last = int(np.flatnonzero(above >= end)[-1])
    top = np.flatnonzero(rank > last)
    top = np.concatenate([top, np.flatnonzero(rank == last)[: end - len(top)]])
    order = np.lexsort((top, -rank[top].astype(np.int64)))
    return top[order][offset:end], total


# --- the index and its cache ----------------------------------------------------------------------
MARK = "\u0000policykg-items:{}"  # a placeholder in an answer's JSON, replaced by the items' JSON


def dumps(value: Any) -> str:
    """JSON text as the API writes it (compact, UTF-8 kept): orjson, which writes the same text as
    ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` for these answers (plain dicts, lists,
    strings and numbers) five to ten times faster; rendering the items of a matching page spent a sixth
    of its time in the standard library's encoder."""
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


@dataclass
class DerivedIndex:
    version: str
    as_of: dt.date
    document: str | None
    columns: Columns
    measures: dict[str, MeasureIndex]
    gap_targets: tuple[str, ...]
    gap_aggregates: dict[str, list[dict[str, Any]]]
    build_seconds: float = 0.0
    #: where it was read from (a DerivedStore entry), None when built in this process
    stored: str | None = None
    # Bounds are in characters; Python keeps Chinese text at 2 bytes a character, so these two hold
    # at most about 24 MB and 48 MB (the serving process is meant to stay within 1 GB at 1M firms).
    #: JSON of whole answers (matching by clause, filters and page; gaps by date and document)
    answers: LRU = field(default_factory=lambda: LRU(12 * 2**20))
    #: JSON of matching items by (measure, enterprise): the unfiltered first pages are rendered at build
    items: LRU = field(default_factory=lambda: LRU(24 * 2**20))

    def nbytes(self) -> int:
        return self.columns.nbytes() + sum(mi.nbytes() for mi in self.measures.values())


def build(backend: Backend, on: Any = None, document: str | None = None,
          stop: threading.Event | None = None, render: bool = True) -> DerivedIndex | None:
    """Build the index from the graph as it is now; None if the data changed while building."""
    from policykg.analysis import gaps as _gaps

    start = time.perf_counter()
    version = backend.data_version()
    snap = load_snapshot(backend, on, document)
    cols = load_columns(backend, snap, stop)
    targets = tuple(_gaps.targets(snap.industries))
    aggregates = _gaps.aggregates(backend, list(targets), counted={
        **industry_counts(cols, snap, targets), "taxonomy_enterprise_counts": taxonomy_counts(cols, snap)})
    _trim()  # the pages read are garbage now: give their memory back before judging
    measures = {}
    for m in snap.measures:
        if stop is not None and stop.is_set():
            raise BuildStopped()
        measures[m.id] = judge_measure(backend, snap, m, cols)
    idx = DerivedIndex(version, snap.as_of, snap.document, cols, measures, targets, aggregates)
    if render:
        _render_first_pages(backend, snap, idx, stop)
        idx.answers.put(("gaps", snap.as_of, snap.document), dumps(_gaps.gaps(
            backend, snapshot=snap, precomputed=lambda t: aggregates if list(targets) == t else None)))
    if backend.data_version() != version:
        return None
    idx.build_seconds = time.perf_counter() - start
    return idx


def _render_first_pages(backend: Backend, snap: PolicySnapshot, idx: DerivedIndex, stop: threading.Event | None,
                        n: int = 50) -> None:
    """Render the items of every measure's unfiltered first page, near misses and unknowns (the default
    request), so that they are served without touching the graph."""
    from policykg.analysis.matching import page_items

    for m in snap.measures:
        if stop is not None and stop.is_set():
            raise BuildStopped()
        mi = idx.measures[m.id]
        positions = [int(i) for arr in (mi.met[:n], mi.near[:n], mi.unknown[:n]) for i in arr]
        profiles = load_profiles_indexed(backend, idx.columns, positions, snap.conditions_need_financials)
        ids = list(profiles)
        idx.items.put_many(m.id, {i: dumps(item) for i, item in
                                  zip(ids, page_items(snap, m, [profiles[i] for i in ids]), strict=True)})


def _trim() -> None:
    """Give the build's transient memory (pages of rows) back to the system: glibc and Arrow's allocator
    keep it otherwise (at 1,000,000 enterprises about 90 MB each)."""
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class DerivedCache:
    """The API's derived index: built in a background thread (at start-up, and again after the data
    changes); ``get`` answers it only when it was built from the data as it is now."""

    #: how long a request waits for a build in progress before answering live
    wait_seconds = 10.0
    #: after a failed build, how long before the same data is tried again
    retry_seconds = 60.0

    def __init__(self, enabled: bool = True, store: Any = None) -> None:
        self.enabled = enabled
        #: a derived_store.DerivedStore: the index is read from it when another process (or an earlier
        #: run) built it for the same data, and written to it when built here
        self.store = store
        self._failed: tuple[str, float] | None = None  # (data version, when) of the last failed build
        self.index: DerivedIndex | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.last_error: str | None = None

    def get(self, backend: Backend, snap: PolicySnapshot | None = None) -> DerivedIndex | None:
        """The index if it matches the graph's data now (and the snapshot's date and document), else None
        (and, for today's snapshot of all documents, a build is started in the background)."""
        if not self.enabled:
            return None
        version = backend.data_version()
        idx = self.index
        if idx is not None and idx.version == version and (
                snap is None or (idx.as_of == snap.as_of and idx.document == snap.document)):
            return idx
        if snap is None or (snap.document is None and snap.as_of == today()):
            # Wait for the build rather than answer live beside it: a live answer at scale costs more
            # than the wait, and the two together can exhaust the embedded buffer pool.
            self.start(backend)
            self.wait(self.wait_seconds)
            idx = self.index
            if idx is not None and idx.version == version and (
                    snap is None or (idx.as_of == snap.as_of and idx.document == snap.document)):
                return idx
        return None

    def gap_aggregates(self, backend: Backend, targets: list[str]) -> dict[str, list[dict[str, Any]]] | None:
        idx = self.get(backend)
        if idx is not None and list(idx.gap_targets) == targets:
            return idx.gap_aggregates
        return None

    def taxonomy_counts(self, backend: Backend) -> list[dict[str, Any]] | None:
        """The rows of ``taxonomy_enterprise_counts`` (enterprises per tier, place, programme) from the
        index when it was built from the data as it is now, else None (the caller queries them)."""
        idx = self.current(backend)
        return idx.gap_aggregates["taxonomy_enterprise_counts"] if idx is not None else None

    def similar_enterprises(self, backend: Backend, uscc: str, limit: int = 20, offset: int = 0) -> dict[str, Any]:
        """``matching.similar_enterprises``: ranked from the index when it was built from the data as it is
        now (the same answer, tested; only the investors are queried), else computed live. Raises NotFound
        as the live path does."""
        from policykg.analysis import matching

        return matching.similar_enterprises(backend, uscc, limit, offset, index=self.current(backend))

    def start(self, backend: Backend) -> None:
        with self._lock:
            if not self.enabled or self._stop.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            failed = self._failed
            if failed is not None and time.monotonic() - failed[1] < self.retry_seconds \
                    and failed[0] == backend.data_version():
                return  # the same data failed a moment ago: answer live until retry_seconds pass
            self._thread = threading.Thread(target=self._run, args=(backend,), name="policykg-derived", daemon=True)
            self._thread.start()

    def _run(self, backend: Backend) -> None:
        try:
            for _ in range(3):
                if self.store is not None:
                    idx = self.store.build_or_load(backend, lambda: build(backend, stop=self._stop), self._stop)
                else:
                    idx = build(backend, stop=self._stop)
                if idx is not None:
                    self.index = idx
                    _trim()
                    log.info("derived index %s (%d enterprises, %.0f MB; built in %.1fs)",
                             f"read from {idx.stored}" if idx.stored else "built", idx.columns.n,
                             idx.nbytes() / 2**20, idx.build_seconds)
                    return
        except BuildStopped:
            return
        except Exception as exc:  # the live path answers meanwhile; retried after retry_seconds
            self.last_error = repr(exc)
            self._failed = (backend.data_version(), time.monotonic())
            log.warning("derived index build failed: %r", exc)

    def status(self, backend: Backend) -> dict[str, Any]:
        """For /api/health: ``ready`` (built from the data as it is now), ``building``, ``stale`` (built
        from older data; a request starts the rebuild), ``failed`` or ``off``."""
        if not self.enabled:
            return {"state": "off"}
        idx = self.index
        building = self._thread is not None and self._thread.is_alive()
        if idx is not None and idx.version == backend.data_version():
            state = "ready"
        else:
            state = "building" if building else "failed" if self._failed else "stale" if idx else "none"
        out: dict[str, Any] = {"state": state}
        if idx is not None:
            out.update(as_of=idx.as_of.isoformat(), enterprises=idx.columns.n, build_seconds=round(idx.build_seconds, 3),
                       megabytes=round(idx.nbytes() / 2**20, 1), stored=idx.stored)
        if state == "failed":
            out["error"] = self.last_error
        return out

    # --- answers: from the index when it matches the data, else live; the API calls these --------
    def current(self, backend: Backend) -> DerivedIndex | None:
        """The index if it was built from the data as it is now, without waiting for a build (one is
        started in the background when there is none for the data now)."""
        if not self.enabled:
            return None
        idx = self.index
        if idx is not None and idx.version == backend.data_version():
            return idx
        self.start(backend)
        return None

    def eligible_clauses(self, backend: Backend, uscc: str, snap: PolicySnapshot) -> dict[str, Any]:
        """``eligibility.eligible_clauses`` with the enterprise's profile from the index when it was built
        from the data as it is now (the same answer, tested: the index holds every property and link it
        reads), else read from the graph. Raises NotFound as the live path does."""
        from policykg.analysis import eligibility

        idx = self.current(backend)
        if idx is None:
            return eligibility.eligible_clauses(backend, uscc, snapshot=snap)
        return self.eligible_from(idx, backend, uscc, snap)

    def in_memory(self, version: str, snap: PolicySnapshot) -> DerivedIndex | None:
        """The index if it holds data ``version`` and eligible clauses for ``snap`` need nothing else (no
        yearly figures): an answer computed from it reads neither the graph nor the disk."""
        idx = self.index
        if self.enabled and idx is not None and idx.version == version and not snap.conditions_need_financials:
            return idx
        return None

    @staticmethod
    def eligible_from(idx: DerivedIndex, backend: Backend, uscc: str, snap: PolicySnapshot) -> dict[str, Any]:
        from policykg.analysis import eligibility
        from policykg.errors import NotFound

        pos = idx.columns.position(uscc)
        if pos is None:
            raise NotFound(f"no enterprise with USCC {uscc!r}", id=uscc)
        profiles = load_profiles_indexed(backend, idx.columns, [pos], snap.conditions_need_financials, grants=True)
        return eligibility.eligible_for(snap, profiles[uscc])
    def matching_json(self, backend: Backend, clause_id: str, filters: Any, snap: PolicySnapshot,
                      limit: int = 50, offset: int = 0, near_limit: int = 50) -> str:
        """``matching_enterprises`` as JSON text: from the index when it was built from the data as it
        is now (the same answer, tested), else computed live."""
        from policykg.analysis import matching

        index = self.get(backend, snap)
        if index is not None:
            text = matching.matching_enterprises_json(backend, clause_id, filters, limit, offset, near_limit, snap,
                                                      index)
            if text is not None:
                return text
        return dumps(matching.matching_enterprises(backend, clause_id, filters, snap.as_of, limit, offset,
                                                   near_limit, snapshot=snap))

    def gaps_json(self, backend: Backend, snap: PolicySnapshot) -> str:
        """``gaps`` as JSON text, with the index's whole-graph figures (and its cached answer) when it
        matches the data as it is now, else computed live."""
        from policykg.analysis import gaps

        idx = self.get(backend)
        if idx is None:
            return dumps(gaps.gaps(backend, snap.document, snap.as_of, snapshot=snap))
        key = ("gaps", snap.as_of, snap.document)  # the answer for this data version, date and document
        text = idx.answers.get(key)
        if text is None:
            text = dumps(gaps.gaps(backend, snap.document, snap.as_of, snapshot=snap,
                                   precomputed=lambda t: idx.gap_aggregates if list(idx.gap_targets) == t else None))
            idx.answers.put(key, text)
        return text

    def build_now(self, backend: Backend, on: Any = None) -> DerivedIndex | None:
        """Build in the calling thread (tests, benchmarks) and keep it."""
        idx = build(backend, on)
        if idx is not None:
            self.index = idx
        return idx

    def wait(self, timeout: float | None = None) -> None:
        t = self._thread
        if t is not None:
            t.join(timeout)

    def stop(self) -> None:
        """Stop a build in progress (between two queries) and wait for it: before the backend is closed."""
        self._stop.set()
        self.wait()


# --- per request ---------------------------------------------------------------------------------
def filter_mask(c: Columns, filters: Any, place_filter: set[str] | None) -> np.ndarray | None:
    """matching.Filters.accept for every enterprise of the index, as one boolean array (None: no filter).
    Vectorised over the registry (a few milliseconds at 1,000,000); the place and tier tests, the dearest,
    are kept per place set / tier in a small cache."""
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
