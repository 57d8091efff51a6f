"""Format readers: a file's bytes → raw text for the shared normaliser (:mod:`policykg.ingest.text`).

Registered in :data:`policykg.ingest.parse.READERS`:

- :func:`read_html` (``.html``, ``.htm``, ``.shtml``, ``.xhtml``; beautifulsoup4 with lxml): the
  visible text, one paragraph per block element (``<p>``, ``<div>``, ``<li>``, ``<br>``, table rows …),
  scripts, styles and hidden elements left out. The charset comes from a BOM, else the
  ``<meta charset>`` / ``http-equiv`` / XML declaration (GB2312 and GBK read as GB18030, their
  superset), else detection (UTF-8, then GB18030). Whitespace is collapsed as a browser does; a
  line break between two CJK characters disappears (CSS segment-break rule).
- :func:`read_docx` (``.docx``; python-docx): body paragraphs and tables in document order (a
  one-cell row gives its paragraphs, a row of several cells one line with the cells separated by a
  space). Word's automatic numbering (list numbers such as "1." / "一、" / "（1）" that are not part of
  the paragraph's text) is written out in front of the paragraph, counted per list and level.
- :func:`read_pdf` (text-based ``.pdf``; pdfminer.six): the text lines of each page, rebuilt into
  paragraphs from the layout (a line indented from the left margin, or following a short line, or
  after a wide vertical gap, starts a paragraph; a paragraph running over a page break is joined);
  page-number lines are dropped. A PDF without a text layer (a scan) is refused: it needs OCR.

HTML and DOCX readers give Markdown: headings (``<h1>``–``<h6>``, Word's Title/Heading styles) as
``# …`` and everything else escaped, so that the Markdown pass of the normaliser keeps the text as
it is. Every failure is a :class:`policykg.errors.ParseError` naming the file, with ``reason``
``"empty input"``, ``"corrupt file"``, ``"no text layer"``, ``"encrypted"`` or ``"missing reader"``.
"""

from __future__ import annotations

import codecs
import io
import re
import statistics
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from policykg.errors import ParseError
from policykg.ingest.archive import check_zip
from policykg.ingest.text import decode, match_numbering

__all__ = ["md_escape", "read_docx", "read_html", "read_pdf"]


def _name(source: str) -> str:
    return Path(source).name or source


def _missing(package: str, fmt: str, source: str) -> ParseError:
    return ParseError(f"reading {fmt} needs the Python package {package} (pip install {package})",
                      file=source, reason="missing reader")


# --------------------------------------------------------------------------------------------
# Markdown escaping (so that text passes the normaliser's Markdown pass unchanged)
# --------------------------------------------------------------------------------------------

_ESCAPE_ANYWHERE = re.compile(r"([\\*_])")


def md_escape(line: str, heading: bool = False, hard: bool = False) -> str:
    """``line`` as Markdown that the normaliser reads back as exactly ``line``; ``heading`` gives
    ``# line``; ``hard`` ends it with a hard break (two spaces), so that the page-break repair does not
    join it to the next line (table rows)."""
    s = _ESCAPE_ANYWHERE.sub(r"\\\1", line)
    if heading:
        return "# " + s.replace("#", "\\#")
    if s[:1] in "#-+=>":
        s = "\\" + s
    return s + "  " if hard else s


# --------------------------------------------------------------------------------------------
# CJK
# --------------------------------------------------------------------------------------------

def _wide(ch: str) -> bool:
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or 0x3000 <= o <= 0x303F
            or 0x20000 <= o <= 0x3FFFF or ch in "“”‘’—…·")


_WS_RUN = re.compile(r"[ \t\n\r\f]+")


def _collapse(s: str) -> str:
    """Collapse HTML whitespace: a run with a line break between two wide characters disappears,
    any other run becomes one space."""
    def sub(m: re.Match[str]) -> str:
        run = m.group(0)
        if "\n" in run or "\r" in run:
            a, b = m.start(), m.end()
            if 0 < a and b < len(s) and _wide(s[a - 1]) and _wide(s[b]):
                return ""
        return " "
    return _WS_RUN.sub(sub, s)


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_\-.:]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.:]+)""", re.I)
_GB = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "gb_2312", "cp936", "ms936", "euc-cn", "csgb2312", "gb18030",
       "windows-936", "chinese", "iso-ir-58"}
_LATIN = {"latin_1", "iso8859-1", "cp1252", "ascii"}


def _html_charset(data: bytes) -> str | None:
    head = data[:8192]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace").strip().lower()
    if name in _GB:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _decode_html(data: bytes, source: str) -> str:
    if data.startswith(b"\xef\xbb\xbf") or data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return decode(data, source)
    declared = _html_charset(data)
    if declared and declared not in ("utf-8",):
        if declared in _LATIN:
            try:  # a page declared Latin-1 but written in UTF-8 is common; Latin-1 never fails
                return data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            text = data.decode(declared)
        except UnicodeDecodeError:
            return decode(data, source)  # the declaration is wrong: detect
        if not text.strip():
            raise ParseError("empty input (the file has no text)", file=source, reason="empty input")
        return text
    return decode(data, source)  # UTF-8, else GB18030 (also rejects binary and empty files)


_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "object", "embed", "svg", "canvas",
         "select", "option", "input", "textarea", "button", "map", "audio", "video", "math"}
_BLOCK = {"address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir", "div",
          "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "li",
          "main", "menu", "nav", "ol", "p", "section", "summary", "table", "tbody", "thead", "tfoot", "tr",
          "ul", "caption", "html", "legend"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_CELLS = {"td", "th"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


class _Children:
    """Something with ``children``, for walking a single node."""

    def __init__(self, children: list[Any]) -> None:
        self.children = children


_Walk = Iterator[Iterator[Any]]


class _HtmlText:
    def __init__(self) -> None:
        self.lines: list[tuple[str, bool, bool]] = []  # text, heading, hard break
        self.buf: list[str] = []
        self.heading = False
        self.ol_depth = 0

    def run(self, node: Any) -> None:
        """Walk ``node``. The walk is a tree of generators, each yielding the walks of its children, run
        here on an explicit stack: nesting as deep as a page has costs memory, never Python's stack."""
        stack: list[Iterator[Any]] = [self.walk(node)]
        while stack:
            try:
                stack.append(next(stack[-1]))
            except StopIteration:
                stack.pop()

    def ordered_list(self, ol: Any) -> _Walk:
        """An ``<ol>``: the numbers a browser draws are not in the text; write them out ("1." / "（1）", or
        "一、" for a CJK list style), unless an item already starts with its own numbering."""
        from bs4.element import Tag
        self.flush()
        self.ol_depth += 1
        try:
            n = int(ol.get("start") or 1)
        except ValueError:
            n = 1
        style = f"{ol.get('type') or ''} {ol.get('style') or ''}".lower()
        for li in ol.children:
            if not isinstance(li, Tag):
                continue
            if (li.name or "").lower() != "li":
                yield self.walk(_Children([li]))
                continue
            self.flush()
            text = li.get_text().strip()
            if text and match_numbering(text) is None:
                if "cjk" in style or "chinese" in style or "han" in style:
                    label = _cn_count(n) + "、"
                elif self.ol_depth == 1:
                    label = f"{n}. "
                else:
                    label = f"（{n}）"
                self.buf.append(label)
            yield self.walk(li)
            self.flush()
            n += 1
        self.ol_depth -= 1

    def flush(self, hard: bool = False) -> None:
        text = _collapse("".join(self.buf)).strip(" ")
        if text.strip():
            self.lines.append((text, self.heading, hard))
        self.buf = []

    def walk(self, node: Any) -> _Walk:
        from bs4.element import CData, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag
        for child in node.children:
            if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                if isinstance(child, CData):
                    continue
                self.buf.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = (child.name or "").lower()
            if name in _SKIP or child.has_attr("hidden") or _HIDDEN_STYLE.search(child.get("style") or ""):
                continue
            if name == "br":
                self.flush()
                continue
            if name == "ol":
                yield self.ordered_list(child)
                continue
            if name == "pre":
                self.flush()
                for ln in child.get_text().splitlines():
                    if ln.strip():
                        self.lines.append((ln.strip(), False, True))
                continue
            if name in _HEADINGS:
                self.flush()
                self.heading = True
                yield self.walk(child)
                self.flush()
                self.heading = False
                continue
            if name in _CELLS:
                if self.buf and "".join(self.buf).strip():
                    self.buf.append(" ")
                yield self.walk(child)
                if self.buf:
                    self.buf.append(" ")
                continue
            if name == "tr":
                self.flush()
                cells = len(child.find_all(_CELLS, recursive=False))
                yield self.walk(child)
                self.flush(hard=cells > 1)
                continue
            if name in _BLOCK:
                self.flush()
                yield self.walk(child)
                self.flush()
                continue
            yield self.walk(child)  # inline


def read_html(data: bytes, source: str) -> str:
    """The visible text of an HTML page, as Markdown (see the module doc)."""
    try:
        from bs4 import BeautifulSoup
    except ImportError:  # pragma: no cover - a dependency
        raise _missing("beautifulsoup4", "HTML", source) from None
    html = _decode_html(data, source)
    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception:  # noqa: BLE001 - lxml missing or refusing: the stdlib parser
        soup = BeautifulSoup(html, "html.parser")
    body = soup.body or soup
    walker = _HtmlText()
    walker.run(body)
    walker.flush()
    if not walker.lines:
        raise ParseError("empty input (the HTML page has no visible text)", file=source, reason="empty input")
    return "\n".join(md_escape(t, h, hard) for t, h, hard in walker.lines)


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _docx_heading(numbering: _DocxNumbering, paragraph: Any) -> bool:
    try:
        style = numbering.style(paragraph)
        name = (style.name or "") if style is not None else ""
    except (KeyError, ValueError, AttributeError):
        return False
    return name == "Title" or name.startswith("Heading")


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"


def _cn_count(n: int, digits: str = _CN_DIGITS, ten: str = "十", hundred: str = "百") -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (Word's chineseCounting)."""
    if n <= 0 or n >= 1000:
        return str(n)
    h, t, u = n // 100, n // 10 % 10, n % 10
    out = ""
    if h:
        out += digits[h] + hundred
        if t == 0 and u:
            return out + digits[0] + digits[u]
    if t:
        out += ("" if t == 1 and not h else digits[t]) + ten
    if u:
        out += digits[u]
    return out


def _roman(n: int) -> str:
    out = ""
    for v, r in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                 (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + r, n - v
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "koreanCounting"):
        return _cn_count(n)
    if fmt in ("chineseLegalSimplified", "japaneseLegal", "taiwaneseCountingThousand"):
        return _cn_count(n, _CN_LEGAL, "拾", "佰")
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(_CN_DIGITS[int(d)] for d in str(n)).replace("零", "〇")
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return "甲乙丙丁戊己庚辛壬癸"[n - 1]
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("lowerLetter", "upperLetter"):
        s = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s = _roman(n)
        return s.lower() if fmt == "lowerRoman" else s
    return str(n)


class _DocxNumbering:
    """Word's automatic numbering ("1." / "一、" / "（1）" that are not in the paragraph's text)."""

    def __init__(self, document: Any) -> None:
        self.levels: dict[str, dict[int, tuple[int, str, str, str]]] = {}  # abstract id → ilvl → (start, fmt, text, suff)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # num id → (abstract id, start overrides)
        self.counters: dict[str, dict[int, int]] = {}
        self.overridden: set[str] = set()
        self.styles: dict[str | None, Any] = {}  # style id → style (or the error looking it up raised)
        try:
            root = document.part.numbering_part.element
        except Exception:  # noqa: BLE001 - no numbering part
            return
        for an in root.iter(f"{_W}abstractNum"):
            lv: dict[int, tuple[int, str, str, str]] = {}
            for lvl in an.iter(f"{_W}lvl"):
                def val(tag: str, default: str, lvl: Any = lvl) -> str:
                    el = lvl.find(f"{_W}{tag}")
                    return el.get(f"{_W}val", default) if el is not None else default
                try:
                    lv[int(lvl.get(f"{_W}ilvl", "0"))] = (int(val("start", "1")), val("numFmt", "decimal"),
                                                          val("lvlText", ""), val("suff", "tab"))
                except ValueError:
                    continue
            self.levels[an.get(f"{_W}abstractNumId", "")] = lv
        for num in root.iter(f"{_W}num"):
            a = num.find(f"{_W}abstractNumId")
            overrides = {}
            for ov in num.iter(f"{_W}lvlOverride"):
                so = ov.find(f"{_W}startOverride")
                if so is not None:
                    try:
                        overrides[int(ov.get(f"{_W}ilvl", "0"))] = int(so.get(f"{_W}val", "1"))
                    except ValueError:
                        pass
            if a is not None:
                self.nums[num.get(f"{_W}numId", "")] = (a.get(f"{_W}val", ""), overrides)

    def style(self, paragraph: Any) -> Any:
        """``paragraph.style``, looked up once per style id: python-docx looks through every style of
        the document each time."""
        key = paragraph._p.style
        if key not in self.styles:
            try:
                self.styles[key] = paragraph.style
            except Exception as exc:  # noqa: BLE001 - raised again below, to each caller, as before
                self.styles[key] = exc
        hit = self.styles[key]
        if isinstance(hit, Exception):
            raise hit
        return hit

    def _num_pr(self, paragraph: Any) -> tuple[str, int] | None:
        p_pr = paragraph._p.pPr
        num_pr = p_pr.find(f"{_W}numPr") if p_pr is not None else None
        style = self.style(paragraph) if num_pr is None else None
        seen = 0
        while num_pr is None and style is not None and seen < 10:
            s_pr = style.element.find(f"{_W}pPr")
            num_pr = s_pr.find(f"{_W}numPr") if s_pr is not None else None
            style, seen = style.base_style, seen + 1
        if num_pr is None:
            return None
        nid = num_pr.find(f"{_W}numId")
        ilvl = num_pr.find(f"{_W}ilvl")
        if nid is None:
            return None
        try:
            return nid.get(f"{_W}val", "0"), int(ilvl.get(f"{_W}val", "0")) if ilvl is not None else 0
        except ValueError:
            return None

    def prefix(self, paragraph: Any) -> str:
        if not self.nums:
            return ""
        try:
            found = self._num_pr(paragraph)
        except Exception:  # noqa: BLE001 - odd styles: no numbering rather than no document
            return ""
        if found is None or found[0] not in self.nums:
            return ""
        num_id, ilvl = found
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.overridden and overrides:
            self.overridden.add(num_id)
            for lv, start in overrides.items():
                counters[lv] = start - 1
        start, fmt, lvl_text, suff = levels[ilvl]
        if fmt in ("bullet", "none") or not lvl_text:
            return ""
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]

        def level_value(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            lv_start, lv_fmt = levels.get(k, (1, "decimal", "", ""))[:2]
            return _format_number(counters.get(k, lv_start), lv_fmt)

        label = re.sub(r"%([1-9])", level_value, lvl_text)
        return label + ("" if suff == "nothing" else " ")


def _docx_blocks(container: Any, numbering: _DocxNumbering) -> Iterator[tuple[str, bool, bool]]:
    """(text, heading, hard break) for each line of a document body or a table cell."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            text = item.text
            label = numbering.prefix(item)  # counted even on an empty paragraph, as Word does
            if text.strip():
                text = label + text
            for part in text.split("\n"):
                if part.strip():
                    yield part, _docx_heading(numbering, item), False
        elif isinstance(item, Table):
            for row in item.rows:
                cells, seen = [], set()
                for cell in row.cells:  # a merged cell is repeated across its span
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(cell)
                if len(cells) == 1:
                    yield from _docx_blocks(cells[0], numbering)
                else:
                    texts = [" ".join(t for t, _, _ in _docx_blocks(c, numbering)) for c in cells]
                    line = " ".join(t for t in texts if t.strip())
                    if line.strip():
                        yield line, False, True


def read_docx(data: bytes, source: str) -> str:
    """The body text of a .docx (paragraphs and tables in document order), as Markdown."""
    try:
        import docx
    except ImportError:  # pragma: no cover - a dependency
        raise _missing("python-docx", "DOCX", source) from None
    if not data:
        raise ParseError("empty input (the file has no bytes)", file=source, reason="empty input")
    if data.startswith(_OLE):
        raise ParseError(f"corrupt file: {_name(source)} is an old binary Word .doc (OLE), not a .docx; "
                         "save it as .docx", file=source, reason="corrupt file")
    if not data.startswith(b"PK"):
        raise ParseError(f"corrupt file: {_name(source)} is not a DOCX (a .docx is a ZIP package; this file is not one)",
                         file=source, reason="corrupt file")
    check_zip(io.BytesIO(data), source, "DOCX")  # before python-docx decompresses anything
    from policykg.settings import get_settings

    limit = get_settings().max_document_chars
    try:
        document = docx.Document(io.BytesIO(data))
        blocks, chars = [], 0
        for block in _docx_blocks(document, _DocxNumbering(document)):
            blocks.append(block)
            chars += len(block[0])
            if chars > limit:  # stop reading here: the whole text would be refused anyway
                raise ParseError(f"refused {_name(source)}: its text has more than {limit:,} characters, the "
                                 "limit (if the document is genuine, raise POLICYKG_MAX_DOCUMENT_CHARS)",
                                 file=source, reason="too large", setting="POLICYKG_MAX_DOCUMENT_CHARS")
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx, zipfile and lxml raise many kinds
        what = "a broken ZIP package" if isinstance(exc, zipfile.BadZipFile) else f"{type(exc).__name__}: {exc}"
        raise ParseError(f"corrupt file: cannot read {_name(source)} as a DOCX ({what})", file=source, reason="corrupt file") from None
    if not blocks:
        raise ParseError("empty input (the DOCX has no text)", file=source, reason="empty input")
    return "\n".join(md_escape(t, h, hard) for t, h, hard in blocks)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

_PAGE_NO = re.compile(r"[-—–－~～]+\s*\d{1,4}\s*[-—–－~～]+|第\s*\d{1,4}\s*页(?:\s*[，,/／]?\s*共\s*\d{1,4}\s*页)?"
                      r"|\d{1,4}\s*[/／]\s*\d{1,4}|\d{1,4}")
_CID = re.compile(r"\(cid:\d+\)")
_CJK_SPACE = re.compile(r"(?<=[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’])[ \u00a0]+"
                        r"(?=[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’])")


class _PdfLine:
    __slots__ = ("x0", "x1", "y0", "y1", "text")

    def __init__(self, x0: float, y0: float, x1: float, y1: float, text: str) -> None:
        self.x0, self.y0, self.x1, self.y1, self.text = x0, y0, x1, y1, text


def _pdf_lines(layout: Any) -> tuple[list[_PdfLine], bool]:
    """Horizontal text lines of a page, top to bottom, and whether the page holds images."""
    from pdfminer.layout import LTContainer, LTImage, LTTextLine
    lines: list[_PdfLine] = []
    images = False

    def visit(obj: Any) -> None:
        nonlocal images
        if isinstance(obj, LTImage):
            images = True
            return
        if isinstance(obj, LTTextLine):
            text = obj.get_text().replace("\n", "")
            if text.strip():
                lines.append(_PdfLine(obj.x0, obj.y0, obj.x1, obj.y1, text))
            return
        if isinstance(obj, LTContainer):
            for child in obj:
                visit(child)

    visit(layout)
    lines.sort(key=lambda ln: (-round(ln.y1, 1), ln.x0))
    return lines, images


def _glue(a: str, b: str) -> str:
    """Join a paragraph's wrapped lines: a space kept at the break stays (one), two Latin letters get
    one, CJK joins with nothing."""
    if a[-1:].isspace() or b[:1].isspace():
        return a.rstrip() + " " + b.lstrip()
    return a + (" " if a[-1:].isascii() and a[-1:].isalpha() and b[:1].isascii() and b[:1].isalpha() else "") + b


def read_pdf(data: bytes, source: str) -> str:
    """The text of a text-based PDF, one paragraph per line (see the module doc)."""
    try:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LAParams
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    except ImportError:  # pragma: no cover - a dependency
        raise _missing("pdfminer.six", "PDF", source) from None
    if not data:
        raise ParseError("empty input (the file has no bytes)", file=source, reason="empty input")
    if b"%PDF-" not in data[:1024]:
        raise ParseError(f"corrupt file: {_name(source)} is not a PDF (no %PDF- header)", file=source, reason="corrupt file")
    try:
        pages = [_pdf_lines(p) for p in extract_pages(io.BytesIO(data), laparams=LAParams(all_texts=True))]
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ParseError(f"encrypted PDF: cannot read {_name(source)} without its password ({type(exc).__name__})",
                         file=source, reason="encrypted") from None
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on broken files
        raise ParseError(f"corrupt file: cannot read {_name(source)} as a PDF ({type(exc).__name__}: {exc})",
                         file=source, reason="corrupt file") from None
    if not pages:
        raise ParseError(f"corrupt file: the PDF {_name(source)} has no pages", file=source, reason="corrupt file")
    all_text = "".join(ln.text for lines, _ in pages for ln in lines)
    if not all_text.strip():
        images = sum(1 for _, has in pages if has)
        what = f"{images} of {len(pages)} page(s) hold only images" if images else f"{len(pages)} page(s), no text"
        raise ParseError(f"the PDF {_name(source)} has no text layer (scanned?): it needs OCR before it can be read "
                         f"({what})",
                         file=source, reason="no text layer")
    cids = sum(len(m.group(0)) for m in _CID.finditer(all_text))
    if cids > 0.3 * len(all_text):
        raise ParseError(f"the fonts of the PDF {_name(source)} have no Unicode mapping ((cid:N) glyphs): its text cannot be "
                         "extracted; it needs OCR", file=source, reason="no text layer")

    pages_lines = [[ln for ln in lines if not _PAGE_NO.fullmatch(ln.text.strip())] for lines, _ in pages]
    everything = [ln for lines in pages_lines for ln in lines]
    # the text block's margins over the whole document (a page with a short signature alone has none)
    body = [ln for ln in everything if len(ln.text.strip()) >= 6] or everything
    left = min(ln.x0 for ln in body)
    right = max(ln.x1 for ln in body)
    size = statistics.median(ln.y1 - ln.y0 for ln in everything) or 10.0

    paragraphs: list[str] = []
    last_full = False  # the previous page ended on a line that ran to the right margin
    for lines in pages_lines:
        if not lines:
            continue
        prev: _PdfLine | None = None
        for i, ln in enumerate(lines):
            text = _CJK_SPACE.sub("", _CID.sub("", ln.text))
            indented = ln.x0 - left >= 0.9 * size
            if prev is None:
                cont = bool(paragraphs) and last_full and not indented
            else:
                gap = prev.y0 - ln.y1
                short = prev.x1 < right - 1.5 * size
                cont = not indented and not short and gap < 1.2 * size
            if cont:
                paragraphs[-1] = _glue(paragraphs[-1], text)
            else:
                if paragraphs:
                    paragraphs[-1] = paragraphs[-1].rstrip()
                paragraphs.append(text.lstrip())
            prev = ln
            if i == len(lines) - 1:
                last_full = ln.x1 >= right - 1.5 * size
    return "\n".join(paragraphs)
