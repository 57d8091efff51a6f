"""The index of a data version: each measure in force judged over the whole registry by the rule engine
(:mod:`policykg.analysis.rules`) over the index's columns, ranked; the whole-graph gap figures; similar
enterprises ranked over the columns."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from policykg.analysis import gaps
from policykg.analysis.derived.answers import LRU
from policykg.analysis.derived.columns import BuildStopped, Columns, load_columns
from policykg.analysis.eligibility import estimate, load_profiles
from policykg.analysis.rules import criteria, estimates, ranking
from policykg.analysis.rules.criteria import MET, NOT, UNK
from policykg.analysis.rules.facts import ColumnFacts, ProfileFacts, any_bit, bit_mask, selected_in
from policykg.analysis.snapshot import Measure, PolicySnapshot, load_snapshot
from policykg.graph.base import Backend, chunks

#: condition fields judged over yearly figures: judged over the Profiles read from the graph (ProfileFacts)
PYTHON_FIELDS = set(criteria.GROWTH_FIELDS)
#: set by tests to judge every measure with the per-enterprise fallback
FORCE_FALLBACK = False


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
    the page (``offset``, ``limit``) and how many enterprises share anything. Vectorised over the registry;
    only the page is sorted."""
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
    # Bounds are in characters; Python keeps Chinese text at 2 bytes a character, so each holds at most
    # twice its bound in bytes, a small part of a serving process's memory.
    #: JSON of whole answers (matching by clause, filters and page; gaps by date and document)
    answers: LRU = field(default_factory=lambda: LRU(12 * 2**20))
    #: JSON of matching items by (measure, enterprise): the unfiltered first pages are rendered at build
    items: LRU = field(default_factory=lambda: LRU(24 * 2**20))

    def nbytes(self) -> int:
        return self.columns.nbytes() + sum(mi.nbytes() for mi in self.measures.values())


def build(backend: Backend, on: Any = None, document: str | None = None,
          stop: threading.Event | None = None) -> DerivedIndex | None:
    """Build the index from the graph as it is now; None if the data changed while building."""
    start = time.perf_counter()
    version = backend.data_version()
    snap = load_snapshot(backend, on, document)
    cols = load_columns(backend, snap, stop)
    targets = tuple(gaps.targets(snap.industries))
    aggregates = gaps.aggregates(backend, list(targets), counted={
        **industry_counts(cols, snap, targets), "taxonomy_enterprise_counts": taxonomy_counts(cols, snap)})
    release_memory()  # the pages read are garbage now: give their memory back before judging
    measures = {}
    for m in snap.measures:
        if stop is not None and stop.is_set():
            raise BuildStopped()
        measures[m.id] = judge_measure(backend, snap, m, cols)
    idx = DerivedIndex(version, snap.as_of, snap.document, cols, measures, targets, aggregates)
    if backend.data_version() != version:
        return None
    idx.build_seconds = time.perf_counter() - start
    return idx


def release_memory() -> None:
    """Give the build's transient memory (pages of rows) back to the system: glibc and Arrow's allocator
    keep it otherwise, and it grows with the registry."""
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
