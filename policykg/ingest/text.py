"""Bytes to text, and text to the normalised plain text every span indexes into.

``decode`` (from :mod:`policykg.ingest.decoding`, re-exported here) turns a file's bytes into ``str``
(UTF-8 with or without BOM, UTF-16 with BOM, else GB18030) and rejects what is not text.

``normalise`` produces the one canonical text of a document: one paragraph per line, ``\\n``
between paragraphs, no blank lines, Markdown syntax removed, whitespace stripped around each
line, and paragraphs split by page breaks joined again. Characters inside a paragraph are never
changed (full-width punctuation and the spaces in "不少于 1 亿元" stay), so every quote taken
from the normalised text is faithful to the source.

The line patterns (numbering, dates, document numbers, signature lines) live here because both
the page-break repair and the structure parser (``policykg.ingest.parse``) need them.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass

from policykg.ingest.decoding import decode

__all__ = [
    "DATE_LINE_RE",
    "DATE_RE",
    "DOCNUM_RE",
    "KINDS",
    "NUMBERING",
    "SECTION_KINDS",
    "TERMINAL",
    "Block",
    "Numbering",
    "cn_numeral_to_int",
    "decode",
    "header_orgs",
    "is_addressee_line",
    "is_date_line",
    "is_docnum_line",
    "is_org_line",
    "is_tail_line",
    "is_title_like",
    "iso_date",
    "match_numbering",
    "normalise",
    "normalise_blocks",
    "split_orgs",
]

# --------------------------------------------------------------------------------------------
# Numerals and dates
# --------------------------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
              # the financial (uppercase) numerals of amounts written out: 贰佰万元
              "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6, "陸": 6, "柒": 7, "捌": 8,
              "玖": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "拾": 10, "佰": 100, "仟": 1000}


def cn_numeral_to_int(s: str) -> int:
    """``"12"``/``"１２"`` → 12, ``"十二"`` → 12, ``"二十四"`` → 24, ``"一百零五"`` → 105, ``"贰佰"`` → 200,
    ``"二〇二四"`` (digit by digit, as in years) → 2024. Raises ``ValueError`` otherwise."""
    s = "".join(s.split())
    if not s:
        raise ValueError("empty numeral")
    if s.isdecimal():
        return int(s)
    if all(ch in _CN_DIGITS for ch in s):  # 二〇二四: positional digits
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    for big, factor in (("亿", 10 ** 8), ("万", 10 ** 4)):  # 壹拾万柒仟 = 10 × 10⁴ + 7000
        if big in s:
            high, _, low = s.partition(big)
            return (cn_numeral_to_int(high) if high else 1) * factor + (cn_numeral_to_int(low) if low else 0)
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            raise ValueError(f"not a numeral: {s!r}")
    return total + (digit or 0)


_YEAR = r"\d{4}|[〇零○Ｏ一二三四五六七八九]{4}"
_MD = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
#: a calendar date as written in Chinese documents: "2024年10月24日", "2024 年 10 月 24 日", "二〇二四年十月二十四日"
DATE_RE = re.compile(rf"(?P<y>{_YEAR})\s*年\s*(?P<m>{_MD})\s*月\s*(?P<d>{_MD})\s*日")
#: a line that is only a date (a signature date), optionally in parentheses
DATE_LINE_RE = re.compile(rf"[（(]?\s*(?:{DATE_RE.pattern})\s*[）)]?")


def iso_date(match: re.Match[str]) -> str | None:
    """``YYYY-MM-DD`` from a :data:`DATE_RE` match, or None when it is not a real date."""
    try:
        return _dt.date(cn_numeral_to_int(match["y"]), cn_numeral_to_int(match["m"]),
                        cn_numeral_to_int(match["d"])).isoformat()
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Line patterns
# --------------------------------------------------------------------------------------------

_CN_NUM = "[零〇一二三四五六七八九十百]"
# a PDF copy may print a space between the characters of a number: "第 1 0 条", "第 十 二 条"
_ANY_NUM = rf"(?:\d(?:[ \t\u3000]?\d){{0,2}}|{_CN_NUM}(?:[ \t\u3000]?{_CN_NUM}){{0,5}})"

#: Paragraph-start numbering, outermost first. ``label`` is the numbering as printed without its
#: trailing separator, ``num`` the number, ``sep`` the separator; the content starts at ``m.end()``.
NUMBERING: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"(?P<label>第\s*(?P<num>{_ANY_NUM})\s*(?:章|部分|篇))\s*")),
    ("part", re.compile(rf"(?P<label>第\s*(?P<num>{_ANY_NUM})\s*节)\s*")),
    # 第三条 at a paragraph start, but not a reference such as "第三条规定的"
    ("article", re.compile(rf"(?P<label>第\s*(?P<num>{_ANY_NUM})\s*条)"
                           r"(?!规定|所|中|的|之|款|项|第|至|和|或|及|与|、|，|有关)\s*")),
    ("sec1", re.compile(rf"(?P<label>(?P<num>{_CN_NUM}{{1,3}}))\s*(?P<sep>[、．.])\s*")),
    ("sec2", re.compile(rf"(?P<label>(?P<sep>[（(])\s*(?P<num>{_CN_NUM}{{1,3}})\s*[）)]|(?P<enc>[㈠㈡㈢㈣㈤㈥㈦㈧㈨㈩]))\s*")),
    # 1. 1． 1、 — but not a decimal such as "2.5亿元"
    ("item1", re.compile(r"(?P<label>(?P<num>\d{1,3}))\s*(?P<sep>[.．](?!\d)|、)\s*")),
    # 1） 1) — a list of its own (often the sub-items of "1." items)
    ("item1p", re.compile(r"(?P<label>(?P<num>\d{1,3}))\s*(?P<sep>[）)])\s*")),
    ("item2", re.compile(r"(?P<label>(?P<sep>[（(])\s*(?P<num>\d{1,3})\s*[）)]|(?P<enc>[⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇]))\s*")),
    ("item3", re.compile(r"(?P<label>(?P<num>[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]))\s*")),
]
SECTION_KINDS = ("chapter", "part", "sec1", "sec2")
#: every numbering kind, outermost first (the conventional nesting when a document does not show its own)
KINDS = tuple(k for k, _ in NUMBERING)


@dataclass(frozen=True)
class Numbering:
    kind: str      # one of the NUMBERING kinds
    label: str     # as printed, without the trailing separator: "5", "第3条", "（一）", "一"
    number: int
    style: str     # separator/bracket style, for telling a main list from a sub-list
    end: int       # offset in the line where the content starts


def match_numbering(line: str) -> Numbering | None:
    """The numbering at the start of a paragraph, or None."""
    for kind, rx in NUMBERING:
        m = rx.match(line)
        if not m:
            continue
        num = m["num"]
        enc = m.groupdict().get("enc")
        if kind == "item3":
            number = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳".index(num) + 1
        elif enc:  # ㈠ = （一）, ⑴ = （1）: one character
            number = ord(enc) - (0x3220 if kind == "sec2" else 0x2474) + 1
        else:
            try:
                number = cn_numeral_to_int(num)
            except ValueError:
                continue
        sep = m.groupdict().get("sep") or ("(" if enc else "")
        style = {"．": ".", "（": "(", "）": ")"}.get(sep, sep)
        return Numbering(kind, m["label"], number, style, m.end())
    return None


_ORG_SUFFIX = (r"(?:委员会|管委会|人民政府|政府|办公室|办公厅|常委会|局|厅|委|办|署|院|中心|公司|集团|协会|学会|"
               r"联合会|商会|银行|党委|党组|工委|团委|妇联|总工会|大学|学院|研究所|部)")
_ORG_TOKEN_RE = re.compile(rf"[\u4e00-\u9fff（）()·]{{2,40}}?{_ORG_SUFFIX}")
_ORG_TOKEN_FULL_RE = re.compile(rf"[\u4e00-\u9fff（）()·]{{1,40}}{_ORG_SUFFIX}")
#: a document number: 杭高新〔2024〕16号, 浙政发[2023]6号, X（2024）3号
DOCNUM_RE = re.compile(r"[\u4e00-\u9fff]{1,15}\s*[〔\[［（(【]\s*(?:\d{4})\s*[〕\]］）)】]\s*第?\s*\d{1,4}\s*号")
_HEADER_RE = re.compile(r"(?P<orgs>[^，。；：]{2,80}?)\s*文\s*件")
_TAIL_RE = re.compile(r"(?:抄送|抄报|主送|分送|印发|附件|附表)(?:[：:\s\d一二三四五六七八九十]|$)|附[：:]|[（(]\s*此件|此页无正文"
                      r"|.*印发$|公开(?:方式|属性)[：:]")
# the end of a web page's article: related links, print/close buttons, the site's footer
_WEB_TAIL_RE = re.compile(r"(?:相关(?:解读|链接|文件|阅读|附件|新闻|政策)|政策解读|图解|扫一扫|分享到|【?\s*(?:打印|关闭|返回|我要纠错)"
                          r"|上一篇|下一篇|网站地图|联系我们)")
_WEB_FOOTER_RE = re.compile(r"(?:主办单位|承办单位|主办[：:]|承办[：:]|版权所有|网站标识码|.{0,20}ICP备|技术支持[：:])")
_ADDRESSEE_RE = re.compile(r"(?:各[^。；]{0,78}|[^。；]{0,78}(?:单位|部门|政府|机关|企业|街道|乡镇|办事处|委员会|公司))[：:]")
_CODE_LINE_RE = re.compile(r"(?=.*\d)[A-Za-z0-9][A-Za-z0-9\-—_/．.]{3,40}")
_TITLE_SUFFIX = (r"(?:意见|通知|办法|规定|决定|方案|细则|措施|规划|批复|公告|通告|条例|纲要|要点|计划|政策|指引|指南|规则|"
                 r"决议|函|报告|通报|清单|目录)")
_TITLE_LIKE_RE = re.compile(rf"[^，。；：！？]{{4,100}}{_TITLE_SUFFIX}(?:[（(][^）)]{{1,8}}[）)])?")
_QUALIFIER_RE = re.compile(r"[（(][^）)]{1,10}[）)]")  # （试行） on its own line under a title

#: paragraph endings that close a sentence: a paragraph ending otherwise continues on the next line
TERMINAL = frozenset("。；：！？…”’」』）)】〕》.;:!?")


def is_org_line(s: str) -> bool:
    """One or more organisation names and nothing else (a signature line)."""
    if len(s) > 80 or re.search(r"[，。；：、！？“”]", s):
        return False
    return all(_ORG_TOKEN_FULL_RE.fullmatch(tok) for tok in s.split())


def split_orgs(s: str) -> list[str]:
    """Organisation names in a header or signature line. A name is split where a second organisation
    starts (杭州市财政局杭州市科技局), never before a unit of the same one (中共广州市天河区委统战部,
    广州市人民政府办公厅 are one body each)."""
    out: list[str] = []
    for tok in s.split():
        if _ORG_TOKEN_FULL_RE.fullmatch(tok) and len(_ORG_TOKEN_RE.findall(tok)) <= 1:
            out.append(tok)
            continue
        spans: list[list[int]] = []
        for m in _ORG_TOKEN_RE.finditer(tok):
            if spans and spans[-1][1] == m.start() and not _ORG_START_RE.match(m.group(0)):
                spans[-1][1] = m.end()  # 统战部 after 中共…区委: a unit of it
            else:
                spans.append([m.start(), m.end()])
        out.extend(tok[a:b] for a, b in spans)
    return out


# where an organisation's own name starts: a place (…省/市/县/区/州/盟/旗), or 中共 / 国家 / 中国
_ORG_START_RE = re.compile(r"(?:中共|国家|中国|[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|自治州|州|地区|盟|县|自治县|旗|区|镇|乡))")


def header_orgs(s: str) -> list[str] | None:
    """For a header line "X Y 文件", the organisations; None when the line is no such header."""
    m = _HEADER_RE.fullmatch(s)
    return split_orgs(m["orgs"]) if m and len(s) <= 90 else None


def is_date_line(s: str) -> bool:
    return DATE_LINE_RE.fullmatch(s) is not None


def is_docnum_line(s: str) -> bool:
    m = DOCNUM_RE.search(s)
    return m is not None and len(s) <= len(m.group(0)) + 20


def is_tail_line(s: str) -> bool:
    """抄送/印发/附件/（此件公开发布） lines, and a web page's related links and footer: the back matter."""
    return (_TAIL_RE.match(s) is not None or (len(s) <= 30 and _WEB_TAIL_RE.match(s) is not None)
            or (len(s) <= 120 and _WEB_FOOTER_RE.match(s) is not None))


def is_title_like(s: str) -> bool:
    return _TITLE_LIKE_RE.fullmatch(s) is not None


def is_addressee_line(s: str) -> bool:
    return _ADDRESSEE_RE.fullmatch(s) is not None


def _standalone(s: str, preamble: bool) -> bool:
    """Lines that are a paragraph of their own whatever they end with."""
    return (
        is_docnum_line(s) or header_orgs(s) is not None or is_org_line(s) or is_date_line(s)
        or is_tail_line(s) or "签发人" in s or _CODE_LINE_RE.fullmatch(s) is not None
        or (preamble and is_addressee_line(s))
    )


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """One paragraph of the normalised text (one line of it)."""

    text: str
    heading: bool = False      # written as a Markdown heading
    hard_break: bool = False   # the source forced a line break after it (Markdown "  " or "\\")


_WS = " \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"
_MD_HEADING_RE = re.compile(r"#{1,6}(?=\s|[^\x00-\x7f])\s*(?P<text>.*?)(?:\s+#+)?")
_MD_RULE_RE = re.compile(r"(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|(?:=\s*){3,})")
_MD_SETEXT_RE = re.compile(r"=+")  # "---" under a line is taken as a rule (page separator), not a heading
_MD_BULLET_RE = re.compile(r"[-*+]\s+(?=\S)")
_MD_STRONG_RE = re.compile(r"(?<!\\)(\*\*|__)(?=\S)(.+?)(?<=\S)(?<!\\)\1")
_MD_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PAGE_NUMBER_RE = re.compile(r"[-—–－~～]+\s*\d{1,4}\s*[-—–－~～]+|第\s*\d{1,4}\s*页(?:\s*[，,/／]?\s*共\s*\d{1,4}\s*页)?"
                             r"|\d{1,4}\s*[/／]\s*\d{1,4}")
_LINE_SEPARATORS = str.maketrans({"\f": "\n", "\v": "\n", "\x1c": "\n", "\x1d": "\n", "\x1e": "\n",
                                  "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
_SENTENCE_END = re.compile(r"[。！？；!?;]")


def normalise(raw: str, *, markdown: bool = True) -> str:
    """The normalised plain text: paragraphs joined by ``\\n`` (see :func:`normalise_blocks`)."""
    return "\n".join(b.text for b in normalise_blocks(raw, markdown=markdown))


def normalise_blocks(raw: str, *, markdown: bool = True) -> list[Block]:
    """Split ``raw`` into paragraphs, remove Markdown syntax and repair page breaks.

    - CRLF/CR → LF; form feeds and Unicode line separators end a line.
    - Each line is stripped of surrounding whitespace (including full-width spaces); blank lines,
      horizontal rules (``---``) and page-number lines (``— 3 —``, ``- 3 -``, ``第3页``, a bare ``3``) are
      dropped, and so are running headers and footers: a short line repeated next to page numbers.
    - With ``markdown=True``: leading ``#`` marks (recorded as ``heading``), setext underlines,
      ``**strong**`` markers, list bullets and backslash escapes are removed; a trailing two-space
      or backslash hard break keeps the line a paragraph of its own; a table row ``| a | b |`` becomes
      one line ``a b`` (a paragraph of its own) and the ``|---|`` rule goes.
    - Page-break repair: a paragraph that does not end in sentence-final punctuation (:data:`TERMINAL`)
      is joined, with nothing in between (a space between two Latin letters), to the next one unless
      either is a heading, the next starts with numbering, or either is a line that stands alone
      (document number, "X 文件" header, signature organisation, date, addressee, 抄送/印发 lines).
    - Hard-wrapped text (a copy of a typeset PDF: most lines run to the same width and stop
      mid-sentence): after the preamble, a line that runs to the margin continues on the next line,
      whatever that line starts with ("…按照本细则" / "第九条执行。"), unless the next line is indented
      where the document indents its paragraphs; a line that stops short of the margin ends its
      paragraph (a heading, the last line of a paragraph).
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_SEPARATORS)
    if text.startswith("\ufeff"):
        text = text[1:]

    # 1. lines, Markdown removed; page numbers kept as markers (None) for the furniture pass
    items: list[_Raw | None] = []
    prev_blank = True
    for rawline in text.split("\n"):
        hard = False
        if markdown:
            hard = rawline.endswith("  ") or rawline.rstrip(_WS).endswith("\\")
        s = rawline.strip(_WS)
        if not s:
            prev_blank = True
            continue
        heading = False
        if _PAGE_NUMBER_RE.fullmatch(s):
            items.append(None)
            prev_blank = True
            continue
        if markdown:
            if _MD_TABLE_RULE_RE.fullmatch(s):
                prev_blank = False
                continue
            if s.startswith("|") and s.endswith("|") and len(s) > 2 and not s.endswith("\\|"):
                cells = [_MD_ESCAPE_RE.sub(r"\1", _MD_STRONG_RE.sub(r"\2", c.strip(_WS))) for c in s[1:-1].split("|")]
                row = " ".join(c for c in cells if c)
                if row:
                    items.append(_Raw(row, False, True, _width(rawline), _indented(rawline)))
                prev_blank = False
                continue
            if hard and s.endswith("\\") and not s.endswith("\\\\"):
                s = s[:-1].rstrip(_WS)
            last = next((x for x in reversed(items) if x is not None), None)
            if _MD_SETEXT_RE.fullmatch(s) and not prev_blank and last is not None and not last.heading:
                last.heading = True  # setext underline: the line above is a heading
                prev_blank = False
                continue
            m = _MD_HEADING_RE.fullmatch(s)
            if m:
                s, heading = m["text"].strip(_WS), True
            elif _MD_BULLET_RE.match(s) and not _MD_RULE_RE.fullmatch(s):
                s = s[_MD_BULLET_RE.match(s).end():]
            s = _MD_STRONG_RE.sub(r"\2", s)
            s = _MD_ESCAPE_RE.sub(r"\1", s).strip(_WS)
        prev_blank = False
        if not s or _MD_RULE_RE.fullmatch(s):
            continue
        if _PAGE_NUMBER_RE.fullmatch(s) or (_BARE_NUMBER_RE.fullmatch(s) and not hard):
            items.append(None)
            continue
        items.append(_Raw(s, heading, hard, _width(rawline), _indented(rawline)))

    lines = _drop_furniture(items)
    wrap = _wrap_width(lines)
    if wrap is not None:
        lines = _drop_wrapped_furniture(items, lines, wrap)

    # 2. paragraphs
    body_lines = [ln for ln in lines if not ln.heading]
    indents = sum(1 for ln in body_lines if ln.indented)
    indent_used = wrap is not None and 0.05 * len(body_lines) <= indents <= 0.7 * len(body_lines)
    blocks: list[Block] = []
    last_width = 0  # width of the last source line of the current paragraph
    preamble = True  # no numbered paragraph seen yet
    for line in lines:
        block = Block(line.text, heading=line.heading, hard_break=line.hard)
        if blocks:
            prev = blocks[-1]
            if wrap is not None and not preamble:
                joined = _continues_wrapped(prev, line, last_width >= wrap, indent_used)
            else:
                joined = _continues(prev, block, preamble)
        else:
            joined = False
        if joined:
            glue = " " if _latin(prev.text[-1]) and _latin(line.text[0]) else ""
            blocks[-1] = Block(prev.text + glue + line.text, heading=prev.heading, hard_break=line.hard)
        else:
            blocks.append(block)
        last_width = line.width
        if preamble and match_numbering(line.text) is not None:
            preamble = False
    return blocks


@dataclass
class _Raw:
    """A source line after Markdown removal, with what the hard-wrap repair needs to know."""

    text: str
    heading: bool
    hard: bool
    width: int       # display width of the source line, indentation included (CJK characters count 2)
    indented: bool   # the source line starts with whitespace


_MD_TABLE_RULE_RE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?|\|\s*:?-{3,}:?\s*\|")
_BARE_NUMBER_RE = re.compile(r"\d{1,3}")  # a page number printed alone


def _width(rawline: str) -> int:
    w = 0
    for ch in rawline.rstrip(_WS):
        if ch == "\t":
            w += 4
        else:
            w += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return w


def _indented(rawline: str) -> bool:
    return rawline[:1] in (" ", "\t", "\u3000", "\u00a0")


def _drop_furniture(items: list[_Raw | None]) -> list[_Raw]:
    """The lines without page numbers and without running headers/footers (a short line that stands next
    to a page number more than once)."""
    near: list[int] = []
    for i, it in enumerate(items):
        if it is None:
            for j in (i - 1, i + 1):
                if 0 <= j < len(items) and items[j] is not None:
                    near.append(j)
    counts: dict[str, int] = {}
    for j in set(near):
        t = items[j].text
        counts[t] = counts.get(t, 0) + 1
    furniture = {t for t, n in counts.items()
                 if n >= 2 and len(t) <= 40 and not _SENTENCE_END.search(t) and match_numbering(t) is None
                 and not is_date_line(t)}
    if not furniture:
        return [it for it in items if it is not None]
    first_page = next(i for i, it in enumerate(items) if it is None)
    return [it for i, it in enumerate(items)
            if it is not None and not (it.text in furniture and (i in near or i > first_page))]


def _wrap_width(lines: list[_Raw]) -> int | None:
    """The width from which a line counts as running to the margin, when the text is hard-wrapped: many
    lines of about the same width that mostly stop mid-sentence. None for text with one paragraph per line."""
    widths = [ln.width for ln in lines if not ln.heading and not ln.hard]
    if len(widths) < 8:
        return None
    # the margin: the narrowest width that (almost) no line exceeds; lines "hanging" a punctuation mark
    # over it are a few columns wider
    ordered = sorted(widths)
    best = ordered[min(len(ordered) - 1, int(0.92 * len(ordered)))]
    if best < _WRAP_MIN:
        return None
    best_count = sum(1 for x in widths if best - _WRAP_SLACK <= x)
    if best_count < max(5, 0.3 * len(widths)):
        return None
    full = [ln for ln in lines if ln.width >= best - _WRAP_SLACK and not ln.heading]
    open_ended = sum(1 for ln in full if not _ends_sentence(ln.text))
    return best - _WRAP_SLACK if open_ended >= 0.5 * len(full) else None


_WRAP_SLACK = 8  # a paragraph's first line may have lost its two-character indentation
_WRAP_MIN = 28   # narrowest column taken for hard-wrapped text (14 CJK characters)
_SENTENCE_FINAL = frozenset("。；：！？…;:!?")
_CLOSERS = frozenset("”’」』）)】〕》")


def _ends_sentence(s: str) -> bool:
    """Does a line of hard-wrapped text end a sentence ("。", "；", "。”")? A line ending in "》" or "）" does not."""
    s = s.rstrip(_WS)
    while len(s) > 1 and s[-1] in _CLOSERS:
        if s[-2] in _SENTENCE_FINAL:
            return True
        s = s[:-1]
    return bool(s) and s[-1] in _SENTENCE_FINAL


def _drop_wrapped_furniture(items: list[_Raw | None], lines: list[_Raw], wrap: int) -> list[_Raw]:
    """In hard-wrapped text, a short header-like line ("X市人民政府文件", "X局") right after a page number,
    where the page ended mid-sentence, is a running header that appears too rarely to be recognised by
    repetition."""
    drop: set[int] = set()
    for i, it in enumerate(items):
        if it is not None or i == 0 or i + 1 >= len(items):
            continue
        before, after = items[i - 1], items[i + 1]
        if before is None or after is None:
            continue
        if before.width >= wrap and not _ends_sentence(before.text) and after.width < wrap \
                and not _ends_sentence(after.text) and match_numbering(after.text) is None and len(after.text) <= 40 \
                and (_RUNNING_HEADER_RE.search(after.text) or header_orgs(after.text) is not None
                     or is_org_line(after.text)):
            drop.add(id(after))
    return [ln for ln in lines if id(ln) not in drop]


_ANY_PUNCT_RE = re.compile(r"[。；：，、！？;:,!?]")
_RUNNING_HEADER_RE = re.compile(r"(?:文件|公报|简报|通报|规范性文件|专刊|内部资料)$")


def _continues_wrapped(prev: Block, nxt: _Raw, prev_full: bool, indent_used: bool) -> bool:
    """Is ``nxt`` the rest of the paragraph ``prev`` in hard-wrapped text?"""
    if prev.heading or nxt.heading or prev.hard_break or nxt.hard:
        return False
    if indent_used and nxt.indented:
        return False
    if not prev_full:
        return False
    nxt_num = match_numbering(nxt.text)
    num = match_numbering(prev.text)
    if nxt_num is not None and num is not None and 0 < len(prev.text) - num.end <= 20 \
            and not _ANY_PUNCT_RE.search(prev.text, num.end):
        return False  # a numbered heading that happens to reach a narrow margin, then the first item under it
    if nxt_num is not None and nxt_num.kind != "article" and prev.text[-1] not in "，、（(《“‘—":
        # numbering other than 第N条 is rarely a reference inside a sentence: a numbered heading or a table
        # row that happens to reach the margin is followed by a new item
        return False
    if not _ends_sentence(prev.text):
        return True
    return indent_used and match_numbering(nxt.text) is None and not _standalone(nxt.text, False)


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _continues(prev: Block, nxt: Block, preamble: bool) -> bool:
    """Is ``nxt`` the rest of the paragraph ``prev`` (split by a page or line break)?"""
    p, n = prev.text, nxt.text
    if preamble and is_title_like(p) and _QUALIFIER_RE.fullmatch(n) and not nxt.heading and not is_date_line(n):
        return True  # a title followed by （试行） on its own line
    if prev.heading or nxt.heading or prev.hard_break:
        return False
    if p[-1] in TERMINAL:
        return False
    if match_numbering(n) is not None:
        return False
    if _standalone(p, preamble) or _standalone(n, preamble):
        return False
    if preamble and is_title_like(p):
        return False  # a title is followed by the addressee or the opening paragraph
    num = match_numbering(p)
    if num is not None:
        content = p[num.end:]
        if not content:
            return True  # "1." alone on a line
        heading_like = (num.kind in SECTION_KINDS and not _SENTENCE_END.search(content)) or (
            num.kind in ("item1", "item2") and len(content) <= 20 and not re.search(r"[。！？；，,]", content))
        if heading_like:
            # a numbered heading: continues only with the short rest of a wrapped heading
            return len(n) <= 20 and not _SENTENCE_END.search(n) and n[-1] not in TERMINAL
    return True
