"""The columnar fast path of ``policykg load``: CSV tables read with pyarrow, cells converted by column.

The per-record validators of :mod:`policykg.ingest.load` stay the reference. This module only
finds, column by column, the cells whose value is certain, and computes exactly the values the
validators would:

- high-cardinality columns in their simple forms are converted vectorised: USCCs (the check
  character over an ``(n, 18)`` array of bytes), texts without surrounding white space, yearly
  figures written as plain whole numbers;
- every other column is dictionary-encoded (alone, or with the columns its meaning depends on:
  an amount with its row's unit and currency) and each distinct value is converted once by the
  validators' own cell functions.

A row with any cell that is not certain (a conversion that raises, a figure with a unit, a
value outside the simple forms) is handed back as a :class:`~policykg.ingest.tabular.Record`
and goes through the per-record validator, so accepted values, rejects and reports are the
ones the per-record path gives. Duplicate keys and references are decided afterwards, for both
kinds of row alike, by the loader's ``flush``.

Only UTF-8 CSV files whose header is the first line and whose records are one line each are
read here (checked before anything is converted); other tables use the per-record reader.

The write side turns validated payloads into Arrow tables for :meth:`Backend.write_tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from policykg.graph.base import GraphBatch, arrow_type, dedupe
from policykg.ingest import uscc as _uscc
from policykg.ingest.money import whole_cny
from policykg.ingest.tabular import CLAUSE_ID, Record, RecordRejected, Table, control_class

__all__ = ["FAST_KINDS", "Bulk", "arrow_chunks", "fast_records", "tables_for"]

FAST_KINDS = ("enterprises", "investments", "selections", "grants")
BAD = object()  # a cell whose value is not certain: the row goes to the per-record validator


@lru_cache(maxsize=1)
def _ws_class() -> str:
    """An RE2 character class of exactly the characters Python's str.strip() removes."""
    codes = [c for c in range(0x3001) if chr(c).isspace()]
    parts, start, prev = [], codes[0], codes[0]
    for c in codes[1:] + [-1]:
        if c == prev + 1:
            prev = c
            continue
        parts.append(f"\\x{{{start:x}}}" if start == prev else f"\\x{{{start:x}}}-\\x{{{prev:x}}}")
        start = prev = c
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=1)
def _ws_set() -> pa.Array:
    return pa.array([chr(c) for c in range(0x3001) if chr(c).isspace()], pa.string())


def _edge_ws(col: pa.Array) -> np.ndarray:
    """True where a cell starts or ends with white space (as str.strip() sees it)."""
    first = pc.utf8_slice_codeunits(col, 0, 1)
    last = pc.utf8_slice_codeunits(col, -1)
    return pc.or_(pc.is_in(first, value_set=_ws_set()), pc.is_in(last, value_set=_ws_set())).to_numpy(
        zero_copy_only=False)


def _ws_only(col: pa.Array) -> np.ndarray:
    """True where a cell is empty or white space only."""
    n = len(col)
    cand = pc.or_(pc.equal(col, ""), pc.is_in(pc.utf8_slice_codeunits(col, 0, 1), value_set=_ws_set()))
    idx = np.flatnonzero(cand.to_numpy(zero_copy_only=False))
    out = np.zeros(n, dtype=bool)
    if len(idx):
        out[idx] = pc.match_substring_regex(col.take(pa.array(idx)), f"^{_ws_class()}*$").to_numpy(
            zero_copy_only=False)
    return out


_LUT = np.full(256, -1, dtype=np.int64)
for _i, _ch in enumerate(_uscc.ALPHABET):
    _LUT[ord(_ch)] = _i
_W = np.array(_uscc.WEIGHTS, dtype=np.int64)
_LUT8 = np.where(_LUT >= 0, _LUT, 31).astype(np.uint8)
_W32 = _W.astype(np.int32)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

def _one_line_records(t: Table) -> int | None:
    """The number of physical lines after the header when every line ends in \\n or \\r\\n (no
    lone \\r), else None."""
    nl = cr = crlf = 0
    last = b""
    prev_cr = False
    with open(t.path, "rb") as f:
        while True:
            block = f.read(1 << 24)
            if not block:
                break
            nl += block.count(b"\n")
            k = block.count(b"\r")
            if k or prev_cr:  # most files have no \r at all: no third pass over them
                cr += k
                crlf += block.count(b"\r\n") + (1 if prev_cr and block[:1] == b"\n" else 0)
            prev_cr = block[-1:] == b"\r"
            last = block[-1:]
    if cr != crlf:
        return None
    lines = nl + (1 if last and last != b"\n" else 0)
    return lines - t.header_line


def arrow_chunks(t: Table, chunk_rows: int, max_rows: int | None = None) -> tuple[pa.Table, int] | None:
    """The whole table as strings (one column per header cell, ``c0``...) and the line of its
    first record, or None when the file is not for the fast path (or has more lines than
    ``max_rows``: the per-record reader stops at the limit without reading the rest)."""
    if t.container != "csv" or t.encoding not in ("utf-8", "utf-8-sig") or t.header_line != 1 or t.hmap is None \
            or t.hmap.missing:
        return None
    expected = _one_line_records(t)
    if expected is None or (max_rows is not None and expected > max_rows):
        return None
    width = len(t.hmap.header)
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            t.path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=t.header_line, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=t.delimiter, newlines_in_values=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError):
        return None
    if table.num_rows != expected:
        return None
    return table, t.header_line + 1


class _Row:
    """A fast-path row, with its cells read back only if it is rejected later (a reference, a
    duplicate key)."""

    __slots__ = ("line", "_table", "_i", "_fields")
    problem = None

    def __init__(self, line: int, table: pa.Table, i: int, fields: list[tuple[int, Any]]):
        self.line = line
        self._table = table
        self._i = i
        self._fields = fields

    @property
    def raw(self) -> list[str]:
        return [c[self._i].as_py() for c in self._table.columns]

    @property
    def values(self) -> dict[Any, Any]:
        raw = self.raw
        return {key: raw[i] for i, key in self._fields}


def fast_records(loader: Any, t: Table, data: tuple[pa.Table, int], chunk_rows: int) -> Iterator[Any]:
    """Yield, in file order, ``(row, key, payload)`` for rows converted here and
    :class:`Record` objects for the rows the per-record validator must see."""
    table, first_line = data
    convert = {"enterprises": _enterprises, "investments": _investments, "selections": _selections,
               "grants": _grants}[t.kind]
    assert t.hmap is not None
    fields = t.hmap.fields
    total = max(table.num_rows, 1)
    for start in range(0, table.num_rows, chunk_rows):
        part = table.slice(start, chunk_rows)
        part = pa.Table.from_arrays([c.combine_chunks() for c in part.columns], names=part.column_names)
        n = part.num_rows
        blank = np.ones(n, dtype=bool)
        for c in part.columns:
            idx = np.flatnonzero(blank)
            if not len(idx):
                break
            blank[idx] = _ws_only(c.take(pa.array(idx)) if len(idx) < n else c.chunk(0))
        cols = {key: part.column(i).chunk(0) for i, key in fields}  # one chunk each (combined above)
        unsafe = _unsafe(cols.values(), n, loader.max_chars)
        if t.kind == "enterprises":
            yield from _enterprise_block(loader, t, part, cols, n, blank, first_line + start, unsafe)
            t.position = int(t.size * min(start + n, total) / total)
            continue
        keys, payloads, bad = convert(loader, t, cols, n)
        bad = bad | unsafe
        for i in range(n):
            if blank[i]:
                continue
            line = first_line + start + i
            if bad[i]:
                raw = [c[i].as_py() for c in part.columns]
                yield Record(line, {key: raw[j] for j, key in fields}, raw)
            else:
                yield _Row(line, part, i, fields), keys[i], payloads[i]
        t.position = int(t.size * min(start + n, total) / total)


class Bulk:
    """Rows of a block whose keys occur once in the block (and, unless the loader finds them in
    keys seen earlier, once so far): counted, registered and written by column."""

    def __init__(self, cv: _Converted, idx: np.ndarray, first_line: int, part: pa.Table, fields: list) -> None:
        self.cv, self.idx, self.first_line, self.part, self.fields = cv, idx, first_line, part, fields

    def keys(self) -> list[str]:
        code = self.cv.code
        return [code[i] for i in self.idx.tolist()]

    def row(self, i: int) -> tuple[Any, Any, tuple]:
        return _Row(self.first_line + i, self.part, i, self.fields), self.cv.code[i], self.cv.payload(i)


def _enterprise_block(loader: Any, t: Table, part: pa.Table, cols: dict[Any, Any], n: int, blank: np.ndarray,
                      first_line: int, unsafe: np.ndarray) -> Iterator[Any]:
    cv = _enterprises(loader, t, cols, n)
    cv.bad |= unsafe
    fields = t.hmap.fields  # type: ignore[union-attr]
    # keys that occur more than once in the block (valid codes of rows rejected for another
    # reason count too): their rows go the per-row way, in file order
    known = pa.array([None if (cv.code_bad[i] or blank[i]) else c for i, c in enumerate(cv.code)], pa.string())
    counts = pc.value_counts(known)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    dup = pc.fill_null(pc.is_in(known, value_set=repeated), False).to_numpy(zero_copy_only=False) if len(repeated) \
        else np.zeros(n, dtype=bool)
    bulk = ~cv.bad & ~blank & ~dup
    yield Bulk(cv, np.flatnonzero(bulk), first_line, part, fields)
    for i in np.flatnonzero(~bulk & ~blank).tolist():
        if cv.bad[i]:
            raw = [c[i].as_py() for c in part.columns]
            yield Record(first_line + i, {key: raw[j] for j, key in fields}, raw)
        else:
            yield _Row(first_line + i, part, i, fields), cv.code[i], cv.payload(i)


_CONTROL_RE2 = control_class(re2=True)  # a row holding one goes to the per-record validator


def _suspect_bytes(col: pa.Array) -> bool:
    """Whether a column's UTF-8 bytes may hold a control character (C0 or DEL, a C1 control's lead
    byte 0xC2 before 0x80-0x9F, or U+FFFE / U+FFFF): most columns hold none, and need no regex."""
    buf = col.buffers()[2]
    if buf is None:
        return False
    data = np.frombuffer(buf, dtype=np.uint8)
    if ((data < 0x20) | (data == 0x7F)).any():
        return True
    lead = np.flatnonzero(data[:-1] == 0xC2)
    if len(lead) and ((data[lead + 1] >= 0x80) & (data[lead + 1] <= 0x9F)).any():
        return True
    lead = np.flatnonzero(data[:-2] == 0xEF)
    return bool(len(lead) and ((data[lead + 1] == 0xBF) & (data[lead + 2] >= 0xBE)).any())


def _unsafe(cols: Any, n: int, max_chars: int) -> np.ndarray:
    """True where a row has a cell longer than ``max_chars`` or holding a control character: the row
    goes to the per-record validator, which rejects it with the reason."""
    out = np.zeros(n, dtype=bool)
    for c in cols:
        offsets = np.frombuffer(c.buffers()[1], dtype=np.int32)[c.offset: c.offset + n + 1]
        if (np.diff(offsets) > max_chars).any():  # a cell has at least as many bytes as characters
            out |= pc.greater(pc.utf8_length(c), max_chars).to_numpy(zero_copy_only=False)
        if _suspect_bytes(c):
            out |= pc.match_substring_regex(c, _CONTROL_RE2).to_numpy(zero_copy_only=False)
    return out


# --------------------------------------------------------------------------------------------
# Column conversions
# --------------------------------------------------------------------------------------------

def _memo(cols: list[pa.Array | None], n: int, fn: Callable[..., Any], reject: type) -> tuple[np.ndarray, np.ndarray]:
    """``fn`` over each distinct combination of the cells of ``cols`` (None: the column is absent),
    once; BAD where it raises ``reject``. Returns (values, bad) as arrays of length n."""
    values, bad, _, _ = _memo2(cols, n, fn, reject)
    return values, bad


def _memo2(cols: list[pa.Array | None], n: int, fn: Callable[..., Any], reject: type
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_memo`, also returning the distinct results and each row's index into them."""
    codes: list[np.ndarray] = []
    dicts: list[list[Any]] = []
    for c in cols:
        if c is None:
            codes.append(np.zeros(n, dtype=np.int64))
            dicts.append([None])
            continue
        d = pc.dictionary_encode(c)
        codes.append(d.indices.to_numpy(zero_copy_only=False).astype(np.int64))
        dicts.append(d.dictionary.to_pylist())
    combined = codes[0]
    for k in range(1, len(codes)):
        combined = combined * len(dicts[k]) + codes[k]
    if len(codes) == 1:  # the dictionary's codes are the distinct values' numbers already
        uniq, inverse = np.arange(len(dicts[0]), dtype=np.int64), combined
    else:
        enc = pc.dictionary_encode(pa.array(combined))  # by hash: no sort
        uniq = enc.dictionary.to_numpy()
        inverse = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    results = np.empty(len(uniq), dtype=object)
    bad = np.zeros(len(uniq), dtype=bool)
    for j, u in enumerate(uniq.tolist()):
        vals = []
        for k in range(len(codes) - 1, -1, -1):
            size = len(dicts[k])
            vals.append(dicts[k][u % size])
            u //= size
        try:
            results[j] = fn(*reversed(vals))
        except reject:
            results[j] = BAD
            bad[j] = True
    return results[inverse], bad[inverse], results, inverse


def _take(uniq: np.ndarray, inverse: np.ndarray, idx: np.ndarray, typ: pa.DataType,
          get: Callable[[Any], Any] = lambda x: x) -> pa.Array:
    """A column for rows ``idx`` from distinct results: converted once per distinct value."""
    vals = pa.array([None if u is BAD else get(u) for u in uniq], typ)
    return vals.take(pa.array(inverse[idx]))


def _text(loader: Any, col: pa.Array | None, n: int) -> list[Any]:
    """``loader.text`` of each cell: vectorised unless a cell has white space at an end."""
    if col is None:
        return [None] * n
    edge = _edge_ws(col)
    values = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col).to_pylist()
    for i in np.flatnonzero(edge).tolist():
        values[i] = loader.text(col[i].as_py())
    return values


def _uscc_ok(col: pa.Array, n: int) -> np.ndarray:
    """True where a cell is a valid 18-character USCC as it stands (check character included)."""
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset: col.offset + n + 1]
    data_buf = col.buffers()[2]
    ok = np.zeros(n, dtype=bool)
    if data_buf is None or not n:
        return ok
    m = np.diff(offsets) == 18
    k = int(np.count_nonzero(m))
    if not k:
        return ok
    data = np.frombuffer(data_buf, dtype=np.uint8)
    if k == n:  # every cell has 18 bytes: they lie one after another
        chars = data[offsets[0]: offsets[0] + 18 * n].reshape(n, 18)
    else:
        chars = data[offsets[:-1][m][:, None] + np.arange(18, dtype=np.int32)]
    vals = _LUT8[chars]  # 0..30, or 31 for a byte outside the alphabet
    good = (vals < 31).all(axis=1)
    total = vals[:, :17].astype(np.int32) @ _W32
    good &= vals[:, 17] == (31 - total % 31) % 31
    if k == n:
        return good
    ok[np.flatnonzero(m)[good]] = True
    return ok


def _uscc_col(loader: Any, fmt: Any, col: pa.Array | None, n: int, reject: type) -> tuple[list[Any], np.ndarray]:
    """``loader.uscc`` of each cell: valid 18-character codes checked vectorised, the rest one by one."""
    if col is None:
        return [None] * n, np.ones(n, dtype=bool)
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    ok = _uscc_ok(col, n)
    values = col.to_pylist()
    bad = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(~ok).tolist():
        try:
            values[i] = loader.uscc(values[i], "uscc", fmt)
        except reject:
            bad[i] = True
    return values, bad


def _amount(loader: Any, fmt: Any, cols: dict[Any, Any], n: int, name: str, reject: type
            ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """(value, currency, value in yuan) of an amount column with its row's unit and currency."""
    units = loader.units

    def one(raw: Any, unit_raw: Any, cur_raw: Any) -> tuple[Any, Any, Any]:
        row_unit = loader.unit(unit_raw, "unit", fmt)
        cur = loader.currency(cur_raw, "currency", fmt)
        amt = loader.amount(raw, name, fmt, units.get(name) or row_unit, cur)
        v, c = amt if amt else (None, cur)
        return v, c, whole_cny(v, c) if v is not None else None

    values, bad, uniq, inverse = _memo2([cols.get(name), cols.get("unit"), cols.get("currency")], n, one, reject)
    # each distinct amount's part of an id hash (load._hash: value, then currency)
    texts = ["" if u is BAD else f"{_s(u[0])}\x1f{_s(u[1])}" for u in uniq]
    return values, bad, texts, inverse


def _s(p: Any) -> str:
    """A part of an id hash as load._hash writes it."""
    return "" if p is None else str(p)


def _sha(texts: Iterator[str]) -> list[str]:
    """load._hash of texts already joined."""
    from hashlib import sha256

    return [sha256(t.encode("utf-8")).hexdigest()[:16] for t in texts]


class _Converted:
    """One block of an enterprises table, converted by column."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.bad = np.zeros(n, dtype=bool)
        self.memo: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.years: dict[int, tuple[pa.Array, pa.Array]] = {}

    def value(self, name: str, i: int) -> Any:
        return self.memo[name][0][i]

    def fin(self, i: int) -> tuple:
        out = []
        for y in sorted(self.years):
            r, d = (a[i].as_py() for a in self.years[y])
            if r is not None or d is not None:
                out.append((y, r, d))
        return tuple(out)

    def payload(self, i: int) -> tuple:
        v = self.value
        cap = v("cap", i)
        return (self.code[i], self.name[i], v("founded", i), cap[0], cap[1], cap[2], v("employees", i),
                v("listed", i), self.ticker[i], v("synthetic", i), v("industries", i), v("place", i), v("tax", i),
                v("tiers", i), self.fin(i))

    def col(self, name: str, idx: np.ndarray, typ: pa.DataType, get: Callable[[Any], Any] = lambda x: x) -> pa.Array:
        _, uniq, inverse = self.memo[name]
        return _take(uniq, inverse, idx, typ, get)

    def tables(self, idx: np.ndarray) -> tuple[dict[str, pa.Table], dict[tuple[str, str, str], pa.Table]]:
        """Arrow tables of the rows ``idx``: as ``_enterprise_tables`` makes them from payloads."""
        take = pa.array(idx)
        codes = self.code_arr.take(take)
        k = len(idx)
        fy = pa.nulls(k, pa.int64())
        rev = pa.nulls(k, pa.int64())
        rd = pa.nulls(k, pa.int64())
        f_parts, r_parts = [], []
        for y in sorted(self.years):
            ry, dy = (a.take(take) for a in self.years[y])
            present = pc.or_(pc.is_valid(ry), pc.is_valid(dy))
            fy = pc.if_else(present, pa.scalar(y, pa.int64()), fy)
            rev = pc.if_else(present, ry, rev)
            rd = pc.if_else(present, dy, rd)
            cnt = pc.sum(present).as_py() or 0
            if cnt:
                fc = codes.filter(present)
                fid = pc.binary_join_element_wise(fc, pa.scalar(str(y)), ":")
                f_parts.append(pa.table({"id": fid, "year": pa.array(np.full(cnt, y, dtype=np.int64)),
                                         "revenue_cny": ry.filter(present), "rd_spend_cny": dy.filter(present)}))
                r_parts.append(pa.table({"from": fc, "to": fid}))
        cap = self.memo["cap"]
        ent = pa.table({
            "id": codes, "name": self.name_arr.take(take),
            "founded": self.col("founded", idx, pa.date32()),
            "registered_capital": _take(cap[1], cap[2], idx, pa.float64(), lambda c: c[0]),
            "currency": _take(cap[1], cap[2], idx, pa.string(), lambda c: c[1]),
            "registered_capital_cny": _take(cap[1], cap[2], idx, pa.int64(), lambda c: c[2]),
            "employees": self.col("employees", idx, pa.int64()), "listed": self.col("listed", idx, pa.bool_()),
            "ticker": self.ticker_arr.take(take), "revenue_cny": rev, "rd_spend_cny": rd, "figures_year": fy,
            "synthetic": self.col("synthetic", idx, pa.bool_()),
        })
        nodes = {"Enterprise": ent}
        rels: dict[tuple[str, str, str], pa.Table] = {}
        if f_parts:
            nodes["Financial"] = pa.concat_tables(f_parts)
            rels[("REPORTED", "Enterprise", "Financial")] = pa.concat_tables(r_parts)
        i_from, i_to = _flat(codes, self.col("industries", idx, pa.list_(pa.string())))
        if len(i_to):
            rels[("IN_INDUSTRY", "Enterprise", "Industry")] = pa.table({"from": i_from, "to": i_to})
        rels.update(_located(codes, self.col("place", idx, pa.string()), self.col("tax", idx, pa.string())))
        tier_t = pa.list_(pa.struct([("tier", pa.string()), ("year", pa.int64()), ("issuer", pa.string())]))
        t_from, t = _flat(codes, self.col("tiers", idx, tier_t))
        if len(t):
            rels[("HAS_TIER", "Enterprise", "Tier")] = pa.table({"from": t_from, "to": t.field("tier"),
                                                                 "year": t.field("year"),
                                                                 "issuer": t.field("issuer")})
        return nodes, rels


def _located(codes: pa.Array, places: pa.Array, taxes: pa.Array) -> dict[tuple[str, str, str], pa.Table]:
    same = pc.fill_null(pc.equal(places, taxes), False)
    parts = []
    for mask, to, kind in ((same, places, "address+tax"),
                           (pc.and_(pc.invert(same), pc.is_valid(places)), places, "address"),
                           (pc.and_(pc.invert(same), pc.is_valid(taxes)), taxes, "tax")):
        k = pc.sum(mask).as_py() or 0
        if k:
            parts.append(pa.table({"from": codes.filter(mask), "to": to.filter(mask),
                                   "kind": pa.array([kind] * k, pa.string())}))
    return {("LOCATED_IN", "Enterprise", "Place"): pa.concat_tables(parts)} if parts else {}


def _enterprises(loader: Any, t: Table, cols: dict[Any, Any], n: int) -> _Converted:
    fmt = t.fmt
    R = RecordRejected
    cv = _Converted(n)
    code, bad = _uscc_col(loader, fmt, cols.get("uscc"), n, R)
    cv.code, cv.code_bad = code, bad.copy()
    cv.code_arr = pa.array(code, pa.string())
    name = _text(loader, cols.get("name"), n)
    cv.name, cv.name_arr = name, pa.array(name, pa.string())
    bad |= np.fromiter((x is None for x in name), dtype=bool, count=n)
    cv.ticker = _text(loader, cols.get("ticker"), n)
    cv.ticker_arr = pa.array(cv.ticker, pa.string())

    def memo(name_: str, columns: list[Any], fn: Callable[..., Any]) -> None:
        nonlocal bad
        values, b, uniq, inverse = _memo2(columns, n, fn, R)
        bad |= b
        cv.memo[name_] = (values, uniq, inverse)

    memo("founded", [cols.get("founded")], lambda r: loader.date(r, "founded", fmt))
    units = loader.units
    def amount(raw: Any, unit_raw: Any, cur_raw: Any) -> tuple[Any, Any, Any]:
        row_unit = loader.unit(unit_raw, "unit", fmt)
        cur = loader.currency(cur_raw, "currency", fmt)
        amt = loader.amount(raw, "registered_capital", fmt, units.get("registered_capital") or row_unit, cur)
        v, c = amt if amt else (None, cur)
        return v, c, whole_cny(v, c) if v is not None else None

    memo("cap", [cols.get("registered_capital"), cols.get("unit"), cols.get("currency")], amount)
    memo("employees", [cols.get("employees")], lambda r: loader.integer(r, "employees", fmt))
    memo("listed", [cols.get("listed")], lambda r: loader.boolean(r, "listed", fmt))
    memo("synthetic", [cols.get("synthetic")], lambda r: loader.boolean(r, "synthetic", fmt))
    memo("industries", [cols.get("industries")], lambda r: tuple(sorted(
        {loader.resolve_or_reject("industry", x, "industries", fmt) for x in loader.items(r)})))

    def place_of(col: str) -> Callable[[Any], Any]:
        def f(r: Any) -> Any:
            p = loader.text(r)
            return loader.resolve_or_reject("place", p, col, fmt) if p else None
        return f

    memo("place", [cols.get("place")], place_of("place"))
    memo("tax", [cols.get("tax_place")], place_of("tax_place"))
    memo("tiers", [cols.get("tiers")], lambda r: loader.tiers(r, "tiers", fmt))
    # yearly figures: plain whole numbers in yuan here; anything else (a unit, decimals, a
    # figure without a year) is for the validator
    unit_col = cols.get("unit")
    row_has_unit = np.zeros(n, dtype=bool) if unit_col is None else ~_ws_only(unit_col)
    for key in loader.fig_keys or []:
        col = cols.get(key)
        if col is None:
            continue
        empty = pc.equal(col, "").to_numpy(zero_copy_only=False)
        if not isinstance(key, tuple) or key in units:
            bad |= ~empty
            continue
        plain = pc.match_substring_regex(col, r"^[0-9]{1,15}$").to_numpy(zero_copy_only=False)
        bad |= ~empty & (~plain | row_has_unit)
        nums = pc.if_else(pa.array(plain), col, pa.scalar(None, pa.string())).cast(pa.int64())
        base, year = key
        slot = cv.years.setdefault(year, [pa.nulls(n, pa.int64()), pa.nulls(n, pa.int64())])
        slot[0 if base == "revenue" else 1] = nums
    cv.bad = bad
    return cv


def _investments(loader: Any, t: Table, cols: dict[Any, Any], n: int) -> tuple[list, list, np.ndarray]:
    fmt = t.fmt
    R = RecordRejected
    fund = _text(loader, cols.get("fund"), n)
    bad = np.fromiter((x is None for x in fund), dtype=bool, count=n)
    code, b = _uscc_col(loader, fmt, cols.get("uscc"), n, R)
    bad |= b
    amt, b, amt_text, amt_inv = _amount(loader, fmt, cols, n, "amount", R)
    bad |= b
    date, b, d_uniq, d_inv = _memo2([cols.get("date")], n, lambda r: loader.date(r, "date", fmt), R)
    bad |= b
    rnd = _text(loader, cols.get("round"), n)
    ids = _text(loader, cols.get("id"), n)
    d_text = ["" if u is BAD else _s(u) for u in d_uniq]
    good = np.flatnonzero(~bad).tolist()
    fids = [None if bad[i] else loader.fund_id(fund[i]) for i in range(n)]
    # the ids load._hash gives, hashed over texts joined once per row from parts made once per value
    need = [i for i in good if not ids[i]]
    hashes = dict(zip(need, _sha(f"{fids[i]}\x1f{code[i]}\x1f{d_text[d_inv[i]]}\x1f{_s(rnd[i])}\x1f"
                                 f"{amt_text[amt_inv[i]]}" for i in need), strict=True))
    keys: list[Any] = [None] * n
    payloads: list[Any] = [None] * n
    for i in good:
        fid = fids[i]
        a_v, a_cur, a_cny = amt[i]
        iid = ids[i] or "inv-" + hashes[i]
        keys[i] = iid
        payloads[i] = (iid, fid, fund[i], code[i], a_v, a_cur, a_cny, date[i], rnd[i])
    return keys, payloads, bad


def _selections(loader: Any, t: Table, cols: dict[Any, Any], n: int) -> tuple[list, list, np.ndarray]:
    fmt = t.fmt
    R = RecordRejected
    code, bad = _uscc_col(loader, fmt, cols.get("uscc"), n, R)

    def prog(r: Any) -> str:
        p = loader.required(loader.text(r), "programme", fmt)
        return loader.resolve_or_reject("programme", p, "programme", fmt)

    pid, b = _memo([cols.get("programme")], n, prog, R)
    bad |= b
    category = _text(loader, cols.get("category"), n)
    year, b = _memo([cols.get("year")], n, lambda r: loader.year(r, "year", fmt), R)
    bad |= b
    keys = [None if bad[i] else (code[i], pid[i], year[i]) for i in range(n)]
    payloads = [None if bad[i] else (code[i], pid[i], category[i], year[i]) for i in range(n)]
    return keys, payloads, bad


def _grants(loader: Any, t: Table, cols: dict[Any, Any], n: int) -> tuple[list, list, np.ndarray]:
    fmt = t.fmt
    R = RecordRejected
    code, bad = _uscc_col(loader, fmt, cols.get("uscc"), n, R)

    def clause_of(r: Any) -> str:
        c = loader.required(loader.text(r), "clause", fmt)
        if not CLAUSE_ID.fullmatch(c):
            raise R("clause", "not a clause id")
        return c

    clause, b = _memo([cols.get("clause")], n, clause_of, R)
    bad |= b
    amt, b, amt_text, amt_inv = _amount(loader, fmt, cols, n, "amount", R)
    bad |= b
    year, b = _memo([cols.get("year")], n, lambda r: loader.year(r, "year", fmt), R)
    bad |= b
    ids = _text(loader, cols.get("id"), n)
    good = np.flatnonzero(~bad).tolist()
    need = [i for i in good if not ids[i]]
    hashes = dict(zip(need, _sha(f"{code[i]}\x1f{clause[i]}\x1f{_s(year[i])}\x1f{amt_text[amt_inv[i]]}"
                                 for i in need), strict=True))
    keys: list[Any] = [None] * n
    payloads: list[Any] = [None] * n
    for i in good:
        a_v, a_cur, a_cny = amt[i]
        gid = ids[i] or "grant-" + hashes[i]
        keys[i] = gid
        payloads[i] = (gid, code[i], clause[i], a_v, a_cur, a_cny, year[i])
    return keys, payloads, bad


# --------------------------------------------------------------------------------------------
# Writing: payloads to Arrow tables
# --------------------------------------------------------------------------------------------

def _flat(codes: pa.Array, nested: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(the enterprise of each item, the items) of a list column."""
    return codes.take(pc.list_parent_indices(nested)), pc.list_flatten(nested)


def _enterprise_tables(rows: list[tuple]) -> tuple[dict[str, pa.Table], dict[tuple[str, str, str], pa.Table]]:
    (code, name, founded, cap, cur, cap_cny, employees, listed, ticker, synthetic, industries, place, tax, tiers,
     fin) = zip(*rows, strict=True)
    codes = pa.array(code, pa.string())
    fin_t = pa.list_(pa.struct([("year", pa.int64()), ("revenue_cny", pa.int64()), ("rd_spend_cny", pa.int64())]))
    fins = pa.array(fin, fin_t)
    f_from, f = _flat(codes, fins)
    # the latest year's figures are the enterprise's
    offsets = fins.offsets.to_numpy()
    has = np.diff(offsets) > 0
    last = f.take(pa.array(np.where(has, offsets[1:] - 1, 0))) if len(f) else None

    def latest(field: str) -> pa.Array:
        if last is None:
            return pa.nulls(len(codes), pa.int64())
        return pc.if_else(pa.array(has), last.field(field), pa.scalar(None, pa.int64()))

    ent = pa.table({
        "id": codes, "name": pa.array(name, pa.string()),
        "founded": pa.array(founded, pa.date32()), "registered_capital": pa.array(cap, pa.float64()),
        "currency": pa.array(cur, pa.string()), "registered_capital_cny": pa.array(cap_cny, pa.int64()),
        "employees": pa.array(employees, pa.int64()), "listed": pa.array(listed, pa.bool_()),
        "ticker": pa.array(ticker, pa.string()), "revenue_cny": latest("revenue_cny"),
        "rd_spend_cny": latest("rd_spend_cny"), "figures_year": latest("year"),
        "synthetic": pa.array(synthetic, pa.bool_()),
    })
    nodes = {"Enterprise": ent}
    rels: dict[tuple[str, str, str], pa.Table] = {}
    if len(f):
        f_id = pc.binary_join_element_wise(f_from, pc.cast(f.field("year"), pa.string()), ":")
        nodes["Financial"] = pa.table({"id": f_id, "year": f.field("year"), "revenue_cny": f.field("revenue_cny"),
                                       "rd_spend_cny": f.field("rd_spend_cny")})
        rels[("REPORTED", "Enterprise", "Financial")] = pa.table({"from": f_from, "to": f_id})
    i_from, i_to = _flat(codes, pa.array(industries, pa.list_(pa.string())))
    if len(i_to):
        rels[("IN_INDUSTRY", "Enterprise", "Industry")] = pa.table({"from": i_from, "to": i_to})
    places, taxes = pa.array(place, pa.string()), pa.array(tax, pa.string())
    same = pc.fill_null(pc.equal(places, taxes), False)
    parts = []
    for mask, to, kind in ((same, places, "address+tax"),
                           (pc.and_(pc.invert(same), pc.is_valid(places)), places, "address"),
                           (pc.and_(pc.invert(same), pc.is_valid(taxes)), taxes, "tax")):
        k = pc.sum(mask).as_py() or 0
        if k:
            parts.append(pa.table({"from": codes.filter(mask), "to": to.filter(mask),
                                   "kind": pa.array([kind] * k, pa.string())}))
    if parts:
        rels[("LOCATED_IN", "Enterprise", "Place")] = pa.concat_tables(parts)
    tier_t = pa.list_(pa.struct([("tier", pa.string()), ("year", pa.int64()), ("issuer", pa.string())]))
    t_from, t = _flat(codes, pa.array(tiers, tier_t))
    if len(t):
        rels[("HAS_TIER", "Enterprise", "Tier")] = pa.table({"from": t_from, "to": t.field("tier"),
                                                             "year": t.field("year"), "issuer": t.field("issuer")})
    return nodes, rels


def _batch_tables(batch: GraphBatch) -> tuple[dict[str, pa.Table], dict[tuple[str, str, str], pa.Table]]:
    """A GraphBatch as Arrow tables typed by the schema (rows de-duplicated by key, the last kept,
    as Backend.write does)."""
    from policykg.graph.schema import load_schema

    schema = load_schema()

    def table(rows: list[dict[str, Any]], props: dict[str, Any], ends: bool) -> pa.Table:
        names: dict[str, None] = {}
        for r in rows:
            names.update(dict.fromkeys(r))
        cols = {}
        for k in names:
            typ = pa.string() if k in ("from", "to") and ends else arrow_type(props[k].type) if k in props else None
            cols[k] = pa.array([r.get(k) for r in rows], typ)
        return pa.table(cols)

    nodes = {}
    for label, rows in batch.nodes.items():
        nt = schema.node(label)
        nodes[label] = table(dedupe(rows, key=lambda r: r[nt.key]), nt.properties, False)
    rels = {k: table(dedupe(rows, key=lambda r: (r["from"], r["to"])), schema.rel(k[0]).properties, True)
            for k, rows in batch.relationships.items()}
    return nodes, rels


def tables_for(kind: str, loader: Any, rows: list[tuple]) -> tuple[dict[str, pa.Table], dict]:
    """The Arrow tables to write for one chunk of validated payloads of a table of ``kind``."""
    if kind == "enterprises":
        return _enterprise_tables(rows)
    if kind == "investments":
        iid, fid, _name, code, amount, cur, amount_cny, date, rnd = (list(c) for c in zip(*rows, strict=True))
        return ({"Investment": pa.table({"id": pa.array(iid, pa.string()), "amount": pa.array(amount, pa.float64()),
                                         "currency": pa.array(cur, pa.string()),
                                         "amount_cny": pa.array(amount_cny, pa.int64()),
                                         "date": pa.array(date, pa.date32()), "round": pa.array(rnd, pa.string())})},
                {("MADE", "Fund", "Investment"): pa.table({"from": pa.array(fid, pa.string()),
                                                           "to": pa.array(iid, pa.string())}),
                 ("INVESTED_IN", "Investment", "Enterprise"): pa.table({"from": pa.array(iid, pa.string()),
                                                                        "to": pa.array(code, pa.string())})})
    if kind == "grants":
        gid, code, clause, amount, cur, amount_cny, year = (list(c) for c in zip(*rows, strict=True))
        return ({"Grant": pa.table({"id": pa.array(gid, pa.string()), "amount": pa.array(amount, pa.float64()),
                                    "currency": pa.array(cur, pa.string()),
                                    "amount_cny": pa.array(amount_cny, pa.int64()),
                                    "year": pa.array(year, pa.int64())})},
                {("RECEIVED", "Enterprise", "Grant"): pa.table({"from": pa.array(code, pa.string()),
                                                                "to": pa.array(gid, pa.string())}),
                 ("GRANTED_UNDER", "Grant", "Clause"): pa.table({"from": pa.array(gid, pa.string()),
                                                                 "to": pa.array(clause, pa.string())})})
    return _batch_tables(getattr(loader, f"b_{kind}")(rows))

