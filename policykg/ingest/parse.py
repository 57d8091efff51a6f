"""The structure of a policy document: metadata, sections and numbered clauses, with spans.

Pipeline: a *format reader* turns a file's bytes into raw text (``.md``/``.txt``, ``.html``/``.htm``,
``.docx``, text-based ``.pdf``: :data:`READERS`, readers in :mod:`policykg.ingest.readers`); everything
after that is shared: :func:`policykg.ingest.text.normalise_blocks` gives the normalised text
(``DocumentInfo.text``), :func:`parse_text` finds the structure in it, and
:func:`policykg.ingest.extract.extract_document` adds the facts (amounts, percentages, conditions per
clause and section; budget floor and fund scale per clause; the document's rules).

Spans are ``(start, end)`` character offsets, end exclusive, into ``DocumentInfo.text``:

- ``Section.span`` covers the section's title as stored in ``Section.title`` (the heading after its
  numbering "一、" / "（一）" / "第一章", without a trailing "。" or "：");
  ``Section.text_span`` covers ``Section.text``, the section's own unnumbered body (the paragraphs
  between its heading and its first subsection or clause, plus anything after a "。" on the heading
  line; the whole heading line when it is a sentence rather than a title), or is None when there is none.
- ``Clause.span`` covers ``Clause.text``: the clause's text after its label and separator
  ("5. " / "第三条 " / "（一）"), through the end of its last paragraph. A clause may run over
  several paragraphs (sub-items "（1）…" on their own lines), so its text may contain ``\\n``.

Which numbered paragraphs are the clauses is read from each document (:func:`policykg.ingest.levels.read_levels`): 第N条 articles
when there are any; otherwise the outermost numbering kind that is not a heading level. The nesting of
the kinds (一、 / （一） / 1. / 1） / （1） / ①, and ㈠ / ⑴) comes from the order in which the document
uses them, so "1." items may sit under "（一）" headings in one document and hold "（一）" sub-items in
another. A kind is a heading level when its paragraphs with numbered paragraphs under them are headings
over measures; it numbers the measures when those are measures enumerating sub-items ("…按以下标准
给予奖励：" then "（1）…；"). A measure written at the heading level among headings over measures
("（三）支持楼宇更新改造。对…" beside "（四）培育特色楼宇" + its items) is a clause too. The body runs
from the first numbered paragraph (not counting a cover letter's "附件：1.… 2.…" list) to the back
matter (signature, date, 抄送/印发, 附件, a web page's related links and footer).

So ``document.text[s.span[0]:s.span[1]] == s.title``, ``document.text[s.text_span[0]:s.text_span[1]] ==
s.text`` and ``document.text[c.span[0]:c.span[1]] == c.text`` always hold. Extractors (amounts,
percentages, conditions, rules; later industries) work on clause spans and report offsets into the
same text: every extracted item has ``quote`` and ``span`` with ``text[span[0]:span[1]] == quote``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from policykg.errors import ParseError
from policykg.ingest import readers as _readers
from policykg.ingest.clause_kind import clause_kind
from policykg.ingest.document import Clause, DocumentInfo, ParsedDocument, Section, Span
from policykg.ingest.extract import extract_document
from policykg.ingest.frontmatter import read_front_matter
from policykg.ingest.levels import ANY_PUNCT_RE, read_levels
from policykg.ingest.link import link_document
from policykg.ingest.text import (
    Numbering,
    decode,
    is_date_line,
    is_org_line,
    is_tail_line,
    match_numbering,
    normalise_blocks,
)

__all__ = [
    "READERS",
    "Clause",
    "DocumentInfo",
    "ParsedDocument",
    "Reader",
    "Section",
    "parse_bytes",
    "parse_file",
    "parse_text",
]

_MB = 1024 * 1024


# --------------------------------------------------------------------------------------------
# Format readers
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reader:
    """Turns a file's bytes into raw text; ``markdown`` says whether to strip Markdown syntax."""

    name: str
    read: Callable[[bytes, str], str]
    markdown: bool


def _read_text(data: bytes, source: str) -> str:
    return decode(data, source)


#: file suffix → reader. HTML and DOCX readers give Markdown (headings as "#", other text escaped),
#: the PDF reader plain text, one paragraph per line (see policykg.ingest.readers).
READERS: dict[str, Reader] = {
    ".md": Reader("markdown", _read_text, True),
    ".markdown": Reader("markdown", _read_text, True),
    ".txt": Reader("text", _read_text, False),
    ".text": Reader("text", _read_text, False),
    ".html": Reader("html", _readers.read_html, True),
    ".htm": Reader("html", _readers.read_html, True),
    ".shtml": Reader("html", _readers.read_html, True),
    ".xhtml": Reader("html", _readers.read_html, True),
    ".docx": Reader("docx", _readers.read_docx, True),
    ".pdf": Reader("pdf", _readers.read_pdf, False),
}
_DEFAULT_READER = READERS[".md"]  # unknown suffix: text, tolerating Markdown
_NOT_YET = {".doc", ".wps", ".ofd", ".rtf", ".xls", ".xlsx", ".odt"}


def _reader_for(source: str) -> Reader:
    suffix = Path(source).suffix.lower()
    if suffix in READERS:
        return READERS[suffix]
    if suffix in _NOT_YET:
        raise ParseError(f"unsupported format {suffix} (readers exist for "
                         f"{', '.join(sorted(READERS))})", file=source, reason="unsupported format")
    return _DEFAULT_READER


def parse_file(path: str | Path) -> ParsedDocument:
    """Parse a policy document: ``.md``, ``.txt``, ``.html``/``.htm``, ``.docx`` or a text-based ``.pdf``.

    A file over ``POLICYKG_MAX_DOCUMENT_MB`` is refused before it is read (see :func:`parse_bytes` for
    the other limits)."""
    from policykg.settings import get_settings

    path = Path(path)
    _reader_for(str(path))  # fail on an unsupported format before reading the file
    limit = get_settings().max_document_mb
    size = path.stat().st_size
    if size > limit * _MB:
        raise ParseError(f"refused {path.name}: the file has {size:,} bytes, over the limit of {limit:g} MB "
                         "(if the document is genuine, raise POLICYKG_MAX_DOCUMENT_MB)",
                         file=str(path), reason="too large", setting="POLICYKG_MAX_DOCUMENT_MB")
    return parse_bytes(path.read_bytes(), str(path))


def parse_bytes(data: bytes, source: str) -> ParsedDocument:
    """Parse a document's bytes; ``source`` names it (its suffix picks the format reader).

    Refused (:class:`ParseError`, ``reason="too large"``): bytes over ``POLICYKG_MAX_DOCUMENT_MB``, a
    DOCX over the ZIP limits (:mod:`policykg.ingest.archive`), a text longer than
    ``POLICYKG_MAX_DOCUMENT_CHARS`` once read."""
    from policykg.settings import get_settings

    settings = get_settings()
    name = Path(source).name or source
    if len(data) > settings.max_document_mb * _MB:
        raise ParseError(f"refused {name}: the document has {len(data):,} bytes, over the limit of "
                         f"{settings.max_document_mb:g} MB (if it is genuine, raise POLICYKG_MAX_DOCUMENT_MB)",
                         file=source, reason="too large", setting="POLICYKG_MAX_DOCUMENT_MB")
    reader = _reader_for(source)
    raw = reader.read(data, source)
    if len(raw) > settings.max_document_chars:
        raise ParseError(f"refused {name}: its text has {len(raw):,} characters, over the limit of "
                         f"{settings.max_document_chars:,} (if the document is genuine, raise "
                         "POLICYKG_MAX_DOCUMENT_CHARS)", file=source, reason="too large",
                         setting="POLICYKG_MAX_DOCUMENT_CHARS")
    return parse_text(raw, source=source, sha256=hashlib.sha256(data).hexdigest(), markdown=reader.markdown)


# --------------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------------

@dataclass
class _Line:
    index: int
    start: int
    text: str
    heading: bool
    num: Numbering | None

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass
class _SecBuild:
    kind: str
    rank: int
    num: Numbering
    path: str
    id: str
    parent: str | None
    level: int
    title: str
    title_span: Span
    body: list[int] | None = None        # [start, end] of the own body
    body_closed: bool = False             # a subsection or clause has started
    titles: tuple[str, ...] = ()          # own and ancestors' titles, innermost first


@dataclass
class _ClauseBuild:
    num: Numbering
    section: _SecBuild | None
    start: int
    end: int


_SENTENCE_STOP = re.compile(r"[。！？]")

def parse_text(raw: str, *, source: str = "<text>", sha256: str | None = None,
               markdown: bool = True) -> ParsedDocument:
    """Parse decoded raw text (the part shared by all formats)."""
    blocks = normalise_blocks(raw, markdown=markdown)
    text = "\n".join(b.text for b in blocks)
    doc_id = "doc-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    if sha256 is None:
        sha256 = hashlib.sha256(raw.encode("utf-8")).hexdigest()

    lines: list[_Line] = []
    pos = 0
    for i, b in enumerate(blocks):
        lines.append(_Line(i, pos, b.text, b.heading, match_numbering(b.text)))
        pos += len(b.text) + 1

    first = _body_start(lines)
    if first is None:
        raise ParseError("no numbered items found (no 一、/（一）/1./第一条 paragraphs)",
                         file=source, reason="no numbered items found")
    tail = _tail_start(lines, first)
    preamble, body, back = lines[:first], lines[first:tail], lines[tail:]

    front = read_front_matter(preamble, back, text[body[0].start:body[-1].end] if body else "")
    sections, clauses = _structure(body, doc_id, front.title or "", source)
    info = DocumentInfo(
        id=doc_id,
        doc_number=front.doc_number,
        title=front.title,
        issuers=front.issuers,
        issued_date=front.issued_date,
        effective_date=front.effective_date,
        sha256=sha256,
        text=text,
        source=source,
    )
    return link_document(extract_document(ParsedDocument(info, sections, clauses)))


def _body_start(lines: list[_Line]) -> int | None:
    """Index of the first numbered paragraph of the body. The entries of an attachment list in a cover
    letter ("附件：1.示例市…若干措施" / "2.示例市…申报指南") are skipped: they name documents."""
    listing = False
    for ln in lines:
        if ln.num is None:
            listing = bool(re.match(r"附\s*件|附[：:]", ln.text)) and is_tail_line(ln.text)
            continue
        if ln.num.kind == "item3":
            continue
        content = ln.text[ln.num.end:]
        if listing and len(content) <= 60 and not _SENTENCE_STOP.search(content) and "；" not in content:
            continue
        if _DOC_NAME_RE.fullmatch(content):
            continue  # "1.关于印发…的通知": a link to another document (a web page's sidebar), not a measure
        return ln.index
    return None


_DOC_NAME_RE = re.compile(r"[^。；！？]{0,60}(?:关于|印发|《)[^。；！？]{4,80}(?:通知|意见|办法|细则|方案|规定|决定|公告|通告|"
                          r"措施|政策|批复|函|条例)(?:》|（[^）]{1,8}）)?\s*(?:[（(]?\d{4}[-./年]\d{1,2}[-./月]\d{1,2}日?[）)]?)?")


def _tail_start(lines: list[_Line], first: int) -> int:
    """Index of the first line of the back matter: signature block, 抄送/印发 lines, attachments."""
    def back_matter(ln: _Line) -> bool:
        return ln.num is None and (is_org_line(ln.text) or is_date_line(ln.text) or is_tail_line(ln.text))

    # a signature with no date: organisation lines that only back matter follows
    end = len(lines)
    while end - 1 > first and back_matter(lines[end - 1]):
        end -= 1
    for i in range(first + 1, len(lines)):
        if i == end and is_org_line(lines[i].text):
            return i
        ln = lines[i]
        if ln.num is not None and ln.num.kind != "item3":
            continue
        if is_date_line(ln.text) or is_tail_line(ln.text):
            k = i
            while k - 1 > first and lines[k - 1].num is None and is_org_line(lines[k - 1].text):
                k -= 1
            return k
    return len(lines)


def _structure(body: list[_Line], doc_id: str, doc_title: str,
               source: str) -> tuple[list[Section], list[Clause]]:
    levels = read_levels(body, source)
    section_kinds, clause_kind = levels.section_kinds, levels.clause_kind
    present = {ln.num.kind for ln in body if ln.num}
    top_kind = next((k for k in section_kinds if k in present), None)

    stack: list[_SecBuild] = []
    secs: list[_SecBuild] = []
    builds: list[_ClauseBuild] = []
    current: _ClauseBuild | None = None
    last: dict[str, tuple[int, str | None, str]] = {}
    scopes_with_clauses: set[str | None] = set()
    used_ids: set[str] = set()

    def accept(num: Numbering, scope: str | None) -> bool:
        prev = last.get(num.kind)
        if prev is None:
            return True
        pn, pscope, pstyle = prev
        return (num.number == pn + 1 or (scope != pscope and num.number == 1)
                or (num.number > pn and num.style == pstyle)
                or (num.number == 1 and num.kind == clause_kind and num.style == pstyle and restart_ok))

    restart_ok = False  # an unnumbered sub-heading ("**专项一 人才支持**") may restart the numbering under it
    for bi, ln in enumerate(body):
        if ln.num is None and _subheading(ln):
            restart_ok = True
        num = ln.num
        if num is not None and num.kind in section_kinds:
            rank = levels.rank[num.kind]
            keep = [s for s in stack if s.rank < rank]
            parent = keep[-1] if keep else None
            scope = parent.id if parent else None
            inverted = num.kind != top_kind and scope in scopes_with_clauses
            if not inverted and accept(num, scope):
                last[num.kind] = (num.number, scope, num.style)
                stack = keep
                if parent is not None:
                    parent.body_closed = True
                if bi in levels.leaf_measures:
                    current = _ClauseBuild(num, parent, ln.start + num.end, ln.end)
                    builds.append(current)
                    continue
                sec = _new_section(ln, num, rank, parent, len(stack) + 1, doc_id, used_ids)
                stack.append(sec)
                secs.append(sec)
                current = None
                continue
        if num is not None and num.kind == clause_kind:
            sec = stack[-1] if stack else None
            scope = sec.id if sec else None
            if accept(num, scope):
                last[num.kind] = (num.number, scope, num.style)
                if sec is not None:
                    sec.body_closed = True
                scopes_with_clauses.add(scope)
                current = _ClauseBuild(num, sec, ln.start + num.end, ln.end)
                builds.append(current)
                restart_ok = False
                continue
        # an unnumbered paragraph, or numbering that is not a new item: continuation
        if current is not None:
            current.end = ln.end
        elif stack and not stack[-1].body_closed:
            sec = stack[-1]
            if sec.body is None:
                sec.body = [ln.start, ln.end]
            else:
                sec.body[1] = ln.end

    if not builds:
        raise ParseError("no numbered items found", file=source, reason="no numbered items found")

    text_of = _TextOf(body)
    sections = [Section(
        id=s.id, label=s.num.label, title=s.title, parent=s.parent, level=s.level, span=s.title_span,
        text=text_of(s.body) if s.body else None, text_span=(s.body[0], s.body[1]) if s.body else None,
    ) for s in secs]

    clauses = _clauses(builds, doc_id, doc_title, text_of)
    return sections, clauses


def _subheading(ln: _Line) -> bool:
    """An unnumbered heading between items: a Markdown heading, or a short line without punctuation."""
    t = ln.text
    return (ln.heading or len(t) <= 25) and not ANY_PUNCT_RE.search(t) and not is_tail_line(t) \
        and not is_org_line(t) and not is_date_line(t)


class _TextOf:
    """Slices of the normalised text, rebuilt from the body lines."""

    def __init__(self, body: list[_Line]) -> None:
        self.base = body[0].start if body else 0
        self.text = "\n".join(ln.text for ln in body)

    def __call__(self, span: list[int] | Span) -> str:
        return self.text[span[0] - self.base:span[1] - self.base]


def _new_section(ln: _Line, num: Numbering, rank: int, parent: _SecBuild | None, level: int,
                 doc_id: str, used_ids: set[str]) -> _SecBuild:
    content = ln.text[num.end:]
    stop = _SENTENCE_STOP.search(content)
    t0 = ln.start + num.end
    if stop:
        title = content[:stop.start()]
        rest = content[stop.end():]
        body_start = ln.end - len(rest.lstrip())
        if len(title) > 30 or re.search(r"[，,、；;]", title):
            body_start = t0  # no heading but a sentence ("（二）企业通过…在线申报，…。"): it is body text too
    else:
        title, body_start = content, None
    title = title.rstrip("：:；; \u3000")
    path = f"{parent.path}.{num.number}" if parent else str(num.number)
    sid = _unique(f"{doc_id}:s{path}", used_ids)
    sec = _SecBuild(kind=num.kind, rank=rank, num=num, path=path, id=sid, parent=parent.id if parent else None,
                    level=level, title=title, title_span=(t0, t0 + len(title)),
                    titles=(title, *(parent.titles if parent else ())))
    if body_start is not None and body_start < ln.end:
        sec.body = [body_start, ln.end]
    return sec


def _unique(candidate: str, used: set[str]) -> str:
    out, n = candidate, 2
    while out in used:
        out, n = f"{candidate}.{n}", n + 1
    used.add(out)
    return out


_PREFIX = {"measure": "m", "annex": "a", "item": "c"}


def _clauses(builds: list[_ClauseBuild], doc_id: str, doc_title: str, text_of: _TextOf) -> list[Clause]:
    bodies = [text_of((b.start, b.end)) for b in builds]
    kinds = [clause_kind(b.section.titles if b.section else (), doc_title, body, article=b.num.kind == "article")
             for b, body in zip(builds, bodies, strict=True)]
    # ids: "m5"; when numbers repeat within a prefix (numbering restarting per section), "m2.1-5"
    seen: dict[str, set[int]] = {}
    colliding: set[str] = set()
    for b, kind in zip(builds, kinds, strict=True):
        p = _PREFIX[kind]
        if b.num.number in seen.setdefault(p, set()):
            colliding.add(p)
        seen[p].add(b.num.number)
    used: set[str] = set()
    out = []
    for ordinal, (b, kind, body) in enumerate(zip(builds, kinds, bodies, strict=True), start=1):
        p = _PREFIX[kind]
        if p in colliding and b.section is not None:
            cid = f"{doc_id}:{p}{b.section.path}-{b.num.number}"
        else:
            cid = f"{doc_id}:{p}{b.num.number}"
        out.append(Clause(id=_unique(cid, used), label=b.num.label, number=b.num.number,
                          section=b.section.id if b.section else None, kind=kind, title=_clause_title(body),
                          text=body, span=(b.start, b.end), ordinal=ordinal))
    return out


def _clause_title(body: str) -> str | None:
    """The leading phrase up to the first 。 (or the first line when it ends before one), if ≤ 30 chars."""
    stop = body.find("。")
    nl = body.find("\n")
    if nl != -1 and (stop == -1 or nl < stop):
        stop = nl
    if stop <= 0:
        return None
    phrase = body[:stop].rstrip("：: ")
    return phrase if 0 < len(phrase) <= 30 else None


if __name__ == "__main__":  # python -m policykg.ingest.parse FILE: the parse as JSON
    import json
    import sys

    for arg in sys.argv[1:]:
        print(json.dumps(parse_file(arg).to_dict(), ensure_ascii=False, indent=2))
