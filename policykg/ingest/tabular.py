"""Tables to load: the import formats (``policykg/graph/imports.yaml``), and files read as streams.

A *table* is one CSV file, one JSON Lines file or one sheet of an XLSX workbook. Its kind
(enterprises, funds, investments, selections, grants) comes from its file name (enterprises*.csv,
企业*.csv ...) or else from its header; for a sheet, from the sheet's name, else its header, else
the workbook's name. Reading yields :class:`Record` objects one at a time, so a file of any size
is read in constant memory:

- CSV: UTF-8 (with or without BOM) or GB18030 (which covers GBK and GB2312), decided from the
  file's first lines that are not ASCII; a line that is not valid in the file's encoding is a
  record with a problem, not a failed file. Line numbers are physical lines (header = line 1).
- JSON Lines: one object per line; keys are column names (any alias); values may be JSON
  numbers, lists (industries) and objects (tiers, or ``{"2023": ..., "2024": ...}`` for yearly
  columns). Blank lines are skipped.
- XLSX (needs ``openpyxl``): every sheet with a recognisable header is a table; line numbers are
  the sheet's row numbers.

In every format the header is the first row naming at least two known columns (title rows above
it are skipped), and rows whose cells are all empty are skipped.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from policykg.errors import ParseError, SchemaError
from policykg.ingest.archive import check_zip

__all__ = [
    "KINDS",
    "TYPES",
    "Column",
    "Format",
    "HeaderMap",
    "Record",
    "Table",
    "check_header",
    "find_tables",
    "kind_from_header",
    "kind_from_name",
    "load_formats",
    "map_header",
    "normalise_header",
]

KINDS = ("enterprises", "funds", "investments", "selections", "grants")
TYPES = ("text", "uscc", "date", "amount", "money-unit", "currency", "int", "bool", "list", "year", "tiers")
SUFFIXES = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx", ".xlsm": "xlsx"}
REJECTS_SUFFIX = ".rejects.csv"
HEADER_SCAN = 10  # rows looked at for the header
#: characters a loaded value may not hold: the C0 and C1 controls and DEL (tab, line feed and carriage
#: return excepted) and the two non-characters XML 1.0 forbids; a record holding one is rejected, not cleaned
CONTROL_RANGES = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xFFFE, 0xFFFF))


def control_class(re2: bool = False) -> str:
    """:data:`CONTROL_RANGES` as a regex character class, for Python's ``re`` or (``re2``) Arrow's RE2."""
    esc = (lambda c: f"\\x{{{c:x}}}") if re2 else (lambda c: f"\\U{c:08x}")
    return "[" + "".join(f"{esc(a)}-{esc(b)}" for a, b in CONTROL_RANGES) + "]"
#: the csv module's per-field limit while reading tables: a cell longer than the loader accepts is
#: read whole and rejected with its reason (the module's own limit would end the load)
CSV_FIELD_LIMIT = 1 << 30


# --------------------------------------------------------------------------------------------
# The declaration
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    maps_to: str = ""
    resolve: str | None = None
    ref: str | None = None
    yearly: bool = False


@dataclass(frozen=True)
class Format:
    kind: str
    description: str
    file_names: tuple[str, ...]
    key: tuple[str, ...]
    columns: dict[str, Column]
    #: normalised header text -> column name
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.required]

    def describe(self, name: str) -> str:
        """A column as people know it: ``uscc (统一社会信用代码)``."""
        col = self.columns[name]
        cn = next((a for a in col.aliases if not a.isascii()), None)
        return f"{name} ({cn})" if cn else name


def _parse_formats(data: dict[str, Any]) -> dict[str, Format]:
    out: dict[str, Format] = {}
    for kind, spec in (data.get("formats") or {}).items():
        if kind not in KINDS:
            raise SchemaError(f"imports.yaml: unknown format {kind!r} (known: {', '.join(KINDS)})")
        cols: dict[str, Column] = {}
        aliases: dict[str, str] = {}
        for name, c in (spec.get("columns") or {}).items():
            ctype = c.get("type", "text")
            if ctype not in TYPES:
                raise SchemaError(f"imports.yaml: {kind}.{name}: unknown type {ctype!r} (allowed: {', '.join(TYPES)})")
            col = Column(name, ctype, bool(c.get("required", False)), tuple(str(a) for a in c.get("aliases") or ()),
                         str(c.get("maps_to", "")), c.get("resolve"), c.get("ref"), bool(c.get("yearly", False)))
            cols[name] = col
            for text in (name, *col.aliases):
                norm = normalise_header(text)[0]
                if aliases.get(norm, name) != name:
                    raise SchemaError(f"imports.yaml: {kind}: header {text!r} is given for both "
                                      f"{aliases[norm]!r} and {name!r}")
                aliases[norm] = name
        key = tuple(spec.get("key") or ())
        for k in key:
            if k not in cols:
                raise SchemaError(f"imports.yaml: {kind}: key column {k!r} is not declared")
        out[kind] = Format(kind, str(spec.get("description", "")), tuple(spec.get("file_names") or ()), key, cols,
                           aliases)
    missing = [k for k in KINDS if k not in out]
    if missing:
        raise SchemaError(f"imports.yaml: formats missing: {', '.join(missing)}")
    return out


@lru_cache(maxsize=1)
def load_formats() -> dict[str, Format]:
    """The five import formats, read from ``policykg/graph/imports.yaml``."""
    text = resources.files("policykg.graph").joinpath("imports.yaml").read_text(encoding="utf-8")
    return _parse_formats(yaml.safe_load(text))


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------

_BRACKETS = re.compile(r"[(\[]([^)\]]*)[)\]]")
_UNIT_HINT = re.compile(r"^(?:单位[:：]?)?((?:人民币|rmb|cny)?(?:千|万|百万|千万|亿)?(?:元|美元|港元|港币|欧元|日元|英镑)"
                        r"(?:人民币)?|(?:千|万|百万|千万|亿)(?:人民币)?|usd|cny|rmb|hkd|eur)$")
_YEAR_HINT = re.compile(r"^((?:19|20)\d{2})(?:年度?)?$")
_YEAR_AFTER = re.compile(r"^(.+?)[_\-.]?((?:19|20)\d{2})(?:年度?)?$")
_PLAIN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_YEAR_BEFORE = re.compile(r"^((?:19|20)\d{2})(?:年度?)?[_\-.]?(.+)$")


def normalise_header(text: Any) -> tuple[str, str | None, int | None]:
    """``(base, unit, year)`` of a header cell: NFKC, lower case, no spaces; ``注册资本(万元)`` gives
    ``("注册资本", "万元", None)`` and ``营业收入（2024年）`` gives ``("营业收入", None, 2024)``."""
    s = unicodedata.normalize("NFKC", "" if text is None else str(text)).replace("\ufeff", "")
    s = "".join(s.split()).lower()
    unit: str | None = None
    year: int | None = None
    for note in _BRACKETS.findall(s):
        if _UNIT_HINT.match(note):
            unit = note.split(":")[-1].split("：")[-1].removeprefix("单位")
        elif m := _YEAR_HINT.match(note):
            year = int(m.group(1))
    s = _BRACKETS.sub("", s).strip("_-.:：")
    return s, unit, year


Key = str | tuple[str, int]  # a column name, or (yearly column, year)


@dataclass
class HeaderMap:
    """How one table's header maps to a format's columns."""

    kind: str
    header: list[str]
    #: (position in the row, column key)
    fields: list[tuple[int, Key]]
    units: dict[Key, str]
    ignored: list[str]
    missing: list[str]
    #: columns that two or more header cells name: (column key, their positions in the row)
    doubled: list[tuple[Key, list[int]]]

    @property
    def matched(self) -> int:
        return len(self.fields)

    def keys(self) -> list[Key]:
        return [k for _, k in self.fields]


def _match(fmt: Format, text: Any) -> tuple[Key | None, str | None]:
    base, unit, year = normalise_header(text)
    if not base:
        return None, None
    name = fmt.aliases.get(base)
    if name is not None:
        if year is not None and fmt.columns[name].yearly:
            return (name, year), unit
        return name, unit
    for rx, bi, yi in ((_YEAR_AFTER, 1, 2), (_YEAR_BEFORE, 2, 1)):
        m = rx.match(base)
        if m:
            name = fmt.aliases.get(m.group(bi).strip("_-.:："))
            if name is not None and fmt.columns[name].yearly:
                return (name, int(m.group(yi))), unit
    return None, None


def map_header(fmt: Format, header: list[Any]) -> HeaderMap:
    fields: list[tuple[int, Key]] = []
    units: dict[Key, str] = {}
    ignored: list[str] = []
    seen: dict[Key, list[int]] = {}
    for i, text in enumerate(header):
        key, unit = _match(fmt, text)
        if key is None:
            if text not in (None, ""):
                ignored.append(str(text))
            continue
        if key in seen:
            seen[key].append(i)
            continue
        seen[key] = [i]
        fields.append((i, key))
        if unit:
            units[key] = unit
    missing = [c for c in fmt.required if c not in seen]
    doubled = [(k, at) for k, at in seen.items() if len(at) > 1]
    return HeaderMap(fmt.kind, ["" if h is None else str(h) for h in header], fields, units, ignored, missing, doubled)


def _column_name(key: Key) -> str:
    return key if isinstance(key, str) else f"{key[0]}_{key[1]}"


def check_header(hm: HeaderMap, where: str, *, letters: bool = False) -> None:
    """ParseError when two header cells name one column (which of them holds the value is unclear):
    the file (and sheet), the column, and each cell's position and text."""
    if not hm.doubled:
        return
    problems = []
    for key, at in hm.doubled:
        if letters:
            from openpyxl.utils import get_column_letter

            cells = [f"column {get_column_letter(i + 1)} {hm.header[i]!r}" for i in at]
        else:
            cells = [f"column {i + 1} {hm.header[i]!r}" for i in at]
        problems.append(f"{', '.join(cells)} {'both' if len(at) == 2 else 'all'} give the column {_column_name(key)}")
    raise ParseError(f"{where}: duplicate header: {'; '.join(problems)}: keep one of them (nothing was loaded)",
                     file=where, reason="duplicate header")


def kind_from_name(name: str) -> str | None:
    """The kind named by a file or sheet name: the longest ``file_names`` entry it starts with."""
    stem = unicodedata.normalize("NFKC", name).lower()
    best: tuple[int, str] | None = None
    for fmt in load_formats().values():
        for token in fmt.file_names:
            t = token.lower()
            if stem.startswith(t) and (best is None or len(t) > best[0]):
                best = (len(t), fmt.kind)
    return best[1] if best else None


def kind_from_header(header: list[Any]) -> str | None:
    """The kind whose required columns the header has, naming the most columns; None if unclear."""
    scored = []
    for fmt in load_formats().values():
        hm = map_header(fmt, header)
        if not hm.missing:
            scored.append((hm.matched, fmt.kind))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def _header_score(header: list[Any]) -> int:
    return max(map_header(fmt, header).matched for fmt in load_formats().values())


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------

class Record:
    """One row: its line, its cells by column key, the original cells, and any reading problem."""

    __slots__ = ("line", "values", "raw", "problem")

    def __init__(self, line: int, values: dict[Key, Any], raw: Any, problem: tuple[str, str] | None = None):
        self.line = line
        self.values = values
        self.raw = raw
        self.problem = problem


def _blank(row: list[Any]) -> bool:
    for c in row:
        if c is not None and (not isinstance(c, str) or c.strip()):
            return False
    return True


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

@dataclass
class Table:
    """One table to read: a CSV or JSON Lines file, or one sheet of a workbook."""

    path: Path
    container: str  # csv | jsonl | xlsx
    kind: str
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str = ","
    header_line: int = 1
    hmap: HeaderMap | None = None
    size: int = 0  # bytes (csv, jsonl) or rows (xlsx), for progress
    position: int = 0
    rejects_file: Path | None = None  # set when two tables would share the default name

    @property
    def label(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name

    @property
    def fmt(self) -> Format:
        return load_formats()[self.kind]

    @property
    def rejects_path(self) -> Path:
        """``<input stem>.rejects.csv`` beside the input."""
        return self.rejects_file or self.path.with_name(self.path.stem + REJECTS_SUFFIX)

    def records(self) -> Iterator[Record]:
        """The table's records, read from the start."""
        self.position = 0
        if self.container == "csv":
            return self._csv_records()
        if self.container == "jsonl":
            return self._jsonl_records()
        return self._xlsx_records()

    # --- CSV ------------------------------------------------------------------------------
    def _lines(self, bad: set[int], state: dict[str, Any]) -> Iterator[str]:
        enc = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        n = 0
        with open(self.path, "rb") as f:
            for raw in f:
                n += 1
                self.position += len(raw)
                if n == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[3:]
                state["newline"] = raw.endswith(b"\n")
                if raw.isascii():
                    yield raw.decode("ascii")
                    continue
                try:
                    yield raw.decode(enc)
                except UnicodeDecodeError:
                    bad.add(n)
                    yield _shown(raw, enc)

    def _csv_records(self) -> Iterator[Record]:
        assert self.hmap is not None
        bad: set[int] = set()
        state: dict[str, Any] = {"newline": True}
        reader = _csv_reader(self._lines(bad, state), self.delimiter)
        fields = self.hmap.fields
        width = len(self.hmap.header)
        enc_name = "UTF-8" if self.encoding in ("utf-8", "utf-8-sig") else "GB18030"
        other = "GB18030/GBK" if enc_name == "UTF-8" else "UTF-8"
        last = 0
        for row in reader:
            start, last = last + 1, reader.line_num
            if start <= self.header_line:
                continue
            if not row or _blank(row):
                continue
            values = {key: row[i] for i, key in fields if i < len(row)}
            problem = None
            broken = [n for n in range(start, last + 1) if n in bad]
            if broken:
                problem = ("", f"line {broken[0]} is not valid {enc_name} text, as the rest of the file is "
                               f"(is it {other}?): save the whole file in one encoding")
            elif len(row) < width:
                if not state["newline"] and self.position >= self.size:
                    problem = ("", f"truncated last line: the file ends inside this record "
                                   f"({len(row)} of {width} fields)")
                else:
                    problem = ("", f"{len(row)} fields where the header has {width}: the line is cut short "
                                   "or a value's quotes are unbalanced")
            elif len(row) > width and not _blank(row[width:]):
                problem = ("", f"{len(row)} fields where the header has {width}: a value with an unquoted "
                               f"'{self.delimiter}'?")
            yield Record(start, values, row, problem)

    # --- JSON Lines -----------------------------------------------------------------------
    def _jsonl_records(self) -> Iterator[Record]:
        """Records of a JSON Lines file; an object that names one column twice (the same key, or two
        aliases of it) is a record with a problem."""
        fmt = self.fmt
        cache: dict[str, tuple[Key | None, str | None]] = {}
        n = 0
        with open(self.path, "rb") as f:
            for raw in f:
                n += 1
                self.position += len(raw)
                ends = raw.endswith(b"\n")
                text_b = raw.strip()
                if n == 1 and text_b.startswith(codecs.BOM_UTF8):
                    text_b = text_b[3:]
                if not text_b:
                    continue
                try:
                    text = text_b.decode("utf-8")
                except UnicodeDecodeError:
                    yield Record(n, {}, text_b.decode("utf-8", errors="replace"),
                                 ("", "not valid UTF-8 (JSON Lines files must be UTF-8)"))
                    continue
                try:
                    obj = json.loads(text, object_pairs_hook=_unique_keys)
                except json.JSONDecodeError as exc:
                    why = "truncated last line: " if not ends and self.position >= self.size else ""
                    yield Record(n, {}, text, ("", f"{why}not valid JSON ({exc.msg} at column {exc.colno})"))
                    continue
                except _DuplicateKey as exc:
                    yield Record(n, {}, text, ("", f"the key {exc.args[0]!r} is given twice in one object"))
                    continue
                if not isinstance(obj, dict):
                    yield Record(n, {}, text, ("", f"expected a JSON object, got {type(obj).__name__}"))
                    continue
                values: dict[Key, Any] = {}
                given: dict[Key, str] = {}
                twice = None
                for k, v in obj.items():
                    if k not in cache:
                        cache[k] = _match(fmt, k)
                    key, unit = cache[k]
                    if key is None:
                        continue
                    if key in given:
                        twice = (_column_name(key), f"the keys {given[key]!r} and {k!r} both give the column "
                                                    f"{_column_name(key)}: keep one of them")
                        break
                    given[key] = k
                    if isinstance(key, str) and fmt.columns[key].yearly and isinstance(v, dict):
                        for y, yv in v.items():
                            m = _YEAR_HINT.match(str(y))
                            if m:
                                values[(key, int(m.group(1)))] = yv
                            else:
                                values[key] = v  # the validator reports the bad year
                        continue
                    if unit and ((isinstance(v, (int, float)) and not isinstance(v, bool))
                                 or (isinstance(v, str) and _PLAIN.fullmatch(v.strip()))):
                        v = f"{str(v).strip()}{unit}"
                    values[key] = v
                yield Record(n, values, text, twice)

    # --- XLSX -----------------------------------------------------------------------------
    def _xlsx_records(self) -> Iterator[Record]:
        assert self.hmap is not None
        wb = _open_workbook(self.path)
        try:
            ws = wb[self.sheet]
            fields = self.hmap.fields
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                self.position = n
                if n <= self.header_line:
                    continue
                row = list(row)
                if _blank(row):
                    continue
                values: dict[Key, Any] = {}
                for i, key in fields:
                    if i < len(row):
                        v = row[i]
                        values[key] = v.strip() if isinstance(v, str) else v
                yield Record(n, values, row)
        finally:
            wb.close()


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json keeps the last one silently)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _shown(raw: bytes, enc: str) -> str:
    """A line that is not valid in the file's encoding, as the other encoding policykg reads gives it
    (a GB18030 line in a UTF-8 file shows as written), else with U+FFFD for what neither reads."""
    other = "gb18030" if enc.startswith("utf") else "utf-8"
    try:
        return raw.decode(other)
    except UnicodeDecodeError:
        return raw.decode(enc, errors="replace")


def _csv_reader(lines: Any, delimiter: str) -> Any:
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    return csv.reader(lines, delimiter=delimiter)


def _open_workbook(path: Path) -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise ParseError(f"{path}: reading XLSX needs the openpyxl package (pip install openpyxl)",
                         file=str(path)) from None
    check_zip(path, str(path), "XLSX")  # before openpyxl decompresses anything
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ParseError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})",
                         file=str(path)) from None


# --------------------------------------------------------------------------------------------
# Finding tables
# --------------------------------------------------------------------------------------------

def _sniff(path: Path) -> str:
    """``csv`` / ``jsonl`` / ``xlsx`` from the first bytes and the suffix; ParseError if unreadable."""
    try:
        with open(path, "rb") as f:
            head = f.read(8192)
    except IsADirectoryError:  # pragma: no cover - folders are expanded before
        raise ParseError(f"{path}: is a folder", file=str(path)) from None
    except OSError as exc:
        raise ParseError(f"{path}: cannot read the file ({exc.strerror})", file=str(path)) from None
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ParseError(f"{path}: an old binary Excel (.xls) file: save it as .xlsx or as CSV", file=str(path))
    # UTF-16 and binary files hold NULs throughout; a stray few in a text are their records' rejects
    nuls = head.count(b"\x00")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (nuls > 8 and nuls * 100 > len(head)):
        raise ParseError(f"{path}: UTF-16 or binary content: save the table as CSV in UTF-8 or GB18030 "
                         "(Excel: 'CSV UTF-8'), as JSON Lines, or as XLSX", file=str(path))
    if head.startswith(b"%PDF-"):
        raise ParseError(f"{path}: a PDF file, not a table (documents go to `policykg ingest`)", file=str(path))
    if not head.strip():
        raise ParseError(f"{path}: the file is empty", file=str(path))
    kind = SUFFIXES.get(path.suffix.lower())
    if kind == "xlsx":
        raise ParseError(f"{path}: named .xlsx but is not a workbook", file=str(path))
    if kind is None:
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        kind = "jsonl" if stripped.startswith(b"{") else "csv"
    return kind


def _encoding(path: Path) -> str:
    """UTF-8 (``utf-8-sig`` with a BOM) or GB18030, from the file's first non-ASCII lines."""
    utf8 = gb = 0
    looked = 0
    with open(path, "rb") as f:
        first = f.read(3)
        if first == codecs.BOM_UTF8:
            return "utf-8-sig"
        f.seek(0)
        for raw in f:
            if raw.isascii():
                continue
            looked += 1
            try:
                raw.decode("utf-8")
                utf8 += 1
            except UnicodeDecodeError:
                try:
                    raw.decode("gb18030")
                    gb += 1
                except UnicodeDecodeError:
                    pass
            if looked >= 200:
                break
    if looked == 0 or utf8 * 2 >= looked:
        return "utf-8"
    if gb * 2 >= looked:
        return "gb18030"
    raise ParseError(f"{path}: the text is neither UTF-8 nor GB18030/GBK: save it in one of those", file=str(path))


def _csv_header(path: Path, encoding: str, delimiter: str) -> tuple[int, list[str]]:
    enc = "utf-8-sig" if encoding.startswith("utf-8") else encoding
    best: tuple[int, int, list[str]] | None = None
    with open(path, encoding=enc, errors="replace", newline="") as f:
        reader = _csv_reader(f, delimiter)
        rows = 0
        for row in reader:
            if _blank(row):
                continue
            rows += 1
            score = _header_score(row)
            if score >= 2:
                return reader.line_num, row
            if best is None:
                best = (reader.line_num, score, row)
            if rows >= HEADER_SCAN:
                break
    if best is None:
        raise ParseError(f"{path}: the file has no rows", file=str(path))
    return best[0], best[2]


def _delimiter(path: Path, encoding: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    enc = "utf-8-sig" if encoding.startswith("utf-8") else encoding
    with open(path, encoding=enc, errors="replace", newline="") as f:
        line = f.readline()
    return "\t" if line.count("\t") > line.count(",") else ","


def _kind(path: Path, name: str, header: list[Any], where: str) -> str:
    kind = kind_from_name(name) or kind_from_header(header)
    if kind is None:
        shown = ", ".join(str(h) for h in header[:8] if h not in (None, ""))
        raise ParseError(
            f"{where}: cannot tell which kind of table this is: name the file enterprises*, funds*, investments*, "
            f"selections* or grants* (or 企业*, 基金*, 投资*, 入选*, 资助*), or give it the columns of one of "
            f"them; its header is: {shown or '(empty)'}",
            file=str(path),
        )
    return kind


def _tables_of(path: Path) -> list[Table]:
    container = _sniff(path)
    size = path.stat().st_size
    if container == "csv":
        encoding = _encoding(path)
        delim = _delimiter(path, encoding)
        line, header = _csv_header(path, encoding, delim)
        kind = _kind(path, path.stem, header, str(path))
        hm = map_header(load_formats()[kind], header)
        check_header(hm, str(path))
        return [Table(path, "csv", kind, None, encoding, delim, line, hm, size)]
    if container == "jsonl":
        with open(path, "rb") as f:
            first = b""
            for raw in f:
                if raw.strip():
                    first = raw.strip().removeprefix(codecs.BOM_UTF8)
                    break
        try:
            obj = json.loads(first.decode("utf-8"))
            keys = list(obj) if isinstance(obj, dict) else []
        except (UnicodeDecodeError, json.JSONDecodeError):
            keys = []
        kind = _kind(path, path.stem, keys, str(path))
        hm = map_header(load_formats()[kind], keys)
        return [Table(path, "jsonl", kind, None, "utf-8", ",", 0, hm, size)]
    wb = _open_workbook(path)
    tables = []
    try:
        for ws in wb.worksheets:
            header: list[Any] | None = None
            line = 0
            for n, row in enumerate(ws.iter_rows(values_only=True, max_row=HEADER_SCAN), start=1):
                if not _blank(list(row)) and _header_score(list(row)) >= 2:
                    header, line = list(row), n
                    break
            if header is None:
                continue
            where = f"{path} sheet {ws.title!r}"
            # a sheet's own name, then its header, then the workbook's name
            kind = kind_from_name(ws.title) or kind_from_header(header) or kind_from_name(path.stem)
            if kind is None:
                kind = _kind(path, ws.title, header, where)
            hm = map_header(load_formats()[kind], header)
            check_header(hm, where, letters=True)
            tables.append(Table(path, "xlsx", kind, ws.title, None, ",", line, hm, ws.max_row or 0))
    finally:
        wb.close()
    if not tables:
        raise ParseError(f"{path}: no sheet has a header naming known columns (统一社会信用代码, 企业名称, ...)",
                         file=str(path))
    return tables


def find_tables(paths: list[Path | str]) -> list[Table]:
    """The tables in ``paths`` (files, or folders whose .csv / .jsonl / .xlsx files are read), in
    load order: enterprises, funds, investments, selections, grants, then by name.

    Raises :class:`ParseError` naming the file when a path is missing, unreadable, or of no
    recognisable kind; nothing is loaded then.
    """
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise ParseError(f"{p}: no such file or folder", file=str(p))
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES
                           and not f.name.endswith(REJECTS_SUFFIX) and not f.name.startswith((".", "~$")))
            if not found:
                raise ParseError(f"{p}: the folder has no .csv, .jsonl or .xlsx file", file=str(p))
            files.extend(found)
        else:
            files.append(p)
    seen: set[Path] = set()
    tables: list[Table] = []
    for f in files:
        r = f.resolve()
        if r in seen:
            continue
        seen.add(r)
        tables.extend(_tables_of(f))
    order = {k: i for i, k in enumerate(KINDS)}
    tables.sort(key=lambda t: (order[t.kind], str(t.path), t.sheet or ""))
    return tables


#: a grant's clause: the id policykg gives a clause (the document's id, then its place in it)
CLAUSE_ID = re.compile(r"(doc-[0-9a-f]{12}):\S+")


class RecordRejected(Exception):
    """A record is rejected: ``field`` (a column name, or "") and ``reason``."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason
