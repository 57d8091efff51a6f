"""A policy's front matter: title, document number, issuers, issue and commencement dates.

Read from the lines before the numbered body (the preamble: header "X 文件", document number, title,
issuers, a date in parentheses under the title, addressee), the back matter (signature block and its
date) and the body's commencement clause. The title is the policy's own: a site's page label, a
breadcrumb or a URL printed first gives way to a title-like line standing where a title stands (under
its issuers, above its date, opening with 关于); a cover letter "关于印发《X》的通知" gives way to X.
Issuers are whole organisations (split_orgs), from the signature, the header, the line of issuers above
the title, or the title's prefix (上海市人民政府关于…). 自印发之日起施行 / 自发布之日起施行 puts the
commencement on the issue date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from policykg.ingest.text import (
    DATE_LINE_RE,
    DATE_RE,
    DOCNUM_RE,
    TERMINAL,
    Numbering,
    header_orgs,
    is_date_line,
    is_docnum_line,
    is_org_line,
    is_title_like,
    iso_date,
    split_orgs,
)

__all__ = ["FrontMatter", "Line", "read_front_matter"]


class Line(Protocol):
    """A paragraph of the normalised text as the structure parser sees it."""

    @property
    def text(self) -> str: ...

    @property
    def heading(self) -> bool: ...

    @property
    def num(self) -> Numbering | None: ...


_CJK = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“”‘’《》—…·]"
_CJK_GAP_RE = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")


def _clean_title(s: str) -> str:
    return _CJK_GAP_RE.sub("", s).strip()


def _skip(ln: Line) -> bool:
    """Lines that are never the title: header, document number, date, signer, codes, URLs, breadcrumbs."""
    s = ln.text
    return (header_orgs(s) is not None or is_docnum_line(s) or is_date_line(s) or "签发人" in s
            or re.fullmatch(r"[A-Za-z0-9\-—_/．. ]+", s) is not None or ln.num is not None
            or _URL_RE.search(s) is not None or _BREADCRUMB_RE.search(s) is not None)


_URL_RE = re.compile(r"https?://|www\.[a-z0-9-]+\.")
_BREADCRUMB_RE = re.compile(r"(?:首页|当前位置|您的位置|所在位置)\s*[>＞›»:：]|\S\s*[>＞›»]\s*\S.*[>＞›»]")


def _title_context(preamble: list[Line], i: int) -> bool:
    """Does line i stand where a document prints its title: under its issuers or header, above its date
    or （试行）, or opening with 关于? A site's page label on line 1 has none of these."""
    ln = preamble[i]
    prev = preamble[i - 1] if i > 0 else None
    nxt = preamble[i + 1] if i + 1 < len(preamble) else None
    return (ln.text.startswith("关于") or _PREFIX_ORGS_RE.match(ln.text) is not None
            or (prev is not None and (is_org_line(prev.text) or bool(header_orgs(prev.text))))
            or (nxt is not None and is_date_line(nxt.text)))


def _title(preamble: list[Line]) -> tuple[str | None, int | None]:
    """The title and the index of its (last) preamble line, when it is one line of the preamble."""
    # heading runs (the header "X 文件" aside); consecutive heading lines are one wrapped title
    runs: list[list[int]] = []
    run: list[int] = []
    for i, ln in enumerate(preamble):
        if ln.heading and not _skip(ln):
            run.append(i)
            continue
        if run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    title: str | None = None
    at: int | None = None
    # 1. a heading that reads like a title (a web page's site name and column headings are headings too)
    for r in runs:
        joined = "".join(preamble[i].text for i in r)
        if is_title_like(_clean_title(joined)) or any(is_title_like(preamble[i].text) for i in r):
            title, at = _clean_title(joined), r[0]
            break
    # 2. a line that reads like a title ("关于…的意见", "…管理办法（试行）"); one standing where a title
    #    stands (under its issuers, above its date) wins over a site's page label printed first
    if title is None:
        candidates = [i for i, ln in enumerate(preamble) if not _skip(ln) and is_title_like(ln.text)]
        placed = [i for i in candidates if _title_context(preamble, i)]
        if candidates:
            at = (placed or candidates)[0]
            t = preamble[at].text
            prev = preamble[at - 1] if at > 0 else None
            if t.startswith("关于") and prev is not None and not _skip(prev) and is_org_line(prev.text) \
                    and len(prev.text.split()) == 1:
                t = prev.text + t  # "X人民政府" / "关于…的意见" wrapped after the issuer
            title = _clean_title(t)
    # 3. the first heading run; 4. the first preamble paragraph that does not end like a sentence
    if title is None and runs:
        title, at = _clean_title("".join(preamble[i].text for i in runs[0])), runs[0][0]
    if title is None:
        for i, ln in enumerate(preamble):
            if not _skip(ln) and ln.text[-1] not in TERMINAL and not is_org_line(ln.text):
                title, at = _clean_title(ln.text), i
                break
    if title is None:
        return None, None
    # "关于印发《X》的通知" followed by X itself: the document is X
    m = _ISSUING_RE.search(title)
    if m:
        inner = _clean_title(m["name"])
        for i, ln in enumerate(preamble):
            if _clean_title(ln.text) == inner:
                return inner, i
    return title, at


# "上海市人民政府关于…", "X局 Y局关于…": the issuers printed in the title
_PREFIX_ORGS_RE = re.compile(r"(?P<orgs>[^，。；：关]{2,80}?)\s*关于")


def _title_orgs(title: str | None) -> list[str]:
    m = _PREFIX_ORGS_RE.match(title or "")
    if not m:
        return []
    orgs = split_orgs(m["orgs"])
    rest = re.sub(r"[\s、，,和及与]", "", m["orgs"])
    return orgs if orgs and "".join(orgs) == rest else []


_ISSUING_RE = re.compile(r"(?:印发|转发|发布)\s*《?(?P<name>[^《》]{4,80}?)》?\s*的?\s*(?:通知|函)$")


def _doc_number(preamble: list[Line]) -> str | None:
    for ln in preamble:
        if is_docnum_line(ln.text):
            return re.sub(r"\s+", "", DOCNUM_RE.search(ln.text).group(0))
    for ln in preamble:  # a web page's information table: "发文字号：示经信规〔2024〕4号 成文日期：…"
        m = re.search(r"(?:文号|字号)\s*[：:]\s*", ln.text)
        if m:
            d = DOCNUM_RE.match(ln.text, m.end())
            if d:
                return re.sub(r"\s+", "", d.group(0))
    return None


def _signature(back: list[Line]) -> tuple[list[str], str | None]:
    """Organisations and date of the signature block: the first date-only line of the back matter
    and the organisation lines right above it (or, with no date, the leading organisation lines)."""
    for i, ln in enumerate(back):
        if DATE_LINE_RE.fullmatch(ln.text):
            k = i
            while k > 0 and is_org_line(back[k - 1].text):
                k -= 1
            orgs = [o for line in back[k:i] for o in split_orgs(line.text)]
            d = DATE_RE.search(ln.text)
            return orgs, iso_date(d) if d else None
    orgs = []
    for ln in back:
        if not is_org_line(ln.text):
            break
        orgs.extend(split_orgs(ln.text))
    return orgs, None


def _preamble_signature(preamble: list[Line]) -> list[str]:
    """The signers of a cover letter ("关于印发…的通知") whose signature and date precede the document."""
    for i, ln in enumerate(preamble):
        if is_date_line(ln.text) and i > 0 and is_org_line(preamble[i - 1].text):
            k = i
            while k > 0 and is_org_line(preamble[k - 1].text):
                k -= 1
            return [o for line in preamble[k:i] for o in split_orgs(line.text)]
    return []


def _issuers(preamble: list[Line], back: list[Line], title: str | None, at: int | None) -> list[str]:
    """From the signature block; else a cover letter's signature; else the "X 文件" header; else the
    organisation line right above the title; else the title's own prefix (上海市人民政府关于…)."""
    orgs, _ = _signature(back)
    if not orgs:
        orgs = _preamble_signature(preamble)
    if not orgs:
        for ln in preamble:
            found = header_orgs(ln.text)
            if found:
                orgs = found
                break
    if not orgs and at is not None and at > 0 and is_org_line(preamble[at - 1].text) \
            and not (title or "").startswith(preamble[at - 1].text):
        orgs = split_orgs(preamble[at - 1].text)
    if not orgs:
        orgs = _title_orgs(title)
    return list(dict.fromkeys(orgs))


_WRITTEN_ON_RE = re.compile(r"成文(?:日期|时间)\s*[：:]\s*(?P<y>\d{4})\s*[-年./]\s*(?P<m>\d{1,2})\s*[-月./]\s*(?P<d>\d{1,2})")


def _issued_date(preamble: list[Line], back: list[Line]) -> str | None:
    _, date = _signature(back)
    if date:
        return date
    for ln in preamble:  # e.g. "（2024年10月24日）" under the title, or a cover letter's date
        if is_date_line(ln.text):
            m = DATE_RE.search(ln.text)
            if m and iso_date(m):
                return iso_date(m)
    for ln in preamble:  # a web page's information table: "成文日期：2024-04-28"
        m = _WRITTEN_ON_RE.search(ln.text)
        if m:
            return iso_date(m)
    return None


#: commencement: "自2019年1月1日起执行", "本意见2023年12月10日起施行" (without 自, 起 is needed)
_EFFECTIVE_RE = re.compile(rf"(?P<zi>自\s*)?(?:{DATE_RE.pattern})(?P<qi>\s*(?:起|开始)?\s*(?:起)?)\s*(?:施行|实施|执行|生效)")
#: "自印发之日起施行", "自发布之日起实施": in force on the issue date
_ON_ISSUE_RE = re.compile(r"自\s*(?:印发|发布|公布|下发|发文|签发|颁布)\s*之\s*日\s*起\s*(?:施行|实施|执行|生效)")


def _effective_date(body_text: str, issued: str | None) -> str | None:
    for m in _EFFECTIVE_RE.finditer(body_text):
        if m["zi"] or "起" in m["qi"]:
            return iso_date(m)
    return issued if _ON_ISSUE_RE.search(body_text) else None


@dataclass(frozen=True)
class FrontMatter:
    title: str | None
    doc_number: str | None
    issuers: list[str]
    issued_date: str | None     # YYYY-MM-DD
    effective_date: str | None  # YYYY-MM-DD


def read_front_matter(preamble: list[Line], back: list[Line], body_text: str) -> FrontMatter:
    """Title, document number, issuers and dates from the lines before the body (``preamble``), after it
    (``back``: the signature block) and the body's text (the commencement clause)."""
    title, at = _title(preamble)
    issued = _issued_date(preamble, back)
    return FrontMatter(title, _doc_number(preamble), _issuers(preamble, back, title, at), issued,
                       _effective_date(body_text, issued))
