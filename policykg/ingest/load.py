"""Enterprise data into the graph: ``policykg load``.

Tables (see :mod:`policykg.ingest.tabular` and ``policykg/graph/imports.yaml``) are read in load
order (enterprises, funds, investments, selections, grants), in chunks of ``chunk_size``
records. Each record is validated (USCC check character, dates, amounts with units and
currencies, taxonomy names, references to enterprises, funds and clauses); each chunk's valid
records go to the graph through :meth:`Backend.write` (the backends' bulk paths), and every
rejected record goes, with its file, line, field and reason, to ``<input stem>.rejects.csv``
beside the input (UTF-8 with BOM, so that Excel opens it). Memory holds one chunk plus the keys
seen so far, whatever the size of the files.

Rules:

- Ids are deterministic, so loading the same files again changes nothing: Enterprise = USCC;
  Fund = the taxonomy's id for a fund it knows, else ``fund-`` + 12 hex digits of the SHA-256 of
  the name; Investment = the ``id`` column, else ``inv-`` + a hash of (fund, enterprise, date,
  round, amount, currency); Grant = the ``id`` column, else ``grant-`` + a hash of (enterprise,
  clause, year, amount, currency); Financial = ``USCC:year``.
- Duplicate keys within one load: an identical record again is counted as loaded (and as a
  duplicate) and written once; a record with the same key and different values is rejected,
  naming the line of the first.
- HAS_TIER and SELECTED_IN are identified by their two endpoints: one enterprise holds a tier
  (is selected in a programme) once, and within a load the latest year wins.
- A record that refers to an enterprise, fund or clause that is neither loaded now nor in the
  graph is rejected, saying so, or naming the line where that enterprise or fund was rejected.
- Reference data is put in place as needed: the taxonomy's missing nodes (and its
  relationships) on every load; the packaged seed policy when a grants table refers to its
  clauses and it is not in the graph yet.
- Loading adds and updates; it never deletes nodes or relationships.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykg.errors import PolicyKGError, QueryError, QueryTimeout, ValidationError
from policykg.graph.base import Backend, GraphBatch
from policykg.ingest import uscc as _uscc
from policykg.ingest.money import CURRENCIES, parse_amount, whole_cny
from policykg.ingest.tabular import CLAUSE_ID, Format, Record, RecordRejected, Table, control_class, find_tables

__all__ = ["CHUNK", "LoadReport", "TableReport", "fund_id", "load_paths"]

CHUNK = 50_000
FAST_CHUNK = 250_000  # rows per chunk on the columnar path
WRITE_ROWS = 500_000  # enterprise rows gathered (as Arrow tables) before one bulk write (a COPY into a
# non-empty table costs more than one into an empty one: fewer, larger copies are cheaper)
QUEUE_BYTES = 256 << 20  # Arrow tables queued for the writer thread besides the write it is making
_NEW_LABELS = ("Enterprise", "Financial", "Investment", "Grant")  # keys a load makes, never reference data
_MASK = (1 << 64) - 1
_FAST = 1 << 126  # in ``seen``: a row of the columnar path, its fingerprint not computed yet
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WHOLE_WITH_UNIT = re.compile(r"(\d{1,15})\s*([千万亿百]*[元万亿千]|[千万亿百]*(?:美元|港元|欧元|日元|英镑))")
_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DATE8_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YEAR_RE = re.compile(r"((?:19|20|21)\d{2})(?:\.0)?\s*年?度?")
_INT_RE = re.compile(r"(\d+)(?:\.0+)?\s*(?:人|名|个)?")
_LIST_SPLIT = re.compile(r"[;；、,，|\n]")
_TIER_SPLIT = re.compile(r"[;；\n|]")  # entries of a tiers cell
_TIER_FIELDS = re.compile(r"[:：]")  # name:year:issuer within an entry
_TRUE = frozenset({"true", "yes", "y", "1", "是", "t", "已上市", "上市", "√"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "f", "未上市", "×"})
_CURRENCY = {unicodedata.normalize("NFKC", k).upper(): v for k, v in CURRENCIES.items()}
_CONTROL = re.compile(control_class())  # a record holding one is rejected, not cleaned
#: how a spreadsheet may read a cell as a formula (OWASP, CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

@dataclass
class TableReport:
    """What happened to one table: read = loaded + rejected (duplicates are among the loaded)."""

    file: str
    kind: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicates: int = 0
    rejects_file: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    #: the line of the first record past POLICYKG_MAX_FILE_ROWS (rejected; the rest were not read)
    stopped_at: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "kind": self.kind, "read": self.read, "loaded": self.loaded,
                "rejected": self.rejected, "duplicates": self.duplicates, "rejects_file": self.rejects_file,
                "ignored_columns": self.ignored_columns, "stopped_at": self.stopped_at}


@dataclass
class LoadReport:
    tables: list[TableReport] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)
    reference: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def read(self) -> int:
        return sum(t.read for t in self.tables)

    @property
    def loaded(self) -> int:
        return sum(t.loaded for t in self.tables)

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables)

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def by_kind(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for t in self.tables:
            k = out.setdefault(t.kind, {"read": 0, "loaded": 0, "rejected": 0, "duplicates": 0})
            k["read"] += t.read
            k["loaded"] += t.loaded
            k["rejected"] += t.rejected
            k["duplicates"] += t.duplicates
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"read": self.read, "loaded": self.loaded, "rejected": self.rejected, "ok": self.ok,
                "kinds": self.by_kind(), "tables": [t.to_dict() for t in self.tables],
                "written": self.written, "reference": self.reference, "seconds": round(self.seconds, 3)}


# --------------------------------------------------------------------------------------------
# Ids
# --------------------------------------------------------------------------------------------

def _norm_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split())


def _hash(*parts: Any, n: int = 16) -> str:
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def fund_id(name: str, taxonomy: Any = None) -> str:
    """A fund's graph id: the taxonomy's id when it knows the name, else ``fund-`` + a hash."""
    if taxonomy is not None:
        entry = taxonomy.resolve("fund", name)
        if entry is not None:
            return entry.id
    return "fund-" + _hash(_norm_name(name), n=12)


def _seed_document_id() -> str:
    from policykg.ingest.policy import seed_document

    return seed_document().document.id


# --------------------------------------------------------------------------------------------
# Rejects
# --------------------------------------------------------------------------------------------

class _Rejects:
    """``<stem>.rejects.csv`` for one table, written as records are rejected."""

    def __init__(self, table: Table, path: Path) -> None:
        self.table = table
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        self.count = 0
        self._file: Any = None
        self._writer: Any = None

    def add(self, line: int, field_: str, reason: str, raw: Any) -> None:
        if self._writer is None:
            self._file = open(self.tmp, "w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            hm = self.table.hmap
            if self.table.container == "jsonl" or hm is None:
                extra = ["record"]
            else:
                extra = hm.header
            self._writer.writerow(["file", "line", "field", "reason", *(_sheet_safe(h) for h in extra)])
        if isinstance(raw, (list, tuple)):
            cells = ["" if c is None else str(c) for c in raw]
        else:
            cells = ["" if raw is None else str(raw)]
        self._writer.writerow([_sheet_safe(self.table.label), line,
                               *(_sheet_safe(c) for c in (field_, reason, *cells))])
        self.count += 1

    def close(self) -> str | None:
        if self._file is not None:
            self._file.close()
            self.tmp.replace(self.path)
            return str(self.path)
        if self.path.exists():  # a stale file from an earlier load of the same input
            self.path.unlink()
        return None

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self.tmp.unlink(missing_ok=True)


def _sheet_safe(cell: str) -> str:
    """A rejects-file cell that a spreadsheet shows as text: control characters as their visible
    symbols (U+2400...), and a cell that would start a formula prefixed with a single quote."""
    if _CONTROL.search(cell):
        cell = _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())) if ord(m.group()) < 0x20 else
                            "\u2421" if m.group() == "\x7f" else "\ufffd", cell)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


# --------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------

class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                TextColumn("{task.fields[records]} records"), TimeElapsedColumn(),
                                TimeRemainingColumn(), console=Console(stderr=True), transient=False)
            self.bar.start()
        self.task: Any = None

    def start(self, table: Table) -> None:
        if self.bar is not None:
            self.task = self.bar.add_task(f"{table.kind:<11} {table.label}", total=max(table.size, 1), records=0)

    def update(self, table: Table, records: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=table.position, records=records)

    def finish(self, table: Table, records: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=max(table.size, 1), records=records)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


# --------------------------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------------------------

class _Loader:
    def __init__(self, backend: Backend, chunk_size: int, fast: bool = True) -> None:
        from policykg.ingest.taxonomy import load_taxonomy
        from policykg.settings import Settings

        self.backend = backend
        self.chunk_size = chunk_size
        self.fast = fast
        settings = getattr(backend, "settings", None)
        defaults = Settings.model_fields
        self.max_chars = getattr(settings, "max_cell_chars", defaults["max_cell_chars"].default)
        self.max_rows = getattr(settings, "max_file_rows", defaults["max_file_rows"].default)
        self._pending: list[tuple[dict, dict]] = []  # enterprise tables not written yet
        self._pending_rows = 0
        self._pending_origin: list[tuple] = []  # where the pending tables' rows came from (see _bisect)
        self._ctx: _TableCtx | None = None  # the table being loaded
        # per table index: what it takes to validate a columnar row again (see _fingerprint)
        self.fast_raw: dict[int, tuple[Table, Any, int, Any, Any]] = {}
        self.taxonomy = load_taxonomy()
        self.today = dt.date.today()
        self.report = LoadReport()
        self.labels: list[str] = []
        self._resolved: dict[tuple[str, str], str | None] = {}
        self._units: dict[str, tuple[float, str | None] | str] = {}
        self._tier_parts: dict[tuple[str, str, str], Any] = {}  # see _tiers_text
        self._tax_funds: dict[str, dict[str, Any]] = {}
        # keys seen in this load: key -> fingerprint | line << 64 | table index << 100
        self.seen: dict[str, dict[Any, int]] = {k: {} for k in ("enterprises", "funds", "investments", "selections",
                                                               "grants")}
        # rejected enterprises and funds, for the reasons of records that refer to them
        self.rej_ent: dict[str, tuple[int, int]] = {}
        self.rej_ent17: dict[str, tuple[int, int, str]] = {}
        self.rej_fund: dict[str, tuple[int, int]] = {}
        # references found in the graph
        self.in_graph: dict[str, set[str]] = {"Enterprise": set(), "Fund": set(), "Clause": set()}
        self.latest_sel: dict[tuple[str, str], int] = {}
        self.seed_checked = False
        # labels empty when the load began: the keys the load writes to them are new (the loader
        # writes each key once), so the backend need not look them up
        self.new_labels: set[str] = set()
        # the writes in flight (columnar path and reference data), in order on one writer thread:
        # the engine copies one chunk while the next is converted (the engine releases the GIL).
        # Besides the oldest, at most QUEUE_BYTES of tables wait, so memory holds about two chunks
        self._executor: Any = None
        self._inflight: list[tuple[Any, str, int, list | None]] = []  # (future, table label, bytes, origin)
        self._failed = False  # a write failed: the writes queued after it are not made
        self.current = ""  # the label of the table being loaded
        self.fig_keys: list[Any] | None = None  # the current table's revenue / rd_spend columns
        self.units: dict[Any, str] = {}  # the current table's units from its header (注册资本(万元))

    # --- reference data -------------------------------------------------------------------
    def put_taxonomy(self) -> None:
        """The taxonomy's missing nodes and relationships, written on the writer thread (before any
        table's rows, which refer to them) while the first table is read."""
        from policykg.ingest.policy import ensure_taxonomy

        for row in self.taxonomy.to_batch().nodes.get("Fund", []):
            self._tax_funds[row["id"]] = row
        def write() -> dict[str, int]:
            ensure_taxonomy(self.backend)
            return {}

        self._submit(write, "taxonomy", 0)
        self.report.reference.append("taxonomy (in place)")

    def find_new_labels(self) -> None:
        nodes = self.backend.counts()["nodes"]
        self.new_labels = {label for label in _NEW_LABELS if nodes.get(label, 0) == 0}

    def put_seed(self, refs: Iterable[str]) -> None:
        """The packaged seed policy, when ``refs`` (clause ids) refer to it and it is not in the
        graph: written on the writer thread, after the taxonomy. Its clauses count as in the graph."""
        if self.seed_checked:
            return
        seed = _seed_document_id()
        if not any(r.startswith(seed + ":") for r in refs):
            return
        self.seed_checked = True
        # no write in flight makes documents: the look-up need not wait for them
        if self.backend.missing_ids("PolicyDocument", {seed}):
            from policykg.ingest.policy import ingest_document, seed_document

            doc = seed_document()

            def write() -> dict[str, int]:
                # the taxonomy is in place (put_taxonomy, queued before): not written again
                ingest_document(self.backend, doc, taxonomy=False)
                return {}

            self._submit(write, "seed policy", 0)
            self.in_graph["Clause"].update(c.id for c in doc.clauses)
            self.report.reference.append(f"seed policy {seed} (ingested: grants refer to its clauses)")

    def _write(self, batch: GraphBatch, origin: list[tuple]) -> None:
        self.wait()
        try:
            written = self.backend.write(batch)
        except BaseException as exc:
            if not _refusal(exc):
                raise
            self._apply(self._bisect(origin))
            return
        for k, v in written.items():
            self.report.written[k] = self.report.written.get(k, 0) + v

    def _write_fast(self, kind: str, rows: list[tuple], origin: list[tuple]) -> None:
        from policykg.ingest.columnar import tables_for

        nodes, rels = tables_for(kind, self, rows)
        if kind == "enterprises":
            # enterprises of later chunks are new keys too (the loader de-duplicates): written
            # together, they are one bulk copy per table and their relationships need no look-up
            self._pending.append((nodes, rels))
            self._pending_origin.extend(origin)
            self._pending_rows += nodes["Enterprise"].num_rows
            if self._pending_rows >= WRITE_ROWS:
                self.write_pending()
            return
        self._write_tables(nodes, rels, origin)

    def write_pending(self) -> None:
        import pyarrow as pa

        if not self._pending:
            return
        nodes: dict[str, Any] = {}
        rels: dict[Any, Any] = {}
        for n, r in self._pending:
            for k, v in n.items():
                nodes.setdefault(k, []).append(v)
            for k, v in r.items():
                rels.setdefault(k, []).append(v)
        origin, self._pending_origin = self._pending_origin, []
        self._pending, self._pending_rows = [], 0
        self._write_tables({k: pa.concat_tables(v) for k, v in nodes.items()},
                           {k: pa.concat_tables(v) for k, v in rels.items()}, origin)

    def _presence(self) -> dict[str, Any]:
        return {"Enterprise": self._present("enterprises", "Enterprise"), "Fund": self._present("funds", "Fund"),
                "Clause": self.in_graph["Clause"]}

    def _write_tables(self, nodes: dict[str, Any], rels: dict[Any, Any], origin: list[tuple]) -> None:
        """Hand the tables to the writer thread (queued after the writes before them)."""
        present = self._presence()
        size = sum(t.nbytes for t in nodes.values()) + sum(t.nbytes for t in rels.values())
        new = frozenset(self.new_labels)
        self._submit(lambda: self.backend.write_tables(nodes, rels, present=present, new=new), self.current, size,
                     origin)

    # --- rows the graph refuses -----------------------------------------------------------
    # A write the engine refuses (a value it cannot store or index) is not the end of the load: its
    # rows are written again in halves, down to the single rows it refuses, which become rejects
    # with the engine's reason; the write's other rows are loaded. A write's ``origin`` lists where
    # its rows came from: (table context, "rows", [(record, key, payload)...]) or (table context,
    # "bulk", block, row indexes) for enterprises converted by column.

    def _origin_rows(self, origin: list[tuple]) -> list[tuple[_TableCtx, list[tuple]]]:
        groups: list[tuple[_TableCtx, list[tuple]]] = []
        for seg in origin:
            ctx = seg[0]
            rows = seg[2] if seg[1] == "rows" else [seg[2].row(i) for i in seg[3].tolist()]
            if groups and groups[-1][0] is ctx:
                groups[-1][1].extend(rows)
            else:
                groups.append((ctx, list(rows)))
        return groups

    def _bisect(self, origin: list[tuple]) -> _Salvaged:
        """Write the rows of a refused write again, in halves, down to the rows the engine refuses."""
        from policykg.ingest.columnar import tables_for

        out = _Salvaged()

        def write(kind: str, payloads: list[tuple]) -> dict[str, int]:
            if not self.fast:
                return self.backend.write(getattr(self, f"b_{kind}")(payloads))
            nodes, rels = tables_for(kind, self, payloads)
            # part of the refused write may be in the graph: keys are looked up, not assumed new
            return self.backend.write_tables(nodes, rels, present=self._presence(), new=frozenset())

        def halves(ctx: _TableCtx, rows: list[tuple]) -> None:
            for part in (rows[: len(rows) // 2], rows[len(rows) // 2:]):
                if not part:
                    continue
                try:
                    written = write(ctx.kind, [p for _, _, p in part])
                except BaseException as exc:
                    if not _refusal(exc):
                        raise
                    if len(part) == 1:
                        message = getattr(exc, "message", str(exc))
                        out.refused.append((ctx, part[0], f"the graph ({self.backend.name}) refused this record: "
                                                          f"{message}"))
                    else:
                        halves(ctx, part)
                    continue
                for k, v in written.items():
                    out.written[k] = out.written.get(k, 0) + v

        for ctx, rows in self._origin_rows(origin):
            halves(ctx, rows)
        return out

    def _apply(self, salvaged: _Salvaged) -> None:
        """Count what the halves wrote, and reject the rows the engine refused (counted loaded before)."""
        for k, v in salvaged.written.items():
            self.report.written[k] = self.report.written.get(k, 0) + v
        for ctx, (rec, key, _), reason in salvaged.refused:
            ctx.refuse(rec, key, reason)

    def _present(self, kind: str, label: str) -> Any:
        """Ids known to exist: loaded now or found in the graph. (Only spares the backend look-ups:
        an id missing here is looked up.) The keys seen when nothing was found in the graph (the
        usual case) are a dict, whose membership test costs no Python call per id."""
        if not self.in_graph[label]:
            return self.seen[kind]
        return _Either(self.seen[kind], self.in_graph[label])

    def _submit(self, write: Callable[[], dict[str, int]], label: str, size: int,
                origin: list[tuple] | None = None) -> None:
        """Queue ``write`` on the writer thread: the writes run one at a time, in order. Waits first
        while the writes queued besides the oldest (the one running) and this one hold more than
        QUEUE_BYTES of tables."""
        from concurrent.futures import ThreadPoolExecutor

        while self._inflight and sum(s for _, _, s, _ in self._inflight[1:]) + size > QUEUE_BYTES:
            self._wait_one()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policykg-load")

        def run() -> dict[str, int]:
            if self._failed:  # an earlier write failed: the load stops there
                return {}
            try:
                return write()
            except BaseException as exc:
                if origin is None or not _refusal(exc):  # a refused write is written again in halves
                    self._failed = True
                raise

        self._inflight.append((self._executor.submit(run), label, size, origin))

    def _wait_one(self) -> None:
        future, label, _, origin = self._inflight.pop(0)
        try:
            written = future.result()
        except BaseException as exc:
            if origin is not None and _refusal(exc) and not self._failed:
                # in halves, on the writer thread, after the writes queued meanwhile
                self._inflight.append((self._executor.submit(self._bisect, origin), label, 0, None))
                return
            for f, _, _, _ in self._inflight:
                f.cancel()
            self._inflight.clear()
            self._failed = True
            raise
        if isinstance(written, _Salvaged):
            self._apply(written)
            return
        for k, v in written.items():
            self.report.written[k] = self.report.written.get(k, 0) + v

    def wait(self) -> None:
        """Wait for the writes in flight; before anything reads the graph or writes another way."""
        while self._inflight:
            label = self._inflight[0][1]
            try:
                self._wait_one()
            except ValidationError as exc:  # pragma: no cover - validation above should prevent it
                raise PolicyKGError(f"{label}: the graph refused a chunk: {exc.message}") from None

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None

    # --- cell conversions -----------------------------------------------------------------
    def resolve(self, kind: str, text: str) -> str | None:
        key = (kind, text)
        try:
            return self._resolved[key]
        except KeyError:
            entry = self.taxonomy.resolve(kind, text)
            rid = entry.id if entry is not None else None
            self._resolved[key] = rid
            return rid

    @staticmethod
    def text(raw: Any) -> str | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            s = raw.strip()
            return s or None
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return str(raw)

    def date(self, raw: Any, col: str, fmt: Format) -> dt.date | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, dt.datetime):
            d = raw.date()
        elif isinstance(raw, dt.date):
            d = raw
        else:
            s = str(raw).strip()
            if not s:
                return None
            try:
                if len(s) == 10 and s[4] == "-" and s[7] == "-":
                    d = dt.date.fromisoformat(s)
                else:
                    m = _DATE_RE.fullmatch(s) or _DATE8_RE.fullmatch(s)
                    if not m:
                        raise ValueError
                    d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise RecordRejected(col, f"{fmt.describe(col)}: {s!r} is not a date (write 2024-03-01, 2024/3/1 "
                                   "or 2024年3月1日)") from None
        if d > self.today:
            raise RecordRejected(col, f"{fmt.describe(col)}: {d.isoformat()} is in the future")
        return d

    @staticmethod
    def year(raw: Any, col: str, fmt: Format) -> int | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, int) and not isinstance(raw, bool):
            y = raw
        else:
            m = _YEAR_RE.fullmatch(str(raw).strip())
            if not m:
                raise RecordRejected(col, f"{fmt.describe(col)}: {raw!r} is not a year (write 2024)")
            y = int(m.group(1))
        if not 1900 <= y <= 2100:
            raise RecordRejected(col, f"{fmt.describe(col)}: {y} is not a plausible year (1900-2100)")
        return y

    @staticmethod
    def integer(raw: Any, col: str, fmt: Format) -> int | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            raise RecordRejected(col, f"{fmt.describe(col)}: {raw!r} is not a whole number")
        if isinstance(raw, int):
            v = raw
        elif isinstance(raw, float) and raw.is_integer():
            v = int(raw)
        else:
            s = str(raw).strip().replace(",", "")
            m = _INT_RE.fullmatch(s)
            if not m:
                if s.startswith("-") and _INT_RE.fullmatch(s[1:]):
                    raise RecordRejected(col, f"{fmt.describe(col)}: {raw!r} is negative")
                raise RecordRejected(col, f"{fmt.describe(col)}: {raw!r} is not a whole number")
            v = int(m.group(1))
        if v < 0:
            raise RecordRejected(col, f"{fmt.describe(col)}: {raw!r} is negative")
        return v

    @staticmethod
    def boolean(raw: Any, col: str, fmt: Format) -> bool | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            return raw
        s = str(raw).strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        if not s:
            return None
        raise RecordRejected(col, f"{fmt.describe(col)}: {raw!r} is not true or false (write true/false, 是/否)")

    @staticmethod
    def currency(raw: Any, col: str, fmt: Format) -> str | None:
        if raw is None:
            return None
        s = unicodedata.normalize("NFKC", str(raw)).strip().upper()
        if not s:
            return None
        code = _CURRENCY.get(s)
        if code is None:
            raise RecordRejected(col, f"{fmt.describe(col)}: unknown currency {raw!r} (known: CNY/人民币, USD/美元, HKD/港元, "
                               "EUR/欧元, JPY/日元, GBP/英镑)")
        return code

    def unit(self, raw: Any, col: str, fmt: Format) -> str | None:
        s = self.text(raw)
        if s is None:
            return None
        if self._unit(s) is None:
            raise RecordRejected(col, f"{fmt.describe(col)}: {s!r} is not a money unit (write 元, 万元, 亿元 or 万美元)")
        return s

    def _unit(self, unit: str) -> tuple[float, str | None] | None:
        """(multiplier, currency or None) of a unit text, or None when it is not one."""
        got = self._units.get(unit)
        if got is None:
            try:
                a = parse_amount("1", default_unit=unit, default_currency="JPY")
                b = parse_amount("1", default_unit=unit, default_currency="GBP")
                got = (a.value, a.currency if a.currency == b.currency else None)
            except ValueError:
                got = "bad"
            self._units[unit] = got
        return None if got == "bad" else got  # type: ignore[return-value]

    def amount(self, raw: Any, col: str, fmt: Format, unit: str | None, currency: str | None
               ) -> tuple[float, str] | None:
        """(value, currency) of an amount cell; the column's currency must agree with the cell's."""
        if raw is None:
            return None
        if isinstance(raw, str):
            s = raw.strip()
            if not s:
                return None
            if unit is None:
                if _PLAIN_NUMBER.fullmatch(s):
                    return float(s), currency or "CNY"
                m = _WHOLE_WITH_UNIT.fullmatch(s)
                if m:  # 5000万元: exact in integers, the unit's meaning from money.parse_amount (cached)
                    u = self._unit(m.group(2))
                    if u is not None and u[0].is_integer():
                        cur = u[1] or currency or "CNY"
                        if currency is None or cur == currency:
                            return float(int(m.group(1)) * int(u[0])), cur
        else:
            s = raw
        try:
            a = parse_amount(s, default_unit=unit, default_currency=currency or "CNY")
        except ValueError as exc:
            raise RecordRejected(col, f"{fmt.describe(col)}: {exc}") from None
        if currency is not None and a.currency != currency:
            raise RecordRejected(col, f"{fmt.describe(col)}: {raw!r} is in {a.currency} but the currency column says "
                               f"{currency}")
        return a.value, a.currency

    def items(self, raw: Any) -> list[str]:
        if raw is None:
            return []
        if isinstance(raw, (list, tuple)):
            parts = [self.text(x) for x in raw]
        else:
            parts = [p.strip() for p in _LIST_SPLIT.split(str(raw))]
        out: list[str] = []
        for p in parts:
            if p and p not in out:
                out.append(p)
        return out

    def resolve_or_reject(self, kind: str, text: str, col: str, fmt: Format) -> str:
        rid = self.resolve(kind, text)
        if rid is None:
            raise RecordRejected(col, f"{fmt.describe(col)}: unknown {_WHAT[kind]} {text!r} (not a name, synonym, code or "
                               "id in the taxonomy)")
        return rid

    def tiers(self, raw: Any, col: str, fmt: Format) -> tuple[tuple[str, int | None, str | None], ...]:
        if raw is None or raw == "":
            return ()
        if not isinstance(raw, (list, tuple)):
            return self._tiers_text(str(raw), col, fmt)
        entries: list[tuple[str, Any, Any]] = []
        for item in raw:
            if isinstance(item, dict):
                entries.append((str(item.get("tier") or item.get("name") or ""), item.get("year"),
                                item.get("issuer")))
            else:
                entries.extend(self._tier_items(str(item)))
        best: dict[str, tuple[str, int | None, str | None]] = {}
        for name, year, issuer in entries:
            got = self._tier_entry(name, year, issuer, col, fmt)
            if got is not None:
                self._best_tier(best, got)
        return tuple(sorted(best.values()))

    def _tier_entry(self, name: str, year: Any, issuer: Any, col: str, fmt: Format
                    ) -> tuple[str, int | None, str | None] | None:
        """(tier id, year, issuer) of one entry of a tiers cell; None for an entry without a name."""
        name = name.strip()
        if not name:
            return None
        tid = self.resolve_or_reject("tier", name, col, fmt)
        y = self.year(year, col, fmt) if year not in (None, "") else None
        return tid, y, self.text(issuer)

    @staticmethod
    def _best_tier(best: dict[str, tuple[str, int | None, str | None]], entry: tuple[str, int | None, str | None]
                   ) -> None:
        old = best.get(entry[0])
        if old is None or (entry[1] or 0) >= (old[1] or 0):
            best[entry[0]] = entry

    def _tiers_text(self, text: str, col: str, fmt: Format) -> tuple[tuple[str, int | None, str | None], ...]:
        """``tiers`` of a text cell (名称:年份:发文单位 entries): each distinct entry is read once per load
        (a cell repeats entries that other cells have), its reject kept as the reason it gives."""
        cache = self._tier_parts
        if len(cache) > 100_000:
            cache.clear()
        best: dict[str, tuple[str, int | None, str | None]] = {}
        for part in _TIER_SPLIT.split(text):
            part = part.strip()
            if not part:
                continue
            key = (part, col, fmt.kind)
            got = cache.get(key, cache)
            if got is cache:
                bits: list[Any] = [b.strip() for b in _TIER_FIELDS.split(part, maxsplit=2)]
                bits += [None] * (3 - len(bits))
                try:
                    got = self._tier_entry(bits[0], bits[1], bits[2], col, fmt)
                except RecordRejected as r:
                    got = (r.field, r.reason, RecordRejected)
                cache[key] = got
            if got is None:
                continue
            if got[2] is RecordRejected:
                raise RecordRejected(got[0], got[1])
            self._best_tier(best, got)
        return tuple(sorted(best.values()))

    @staticmethod
    def _tier_items(text: str) -> list[tuple[str, Any, Any]]:
        out = []
        for part in _TIER_SPLIT.split(text):
            part = part.strip()
            if not part:
                continue
            bits = [b.strip() for b in _TIER_FIELDS.split(part, maxsplit=2)]
            bits += [None] * (3 - len(bits))
            out.append((bits[0], bits[1], bits[2]))
        return out

    def uscc(self, raw: Any, col: str, fmt: Format) -> str:
        if raw is None or raw == "":
            raise RecordRejected(col, f"{fmt.describe(col)} is empty (it is required)")
        s = raw.strip() if isinstance(raw, str) else str(raw)
        if _uscc.is_valid(s):
            return s
        try:
            return _uscc.parse(s)
        except ValueError as exc:
            raise RecordRejected(col, str(exc)) from None

    @staticmethod
    def required(value: Any, col: str, fmt: Format) -> Any:
        if value is None:
            raise RecordRejected(col, f"{fmt.describe(col)} is empty (it is required)")
        return value

    def check_cells(self, rec: Record, fmt: Format) -> None:
        """Reject a record with a text cell longer than POLICYKG_MAX_CELL_CHARS, or holding a control
        character (tab, line feed and carriage return excepted) anywhere: rejected, never cleaned."""
        for key, value in rec.values.items():
            for text in _texts(value):
                col = key if isinstance(key, str) else key[0]
                where = fmt.describe(col) if col in fmt.columns else col
                if len(text) > self.max_chars:
                    raise RecordRejected(col, f"{where}: {len(text):,} characters, more than the {self.max_chars:,} a cell "
                                       "may hold (POLICYKG_MAX_CELL_CHARS)")
                m = _CONTROL.search(text)
                if m:
                    raise RecordRejected(col, f"{where}: control character U+{ord(m.group()):04X} at character "
                                       f"{m.start() + 1}: the record is rejected, not cleaned (remove it at the source)")

    # --- validators: Record -> (key, fingerprint, payload) --------------------------------
    def v_enterprise(self, rec: Record, t: Table) -> tuple[str, tuple]:
        fmt = t.fmt
        v = rec.values
        units = self.units
        code = self.uscc(v.get("uscc"), "uscc", fmt)
        name = self.required(self.text(v.get("name")), "name", fmt)
        founded = self.date(v.get("founded"), "founded", fmt)
        row_unit = self.unit(v.get("unit"), "unit", fmt)
        cur = self.currency(v.get("currency"), "currency", fmt)
        cap = self.amount(v.get("registered_capital"), "registered_capital", fmt,
                          units.get("registered_capital") or row_unit, cur)
        employees = self.integer(v.get("employees"), "employees", fmt)
        listed = self.boolean(v.get("listed"), "listed", fmt)
        ticker = self.text(v.get("ticker"))
        synthetic = self.boolean(v.get("synthetic"), "synthetic", fmt)
        industries = tuple(sorted({self.resolve_or_reject("industry", x, "industries", fmt)
                                   for x in self.items(v.get("industries"))}))
        place = self.text(v.get("place"))
        place_id = self.resolve_or_reject("place", place, "place", fmt) if place else None
        tax = self.text(v.get("tax_place"))
        tax_id = self.resolve_or_reject("place", tax, "tax_place", fmt) if tax else None
        tiers = self.tiers(v.get("tiers"), "tiers", fmt)
        figures: dict[int, list[int | None]] = {}
        undated_year = None
        fig_keys = self.fig_keys if self.fig_keys is not None else [
            k for k in v if isinstance(k, tuple) or k in ("revenue", "rd_spend")]
        for key in fig_keys:
            raw = v.get(key)
            if raw is None or raw == "":
                continue
            if isinstance(key, tuple):
                base, year = key
            else:
                if isinstance(raw, str) and not raw.strip():
                    continue
                if undated_year is None:
                    undated_year = self.year(v.get("year"), "year", fmt)
                    if undated_year is None:
                        raise RecordRejected(key, f"{fmt.describe(key)}: which year? Add a year (年度) column or name "
                                           f"the column {key}_2024")
                base, year = key, undated_year
            if isinstance(raw, str) and row_unit is None and key not in units and _PLAIN_NUMBER.fullmatch(raw):
                f = float(raw)
                cny = int(f) if f.is_integer() else whole_cny(f, "CNY")
            else:
                amt = self.amount(raw, base, fmt, units.get(key) or row_unit, None)
                if amt is None:
                    continue
                cny = whole_cny(amt[0], amt[1])
                if cny is None:
                    raise RecordRejected(base, f"{fmt.describe(base)}: {raw!r} is in {amt[1]}; figures are kept in yuan and "
                                        "no exchange rate is assumed: give it in CNY")
            slot = figures.get(year)
            if slot is None:
                slot = figures[year] = [None, None]
            slot[0 if base == "revenue" else 1] = cny
        fin = tuple((y, r, d) for y, (r, d) in sorted(figures.items()))
        cap_v, cap_cur = cap if cap else (None, cur)
        payload = (code, name, founded, cap_v, cap_cur, whole_cny(cap_v, cap_cur) if cap_v is not None else None,
                   employees, listed, ticker, synthetic, industries, place_id, tax_id, tiers, fin)
        return code, payload

    def v_fund(self, rec: Record, t: Table) -> tuple[str, tuple]:
        fmt = t.fmt
        v = rec.values
        units = self.units
        name = self.required(self.text(v.get("name")), "name", fmt)
        fid = self.fund_id(name)
        row_unit = self.unit(v.get("unit"), "unit", fmt)
        cur = self.currency(v.get("currency"), "currency", fmt)
        size = self.amount(v.get("size"), "size", fmt, units.get("size") or row_unit, cur)
        size_v, size_cur = size if size else (None, cur)
        payload = (fid, name, size_v, size_cur, whole_cny(size_v, size_cur) if size_v is not None else None,
                   self.text(v.get("manager")), self.text(v.get("kind")))
        return fid, payload

    def fund_id(self, name: str) -> str:
        key = ("fund", name)
        rid = self._resolved.get(key, "")
        if rid == "":
            rid = fund_id(name, self.taxonomy)
            self._resolved[key] = rid
        return rid  # type: ignore[return-value]

    def v_investment(self, rec: Record, t: Table) -> tuple[str, tuple]:
        fmt = t.fmt
        v = rec.values
        units = self.units
        fund = self.required(self.text(v.get("fund")), "fund", fmt)
        fid = self.fund_id(fund)
        code = self.uscc(v.get("uscc"), "uscc", fmt)
        row_unit = self.unit(v.get("unit"), "unit", fmt)
        cur = self.currency(v.get("currency"), "currency", fmt)
        amt = self.amount(v.get("amount"), "amount", fmt, units.get("amount") or row_unit, cur)
        date = self.date(v.get("date"), "date", fmt)
        rnd = self.text(v.get("round"))
        a_v, a_cur = amt if amt else (None, cur)
        iid = self.text(v.get("id")) or "inv-" + _hash(fid, code, date, rnd, a_v, a_cur)
        payload = (iid, fid, fund, code, a_v, a_cur, whole_cny(a_v, a_cur) if a_v is not None else None, date, rnd)
        return iid, payload

    def v_selection(self, rec: Record, t: Table) -> tuple[tuple, tuple]:
        fmt = t.fmt
        v = rec.values
        code = self.uscc(v.get("uscc"), "uscc", fmt)
        prog = self.required(self.text(v.get("programme")), "programme", fmt)
        pid = self.resolve_or_reject("programme", prog, "programme", fmt)
        category = self.text(v.get("category"))
        year = self.year(v.get("year"), "year", fmt)
        return (code, pid, year), (code, pid, category, year)

    def v_grant(self, rec: Record, t: Table) -> tuple[str, tuple]:
        fmt = t.fmt
        v = rec.values
        units = self.units
        code = self.uscc(v.get("uscc"), "uscc", fmt)
        clause = self.required(self.text(v.get("clause")), "clause", fmt)
        if not CLAUSE_ID.fullmatch(clause):
            raise RecordRejected("clause", f"{fmt.describe('clause')}: {clause!r} is not a clause id (a clause's graph id "
                                    "looks like doc-0123456789ab:m14)")
        row_unit = self.unit(v.get("unit"), "unit", fmt)
        cur = self.currency(v.get("currency"), "currency", fmt)
        amt = self.amount(v.get("amount"), "amount", fmt, units.get("amount") or row_unit, cur)
        year = self.year(v.get("year"), "year", fmt)
        a_v, a_cur = amt if amt else (None, cur)
        gid = self.text(v.get("id")) or "grant-" + _hash(code, clause, year, a_v, a_cur)
        payload = (gid, code, clause, a_v, a_cur, whole_cny(a_v, a_cur) if a_v is not None else None, year)
        return gid, payload

    # --- references -----------------------------------------------------------------------
    def _known(self, label: str, ids: set[str], loaded: dict[Any, int]) -> set[str]:
        """The ids that exist: loaded in this load or found in the graph."""
        found = self.in_graph[label]
        ask = {i for i in ids if i not in loaded and i not in found}
        if not ask:
            return ids  # all known (the usual case): no second pass
        self.wait()
        missing = self.backend.missing_ids(label, ask)
        found.update(ask - missing)
        return ids - missing

    def enterprise_missing(self, code: str) -> str:
        where = self.rej_ent.get(code)
        if where:
            return f"enterprise {code} was rejected at {self.labels[where[0]]} line {where[1]}"
        where17 = self.rej_ent17.get(code[:17])
        if where17:
            return (f"enterprise {code} was rejected at {self.labels[where17[0]]} line {where17[1]} "
                    f"(written there as {where17[2]})")
        return f"enterprise {code} not found (neither in the enterprises loaded now nor in the graph)"

    def fund_missing(self, name: str, fid: str) -> str:
        where = self.rej_fund.get(fid)
        if where:
            return f"fund {name!r} was rejected at {self.labels[where[0]]} line {where[1]}"
        return f"fund {name!r} not found (neither in the funds loaded now nor in the graph)"

    # --- tables ---------------------------------------------------------------------------
    def load_table(self, ti: int, t: Table, progress: _Progress) -> TableReport:
        rep = TableReport(t.label, t.kind, ignored_columns=list(t.hmap.ignored) if t.hmap else [])
        self.current = t.label
        rejects = _Rejects(t, t.rejects_path)
        validate: Callable[[Record, Table], tuple[Any, tuple]] = {
            "enterprises": self.v_enterprise, "funds": self.v_fund, "investments": self.v_investment,
            "selections": self.v_selection, "grants": self.v_grant,
        }[t.kind]
        fmt = t.fmt
        self.fig_keys = None if t.container == "jsonl" or t.hmap is None else [
            k for k in t.hmap.keys() if isinstance(k, tuple) or k in ("revenue", "rd_spend")]
        # JSON Lines carry units per key and line (applied while reading); tables, per column
        self.units = {} if t.container == "jsonl" or t.hmap is None else t.hmap.units
        missing_cols = list(t.hmap.missing) if t.hmap and t.container != "jsonl" else []
        header_problem = None
        if missing_cols:
            header_problem = (missing_cols[0], "the header has no " + " and no ".join(fmt.describe(c) for c in missing_cols)
                              + " column" + ("s" if len(missing_cols) > 1 else "") + ", which "
                              + ("are" if len(missing_cols) > 1 else "is") + " required")
        progress.start(t)
        chunk: list[tuple[Record, Any, tuple]] = []
        source: Iterable[Any] | None = None
        chunk_size = self.chunk_size
        if self.fast and header_problem is None:
            from policykg.ingest.columnar import FAST_KINDS, arrow_chunks, fast_records

            data = arrow_chunks(t, chunk_size, self.max_rows) if t.kind in FAST_KINDS else None
            if data is not None:
                source = fast_records(self, t, data, chunk_size)
                self.fast_raw[ti] = (t, data[0], data[1], self.fig_keys, self.units)
        if source is None:
            source = t.records()

        pending: list[tuple[int, str, str, Any]] = []

        def reject(rec: Record, f: str, reason: str) -> None:
            rep.rejected += 1
            pending.append((rec.line, f, reason, rec.raw))
            if t.kind == "enterprises":
                code = rec.values.get("uscc")
                if isinstance(code, str):
                    code = _uscc.normalise(code)
                    if _uscc.is_valid(code):
                        self.rej_ent.setdefault(code, (ti, rec.line))
                    elif len(code) == 18:
                        self.rej_ent17.setdefault(code[:17], (ti, rec.line, code))
            elif t.kind == "funds":
                name = self.text(rec.values.get("name"))
                if name:
                    self.rej_fund.setdefault(self.fund_id(name), (ti, rec.line))

        def refuse(rec: Record, key: Any, reason: str) -> None:
            """A record counted as loaded that the graph refused (see _bisect)."""
            rep.loaded -= 1
            if self.seen[t.kind].get(key, 0) >> 64 & ((1 << 36) - 1) == rec.line:
                del self.seen[t.kind][key]
            reject(rec, "", reason)

        self._ctx = _TableCtx(t.kind, refuse)
        try:
            for rec in source:
                if type(rec) is not tuple and not isinstance(rec, Record):  # a block of the columnar path
                    if chunk:
                        self.flush(ti, t, chunk, rep, reject)
                        chunk = []
                    self.bulk(ti, rec, rep, chunk)
                    progress.update(t, rep.read)
                    continue
                if rep.read >= self.max_rows:
                    rep.read += 1
                    rep.stopped_at = rec.line
                    reject(rec, "", f"the table has more than {self.max_rows:,} records (POLICYKG_MAX_FILE_ROWS): "
                                    "this record and those after it were not read; split the file")
                    break
                rep.read += 1
                if type(rec) is tuple:  # converted on the columnar path
                    chunk.append(rec)
                elif rec.problem is not None:
                    reject(rec, *rec.problem)
                elif header_problem is not None:
                    reject(rec, *header_problem)
                else:
                    try:
                        self.check_cells(rec, fmt)
                        key, payload = validate(rec, t)
                    except RecordRejected as r:
                        reject(rec, r.field, r.reason)
                    else:
                        chunk.append((rec, key, payload))
                if len(chunk) >= self.chunk_size or len(pending) >= self.chunk_size:
                    self.flush(ti, t, chunk, rep, reject)
                    chunk = []
                    for item in sorted(pending, key=lambda x: x[0]):
                        rejects.add(*item)
                    pending.clear()
                    progress.update(t, rep.read)
            if chunk:
                self.flush(ti, t, chunk, rep, reject)
            self.write_pending()
            self.wait()  # the rows the graph refuses are this table's rejects
            for item in sorted(pending, key=lambda x: x[0]):
                rejects.add(*item)
        except BaseException:
            rejects.abort()
            raise
        progress.finish(t, rep.read)
        rep.rejects_file = rejects.close()
        return rep

    def bulk(self, ti: int, block: Any, rep: TableReport, chunk: list[tuple[Record, Any, tuple]]) -> None:
        """A block of enterprises converted by column: rows whose key was seen before go to
        ``chunk`` (the per-row way); the others are counted, registered and written by column."""
        seen = self.seen["enterprises"]
        keys = block.keys()
        idx = block.idx
        hit = [k in seen for k in keys] if seen else []
        if any(hit):
            import numpy as np

            hit_arr = np.array(hit, dtype=bool)
            for i in idx[hit_arr].tolist():
                chunk.append(block.row(i))
                rep.read += 1
            keys = [k for k, h in zip(keys, hit, strict=True) if not h]
            idx = idx[~hit_arr]
        if not len(idx):
            return
        rep.read += len(idx)
        rep.loaded += len(idx)
        tag = _FAST | (ti << 100)
        first = block.first_line
        seen.update(zip(keys, [tag | ((first + i) << 64) for i in idx.tolist()], strict=True))
        nodes, rels = block.cv.tables(idx)
        self._pending.append((nodes, rels))
        self._pending_origin.append((self._ctx, "bulk", block, idx))
        self._pending_rows += len(idx)
        if self._pending_rows >= WRITE_ROWS:
            self.write_pending()

    def _fingerprint(self, kind: str, old: int) -> int:
        """The entry of ``seen`` for a columnar row, with its fingerprint: the row validated again,
        the per-record way (only when a later record has the same key)."""
        ti, line = (old >> 100) & ((1 << 20) - 1), (old >> 64) & ((1 << 36) - 1)
        t, table, first_line, fig_keys, units = self.fast_raw[ti]
        i = line - first_line
        raw = [c[i].as_py() for c in table.columns]
        rec = Record(line, {key: raw[j] for j, key in t.hmap.fields}, raw)  # type: ignore[union-attr]
        saved = self.fig_keys, self.units
        self.fig_keys, self.units = fig_keys, units
        try:
            _, payload = {"enterprises": self.v_enterprise}[kind](rec, t)
        finally:
            self.fig_keys, self.units = saved
        return (hash(payload) & _MASK) | (line << 64) | (ti << 100)

    def flush(self, ti: int, t: Table, chunk: list[tuple[Record, Any, tuple]], rep: TableReport,
              reject: Callable[[Record, str, str], None]) -> None:
        kind = t.kind
        # references first (one graph look-up per chunk), then duplicates in file order
        if kind in ("investments", "selections", "grants"):
            ents = self._known("Enterprise", {p[_ENT_POS[kind]] for _, _, p in chunk}, self.seen["enterprises"])
            funds = (self._known("Fund", {p[1] for _, _, p in chunk}, self.seen["funds"])
                     if kind == "investments" else set())
            clauses: set[str] = set()
            docs_present: dict[str, bool] = {}
            if kind == "grants":
                refs = {p[2] for _, _, p in chunk}
                self.put_seed(refs)
                clauses = self._known("Clause", refs, {})
                gone_docs = {CLAUSE_ID.fullmatch(c).group(1) for c in refs - clauses}  # type: ignore[union-attr]
                if gone_docs:
                    self.wait()
                    missing_docs = self.backend.missing_ids("PolicyDocument", gone_docs)
                    docs_present = {d: d not in missing_docs for d in gone_docs}
            kept = []
            for rec, key, p in chunk:
                code = p[_ENT_POS[kind]]
                if code not in ents:
                    reject(rec, "uscc", self.enterprise_missing(code))
                elif kind == "investments" and p[1] not in funds:
                    reject(rec, "fund", self.fund_missing(p[2], p[1]))
                elif kind == "grants" and p[2] not in clauses:
                    doc = CLAUSE_ID.fullmatch(p[2]).group(1)  # type: ignore[union-attr]
                    if docs_present.get(doc):
                        reject(rec, "clause", f"clause {p[2]} not found: document {doc} has no such clause")
                    else:
                        reject(rec, "clause", f"clause {p[2]} not found: document {doc} is not in the graph "
                                              "(ingest it first with `policykg ingest`)")
                else:
                    kept.append((rec, key, p))
            chunk = kept
        seen = self.seen[kind]
        fresh: list[tuple] = []  # (record, key, payload) of the rows to write
        for rec, key, p in chunk:
            fp = hash(p) & _MASK
            old = seen.get(key)
            if old is not None and old & _FAST:
                old = seen[key] = self._fingerprint(kind, old)
            if old is None:
                seen[key] = fp | (rec.line << 64) | (ti << 100)
                fresh.append((rec, key, p))
                rep.loaded += 1
            elif old & _MASK == fp:
                rep.loaded += 1
                rep.duplicates += 1
            else:
                first_t, first_line = old >> 100, (old >> 64) & ((1 << 36) - 1)
                where = "line" if first_t == ti else f"{self.labels[first_t]} line"
                shown = key if not isinstance(key, tuple) else " / ".join("" if k is None else str(k) for k in key)
                reject(rec, t.fmt.key[0], f"duplicate key {shown} with different values: the record at {where} "
                                          f"{first_line} is the one loaded")
        if fresh:
            payloads = [p for _, _, p in fresh]
            origin = [(self._ctx, "rows", fresh)]
            if self.fast:
                self._write_fast(kind, payloads, origin)
            else:
                self._write(getattr(self, f"b_{kind}")(payloads), origin)

    # --- batches --------------------------------------------------------------------------
    @staticmethod
    def b_enterprises(rows: list[tuple]) -> GraphBatch:
        b = GraphBatch()
        ent, fin_nodes = b.nodes.setdefault("Enterprise", []), b.nodes.setdefault("Financial", [])
        reported = b.relationships.setdefault(("REPORTED", "Enterprise", "Financial"), [])
        in_ind = b.relationships.setdefault(("IN_INDUSTRY", "Enterprise", "Industry"), [])
        located = b.relationships.setdefault(("LOCATED_IN", "Enterprise", "Place"), [])
        has_tier = b.relationships.setdefault(("HAS_TIER", "Enterprise", "Tier"), [])
        for (code, name, founded, cap, cur, cap_cny, employees, listed, ticker, synthetic, industries, place, tax,
             tiers, fin) in rows:
            rev = rd = fy = None
            if fin:
                fy, rev, rd = fin[-1]
            ent.append({"id": code, "name": name, "founded": founded, "registered_capital": cap, "currency": cur,
                        "registered_capital_cny": cap_cny, "employees": employees, "listed": listed,
                        "ticker": ticker, "revenue_cny": rev, "rd_spend_cny": rd, "figures_year": fy,
                        "synthetic": synthetic})
            for y, r, d in fin:
                fid = f"{code}:{y}"
                fin_nodes.append({"id": fid, "year": y, "revenue_cny": r, "rd_spend_cny": d})
                reported.append({"from": code, "to": fid})
            for ind in industries:
                in_ind.append({"from": code, "to": ind})
            if place and place == tax:
                located.append({"from": code, "to": place, "kind": "address+tax"})
            else:
                if place:
                    located.append({"from": code, "to": place, "kind": "address"})
                if tax:
                    located.append({"from": code, "to": tax, "kind": "tax"})
            for tid, y, issuer in tiers:
                has_tier.append({"from": code, "to": tid, "year": y, "issuer": issuer})
        return GraphBatch({k: v for k, v in b.nodes.items() if v}, {k: v for k, v in b.relationships.items() if v})

    def b_funds(self, rows: list[tuple]) -> GraphBatch:
        b = GraphBatch()
        for fid, name, size, cur, size_cny, manager, kind in rows:
            base = dict(self._tax_funds.get(fid, {}))
            base.update({"id": fid, "name": base.get("name") or name, "size": size, "currency": cur,
                         "size_cny": size_cny, "manager": manager, "kind": kind or base.get("kind")})
            b.add_node("Fund", base)
        return b

    @staticmethod
    def b_investments(rows: list[tuple]) -> GraphBatch:
        b = GraphBatch()
        for iid, fid, _name, code, amount, cur, amount_cny, date, rnd in rows:
            b.add_node("Investment", {"id": iid, "amount": amount, "currency": cur, "amount_cny": amount_cny,
                                      "date": date, "round": rnd})
            b.add_rel("MADE", "Fund", fid, "Investment", iid)
            b.add_rel("INVESTED_IN", "Investment", iid, "Enterprise", code)
        return b

    def b_selections(self, rows: list[tuple]) -> GraphBatch:
        b = GraphBatch()
        for code, pid, category, year in rows:
            pair = (code, pid)
            y = -1 if year is None else year
            if self.latest_sel.get(pair, -2) > y:
                continue  # a later year of the same selection is already written
            self.latest_sel[pair] = y
            b.add_rel("SELECTED_IN", "Enterprise", code, "Programme", pid, category=category, year=year)
        return b

    @staticmethod
    def b_grants(rows: list[tuple]) -> GraphBatch:
        b = GraphBatch()
        for gid, code, clause, amount, cur, amount_cny, year in rows:
            b.add_node("Grant", {"id": gid, "amount": amount, "currency": cur, "amount_cny": amount_cny, "year": year})
            b.add_rel("RECEIVED", "Enterprise", code, "Grant", gid)
            b.add_rel("GRANTED_UNDER", "Grant", gid, "Clause", clause)
        return b


def _texts(value: Any) -> Iterator[str]:
    """The texts in a cell: itself, or those in a JSON list or object."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _texts(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(k)
            yield from _texts(v)


def _refusal(exc: BaseException) -> bool:
    """An error by which the engine refuses rows (a value it cannot store or index, a row the
    schema refuses), as opposed to one that ends the load (unreachable, out of time)."""
    return isinstance(exc, ValidationError) or (isinstance(exc, QueryError) and not isinstance(exc, QueryTimeout))


@dataclass
class _TableCtx:
    """The table a write's rows came from: its kind, and how to reject a row counted as loaded."""

    kind: str
    refuse: Callable[[Any, Any, str], None]


@dataclass
class _Salvaged:
    """What writing a refused write again in halves gave: counts written, rows refused with the reason."""

    written: dict[str, int] = field(default_factory=dict)
    refused: list[tuple[_TableCtx, tuple, str]] = field(default_factory=list)


_ENT_POS = {"investments": 3, "selections": 0, "grants": 1}
_WHAT = {"industry": "industry", "place": "place", "tier": "tier", "programme": "programme", "fund": "fund",
         "instrument": "instrument"}


class _Either:
    """Membership in either of two collections (ids loaded now, ids found in the graph)."""

    def __init__(self, a: Any, b: Any) -> None:
        self.a, self.b = a, b

    def __contains__(self, x: object) -> bool:
        return x in self.a or x in self.b


def load_paths(backend: Backend, paths: Iterable[Path | str], *, chunk_size: int | None = None,
               progress: bool | None = None, fast: bool = True) -> LoadReport:
    """Validate and load the tables in ``paths`` (files, or folders of .csv / .jsonl / .xlsx).

    Returns a :class:`LoadReport` (per table: read = loaded + rejected). Raises
    :class:`policykg.errors.ParseError` naming the file, before anything is written, when a path
    is missing or unreadable or its kind cannot be told. ``progress``: a progress bar on stderr
    (default: when stderr is a terminal). ``chunk_size``: records per write (default
    ``CHUNK``, or ``FAST_CHUNK`` on the columnar path). ``fast``: CSV tables are read and
    converted by column (:mod:`policykg.ingest.columnar`) and written as Arrow tables
    (:meth:`Backend.write_tables`); False uses only the per-record validator and
    :meth:`Backend.write` — the reference, which gives the same graph, rejects and report.
    """
    started = time.perf_counter()
    tables = find_tables(list(paths))
    _unique_rejects(tables)
    # The load makes millions of objects that live until it ends (keys seen, payloads): the cyclic
    # garbage collector would walk them over and over, for nothing (they hold no cycles).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        loader = _Loader(backend, chunk_size or (FAST_CHUNK if fast else CHUNK), fast)
        loader.labels = [t.label for t in tables]
        if fast:
            loader.find_new_labels()  # before any write (the reference data go to labels it does not ask)
        bar = _Progress(sys.stderr.isatty() if progress is None else progress)
        try:
            loader.put_taxonomy()
            # the seed policy first, when grants refer to its clauses
            grants = [t for t in tables if t.kind == "grants"]
            if grants:
                loader.put_seed(_clause_refs(grants, _seed_document_id()))
            for i, t in enumerate(tables):
                loader.report.tables.append(loader.load_table(i, t, bar))
        finally:
            try:
                loader.close()
            finally:
                bar.stop()
    finally:
        if gc_was_enabled:
            gc.enable()
    loader.report.seconds = time.perf_counter() - started
    return loader.report


def _clause_refs(tables: list[Table], seed: str) -> Iterator[str]:
    """The clause ids that grants tables give, until one of the seed document's turns up."""
    for t in tables:
        for rec in t.records():
            clause = rec.values.get("clause")
            if isinstance(clause, str):
                yield clause.strip()
                if clause.strip().startswith(seed + ":"):
                    return


def _unique_rejects(tables: list[Table]) -> None:
    """Give each table its own rejects file (two sheets of a workbook, a.csv beside a.jsonl)."""
    by_path: dict[Path, list[Table]] = {}
    for t in tables:
        by_path.setdefault(t.rejects_path, []).append(t)
    for path, group in by_path.items():
        if len(group) < 2:
            continue
        for t in group:
            suffix = f".{t.sheet}" if t.sheet else t.path.suffix
            t.rejects_file = path.with_name(t.path.stem + suffix + ".rejects.csv")
