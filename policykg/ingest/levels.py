"""How a policy document nests its numbering, read from the document itself.

:func:`read_levels` says which numbering kinds (一、 / （一） / 1. / 1） / （1） / ① …, 第N章 / 第N节 / 第N条)
are headings (sections) and which one numbers the measures (clauses), and which heading-level paragraphs
are measures themselves; see its docstring. Used by :mod:`policykg.ingest.parse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.errors import ParseError
from policykg.ingest.clause_kind import NOT_MEASURE_RE
from policykg.ingest.frontmatter import Line
from policykg.ingest.text import KINDS

__all__ = ["ANY_PUNCT_RE", "Levels", "read_levels"]


@dataclass
class Levels:
    """How a document nests its numbering, read from the document itself."""

    section_kinds: list[str]        # outermost first
    clause_kind: str
    rank: dict[str, int]            # kind → nesting rank (0 outermost)
    leaf_measures: set[int]         # body indices of section-kind paragraphs that are measures themselves


_STOP_RE = re.compile(r"[。；！？;!?]")
ANY_PUNCT_RE = re.compile(r"[。；：，、！？;:,!?]")
_PINNED = ("chapter", "part")


def _content(ln: Line) -> str:
    return ln.text[ln.num.end:] if ln.num else ln.text


def _titled_body(content: str) -> bool:
    """"支持企业上市。对在境内外…": a short title, a full stop, then the body."""
    stop = content.find("。")
    return 0 < stop <= 30 and not re.search(r"[，,；;：:]", content[:stop]) and bool(content[stop + 1:].strip())


def _inline_body(content: str) -> bool:
    """Does a numbered paragraph carry text of its own beyond a heading?"""
    if _titled_body(content):
        return True
    stop = _STOP_RE.search(content)
    return stop is not None and len(content) > 30


def _heading(content: str) -> bool:
    """A heading rather than a sentence: no full stop, or a short title closed by one ("支持企业上市。")."""
    stop = _STOP_RE.search(content)
    if stop is None:
        return True
    return (stop.end() == len(content.rstrip()) and len(content) <= 16
            and not re.search(r"[，,、\d０-９]", content))


def _titled(content: str) -> bool:
    """A measure-like paragraph: a title then its body, or a bare heading (its body follows)."""
    return _titled_body(content) or (0 < len(content) <= 30 and not ANY_PUNCT_RE.search(content))


def read_levels(body: list[Line], source: str) -> Levels:
    """Which numbering kinds are headings (sections) and which one numbers the measures (clauses).

    The nesting of the kinds is read from the order in which they appear (a kind first met inside another
    is deeper: "1. …" items may hold "（一）" sub-items or sit under "（一）" headings). A kind is a heading
    level when its paragraphs that have deeper numbered paragraphs are mostly headings over measures (no
    body of their own, or over items that have titles of their own); it numbers the measures when those
    are mostly measures that enumerate sub-items after a lead-in ("…按以下标准给予支持：" / "（1）…；").
    第N条 articles, when there are any, are the clauses; 第N章/第N节 are always headings.
    """
    nums = [(i, ln.num.kind) for i, ln in enumerate(body) if ln.num is not None]
    canonical = {k: i for i, k in enumerate(KINDS)}
    depths: dict[str, dict[int, int]] = {}
    stack: list[str] = []
    for _, kind in nums:
        if kind in _PINNED:
            stack = [k for k in stack if k in _PINNED and canonical[k] < canonical[kind]] + [kind]
        elif kind in stack:
            del stack[stack.index(kind) + 1:]
        else:
            stack.append(kind)
        d = depths.setdefault(kind, {})
        d[len(stack)] = d.get(len(stack), 0) + 1

    def mode(kind: str) -> int:
        d = depths[kind]
        return max(d, key=lambda depth: (d[depth], -depth))

    count = {k: sum(d.values()) for k, d in depths.items()}
    order = sorted(depths, key=lambda k: (0 if k == "chapter" else 1 if k == "part" else 2, mode(k), canonical[k]))
    if count.get("article", 0) >= 2:
        clause_kind = "article"
        section_kinds = [k for k in order[:order.index("article")] if k in _PINNED or mode(k) < mode("article")]
        rank = {k: i for i, k in enumerate(section_kinds)}
        rank["article"] = len(section_kinds)
        return Levels(section_kinds, clause_kind, rank, set())

    order = [k for k in order if k != "article"]
    rank = {k: i for i, k in enumerate(order)}
    candidates = [k for k in order if k not in _PINNED and k != "item3"]
    if not candidates:
        raise ParseError("no numbered items found (only chapter headings)", file=source, reason="no numbered items found")

    def descendants(a: int) -> list[int]:
        """Positions in nums of the numbered paragraphs under nums[a]."""
        r = rank[nums[a][1]]
        out = []
        for b in range(a + 1, len(nums)):
            if rank.get(nums[b][1], -1) <= r:
                break
            out.append(b)
        return out

    def container(kind: str) -> bool:
        heads = measures = 0
        for a, (i, k) in enumerate(nums):
            if k != kind:
                continue
            below = descendants(a)
            if not below:
                continue
            top = min(rank[nums[b][1]] for b in below)
            children = [body[nums[b][0]] for b in below if rank[nums[b][1]] == top]
            titled = sum(1 for c in children if _titled(_content(c)))
            first = nums[below[0]][0]
            between = [ln for ln in body[i + 1:first] if ln.num is None]
            lead = between[-1].text if between else _content(body[i])
            ends = [_content(c).rstrip()[-1:] for c in children]
            listed = len(children) >= 2 and all(e in "；;，," for e in ends[:-1])
            sentences = len(children) >= 2 and all(e in "。.！!" for e in ends)
            if 2 * titled >= len(children):
                heads += 1  # a heading over measures that have titles of their own
            elif listed or not _heading(_content(body[i])):
                measures += 1  # a measure enumerating its sub-items ("（1）…；（2）…。")
            elif lead.rstrip().endswith(("：", ":")) and not sentences:
                measures += 1  # "…按以下标准给予奖励：" over items
            else:
                heads += 1  # a bare heading over complete sentences
        return heads >= 1 and heads >= measures

    clause_kind = candidates[-1]
    for kind in candidates[:-1]:
        if not container(kind):
            clause_kind = kind
            break
    section_kinds = [k for k in order if rank[k] < rank[clause_kind]]

    # measures written at the heading level just above the measures, among headings over measures:
    # "（三）支持楼宇更新改造。对…" among "（四）培育特色楼宇" headings (a title and a body on one line), or
    # "一、支持企业上规升级" + its body paragraph, most of whose siblings are like it, beside one "四、附则"
    # heading over numbered items. Nothing numbered is under them; "总体要求"-like headings are no measures.
    leaf: set[int] = set()
    above = [k for k in section_kinds if k not in _PINNED]
    if above:
        kind = above[-1]
        groups: dict[int | None, list[int]] = {}
        has_clauses: dict[int | None, bool] = {}
        titled: list[tuple[int | None, int]] = []
        with_body: list[tuple[int | None, int]] = []
        for a, (i, k) in enumerate(nums):
            if k != kind:
                continue
            parent = next((nums[b][0] for b in range(a - 1, -1, -1) if rank.get(nums[b][1], 99) < rank[kind]), None)
            groups.setdefault(parent, []).append(i)
            below = descendants(a)
            if any(nums[b][1] == clause_kind for b in below):
                has_clauses[parent] = True
                continue
            if below:
                continue
            content = _content(body[i])
            if NOT_MEASURE_RE.search("".join(content.split())[:12]):
                continue
            nxt = nums[a + 1][0] if a + 1 < len(nums) else len(body)
            own_paragraphs = any(ln.num is None for ln in body[i + 1:nxt])
            if _titled_body(content):
                titled.append((parent, i))
            elif own_paragraphs or _inline_body(content):
                with_body.append((parent, i))
        for parent, i in titled:
            if has_clauses.get(parent):
                leaf.add(i)
        for parent, i in with_body:
            members = groups[parent]
            lonely = sum(1 for p, _ in titled + with_body if p == parent)
            if has_clauses.get(parent) and 2 * lonely >= len(members):
                leaf.add(i)
    return Levels(section_kinds, clause_kind, rank, leaf)
