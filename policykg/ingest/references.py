"""What a document's own words say about other documents: repeals, amendments and citations.

Every statement keeps the span of the document's normalised text it was read from, so that
``text[start:end] == quote``. Titles are compared by :func:`title_key`, never as printed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

# Quote marks and brackets that NFKC leaves apart but printers use interchangeably.
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "〔": "[", "〕": "]",
                       "【": "[", "】": "]", "〈": "<", "〉": ">", "—": "-", "－": "-", "–": "-"})
_SPACE = re.compile(r"\s+")


def title_key(title: str | None) -> str:
    """A title or a document number as compared: full-width folded to half-width, spaces dropped."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", title or "").translate(_FOLD))


def reference_id(title: str) -> str:
    """The id of the Reference node standing for a cited title (from its :func:`title_key`)."""
    return "ref-" + hashlib.sha256(title_key(title).encode("utf-8")).hexdigest()[:12]


def is_law(title: str) -> bool:
    """A national law or regulation (中华人民共和国…法, …条例 of a state body) rather than a policy document."""
    key = title_key(title)
    return key.startswith("中华人民共和国") or key.endswith(("法", "条例"))


@dataclass(frozen=True)
class Statement:
    """One statement about other documents, with its evidence."""
    kind: str                      # "repeal" (named) | "repeal_generic" | "amend" | "cite"
    quote: str
    span: tuple[int, int]
    titles: tuple[str, ...] = ()   # the documents named, as printed inside 《》
    numbers: tuple[str, ...] = ()  # document numbers named (文号)
    subject: str = ""              # repeal_generic: what the repeal covers (支持重点产业发展相关支持奖励政策)
    notes: tuple[str, ...] = field(default=())  # amend: the numbered change notes


_SENTENCE = re.compile(r"[^。；;\n]+[。；;]?")
_TITLE = re.compile(r"《([^《》\n]{2,100})》")
_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d{1,4}\s*号")
_REPEAL = re.compile(r"(?:同时|一并|即行|予以|自行)?(?:废止|停止执行|不再执行)")
_EARLIER = re.compile(r"(?:此前|以前|之前|此前已|原|过去)(?:出台|发布|印发|制定|下发|执行)?的?")
_CITE_VERB = re.compile(r"依据|根据|按照|参照|依照|遵照")
_CITE_JOIN = re.compile(r"\s*(?:[（(][^（）()《》]{0,30}[）)])?\s*(?:、|和|及|以及|与|，|,)?\s*")
_CITE_TAIL = re.compile(r"\s*(?:[（(][^（）()《》]{0,30}[）)])?\s*(?:的?(?:相关|有关)?规定|精神|要求)?")
_AMEND_TITLE = re.compile(r"关于(?:修订|修改|调整)《([^《》\n]{2,100})》(?:部分条款)?的(?:通知|决定)")
_NOTE_LABEL = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|\d+\s*[.．、]|[（(][一二三四五六七八九十\d]+[）)])")
_NOTE_VERB = re.compile(r"修改为|改为|调整为|修订为|删除|删去|增加|新增|增设|补充")
#: words a generic repeal's subject shares with any policy title; what is left says what it covers
_GENERIC = re.compile(r"支持|相关|有关|奖励|补助|扶持|优惠|政策|文件|规定|办法|措施|意见|若干|出台|发布|印发|制定|下发|"
                      r"同时|一律|我县|我市|我区|本县|本市|本区|全县|全市|全区|发展|加快|关于|实施|促进|推进|的|及|和|等|与")


def _sentences(text: str):
    for m in _SENTENCE.finditer(text):
        s = m.group(0)
        lead = len(s) - len(s.lstrip())
        yield m.start() + lead, s.strip()


def repeals(text: str) -> list[Statement]:
    """Repeal statements: named (原《X》同时废止, 《X》（文号）同时废止) or generic (此前出台的…政策同时废止)."""
    out: list[Statement] = []
    for start, s in _sentences(text):
        rep = _REPEAL.search(s)
        if not rep:
            continue
        head = s[:rep.start()]
        titles = tuple(m.group(1) for m in _TITLE.finditer(head))
        numbers = tuple(title_key(m.group(0)) for m in _NUMBER.finditer(head))
        span = (start, start + len(s))
        if titles or numbers:
            out.append(Statement("repeal", s, span, titles=titles, numbers=numbers))
            continue
        markers = list(_EARLIER.finditer(head))
        if markers:
            earlier = markers[-1]  # the last marker before 废止 opens the subject
            subject = head[earlier.end():].strip("，, ")
            if subject:
                out.append(Statement("repeal_generic", s, span, subject=subject))
    return out


def subject_terms(subject: str) -> list[str]:
    """The words of a generic repeal's subject that name what it covers (重点产业 of 支持重点产业发展相关支持奖励政策)."""
    return [t for t in _GENERIC.split(title_key(subject)) if len(t) >= 3]


def covers(subject: str, title: str | None) -> bool:
    """Whether a generic repeal's subject names the topic of a document with this title."""
    key = title_key(title)
    terms = subject_terms(subject)
    return bool(key) and bool(terms) and any(t in key for t in terms)


def amendment(text: str) -> Statement | None:
    """An amendment notice (关于修订《X》的通知) near the top of the text, with its numbered change notes."""
    m = _AMEND_TITLE.search(text[:2000])
    if not m:
        return None
    notes: list[str] = []
    for line in text[m.end():].split("\n")[1:]:
        if notes and (m.group(1) in line or (_NOTE_LABEL.match(line) and not _NOTE_VERB.search(line))):
            break  # the revised text begins: its title, or a numbered item that changes nothing
        if _NOTE_LABEL.match(line) and _NOTE_VERB.search(line):
            notes.append(line.strip())
    return Statement("amend", m.group(0), (m.start(), m.end()), titles=(m.group(1),), notes=tuple(notes))


def citations(text: str, own_title: str | None = None) -> list[Statement]:
    """Citations (依据《X》, 按照《X》, 参照《X》, 根据…《X》…规定), one statement per verb with the titles it names.

    A title that is the document's own (关于印发《X》的通知 of X) or the one an amendment notice revises is
    not a citation.
    """
    own = title_key(own_title)
    amended = amendment(text)
    skip = {title_key(t) for t in (amended.titles if amended else ())}
    out: list[Statement] = []
    for verb in _CITE_VERB.finditer(text):
        rest = text[verb.end():verb.end() + 40]
        first = _TITLE.search(rest)
        if not first or re.search(r"[。；;\n]", rest[:first.start()]):
            continue
        titles, end = [], verb.end() + first.start()
        while True:
            m = _TITLE.match(text, end)
            if not m:
                break
            key = title_key(m.group(1))
            if key and key != own and key not in own and key not in skip:
                titles.append(m.group(1))
            end = m.end()
            join = _CITE_JOIN.match(text, end)
            if not join or not _TITLE.match(text, join.end()):
                break
            end = join.end()
        if not titles:
            continue
        end = _CITE_TAIL.match(text, end).end()
        out.append(Statement("cite", text[verb.start():end], (verb.start(), end), titles=tuple(titles)))
    return out
