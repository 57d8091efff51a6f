"""The taxonomy as data: industries, places, tiers, programmes, funds and support instruments.

The entries live in ``policykg/data/taxonomy.yaml`` (see its header for the sources and fields).
This module loads them and offers three things to the rest of the ingest:

- :meth:`Taxonomy.resolve` — one name (from an enterprise CSV, a form, a query) to one entry:
  exact match on id, name, English name or synonym after :func:`normalise`.
- :meth:`Taxonomy.link` — every mention of any entry in a text, by longest match, with the span
  into the full text, so that ``text[s:e] == quote``; quote marks around or inside a name
  (“5050”政策) are tolerated.
- :meth:`Taxonomy.unlinked` — phrases of the genre (…产业, …企业, …基金, …计划, …行动, …小镇,
  …区块, …合作区, …合作园) that name nothing in the taxonomy: candidates for new entries.

:meth:`Taxonomy.to_batch` gives the graph rows: Industry, Place, Tier, Programme, Fund and
Instrument nodes (only schema-declared properties), SUBINDUSTRY_OF, SUBTIER_OF and PART_OF relationships.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from policykg.errors import PolicyKGError
from policykg.graph.base import GraphBatch
from policykg.graph.schema import load_schema

__all__ = [
    "KINDS",
    "LABELS",
    "Entry",
    "Mention",
    "Taxonomy",
    "TaxonomyError",
    "load_taxonomy",
    "normalise",
    "parse_taxonomy",
]

#: entry kinds, in file order; each is one node label
KINDS = ("industry", "place", "tier", "programme", "fund", "instrument")
LABELS = {"industry": "Industry", "place": "Place", "tier": "Tier", "programme": "Programme",
          "fund": "Fund", "instrument": "Instrument"}
_SECTIONS = {"industries": "industry", "places": "place", "tiers": "tier", "programmes": "programme",
             "funds": "fund", "instruments": "instrument"}
_COMMON = ("id", "name", "name_en", "synonyms")
#: fields that shape the graph (relationships) rather than being node properties
_STRUCTURAL = {"industry": {"parent"}, "tier": {"parent"}, "place": {"part_of", "members"}}
_GROUPS = ("1", "5", "N", "sector")
_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

Span = tuple[int, int]


class TaxonomyError(PolicyKGError):
    """The taxonomy file is malformed or inconsistent."""

    code = "taxonomy_error"


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

_OPEN_CLOSE = (("“", "”"), ("‘", "’"), ("「", "」"), ("『", "』"), ("《", "》"), ("〈", "〉"),
               ("﹁", "﹂"), ("﹃", "﹄"))
_OPENERS = frozenset(o for o, _ in _OPEN_CLOSE) | {'"', "'", "＂", "＇", "„", "‟", "‚", "‛"}
_CLOSERS = frozenset(c for _, c in _OPEN_CLOSE) | {'"', "'", "＂", "＇"}
_QUOTES = _OPENERS | _CLOSERS
_SPACES = frozenset(" \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff")
_DOTS = frozenset("·・•‧･∙⋅")
_DASHES = frozenset("‐‑‒–—―－﹣−")
_FOLD: dict[str, str] = {}


def _fold(c: str) -> str:
    """One character, folded: NFKC (full-width to half-width), lower case, one middle dot, one dash.

    Always one character, so that positions in a folded text map back to the original.
    """
    f = _FOLD.get(c)
    if f is None:
        f = unicodedata.normalize("NFKC", c)
        if len(f) != 1:
            f = c
        if f in _DOTS:
            f = "·"
        elif f in _DASHES:
            f = "-"
        else:
            low = f.lower()
            f = low if len(low) == 1 else f
        _FOLD[c] = f
    return f


def normalise(text: str) -> str:
    """A name as compared: NFKC, lower case, without quote marks (“”\"\"《》…) and whitespace."""
    return "".join(_fold(c) for c in text if c not in _QUOTES and not c.isspace())


def _ascii_alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


# --------------------------------------------------------------------------------------------
# Entries and mentions
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Entry:
    """One taxonomy entry. ``fields`` holds the file's other fields (group, parent, rate_high …)."""

    kind: str
    id: str
    name: str
    name_en: str | None = None
    synonyms: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """The forms linked in texts: the name and the synonyms."""
        return (self.name, *self.synonyms)

    @property
    def parent(self) -> str | None:
        return self.fields.get("parent")

    @property
    def part_of(self) -> tuple[str, ...]:
        return _ids(self.fields.get("part_of"))

    @property
    def members(self) -> tuple[str, ...]:
        return _ids(self.fields.get("members"))

    def get(self, key: str, default: Any = None) -> Any:
        """A field of the entry; ``get("kind")`` is the file's kind field (town, talent …), not
        :attr:`kind` (place, programme …)."""
        if key in _COMMON:
            value = getattr(self, key)
            return default if value is None else value
        return self.fields.get(key, default)

    def to_node(self) -> dict[str, Any]:
        """The graph row: schema-declared properties only (``kind`` is the place/programme/... kind)."""
        props = load_schema().node(self.label).properties
        row: dict[str, Any] = {"id": self.id, "name": self.name, "name_en": self.name_en,
                               "synonyms": list(self.synonyms)}
        if self.kind == "industry":
            row["key_industry"] = bool(self.fields.get("key_industry", False))
        for key, value in self.fields.items():
            if key in props and key not in row:
                row[key] = value
        return {k: v for k, v in row.items() if k in props}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "name_en": self.name_en,
                "synonyms": list(self.synonyms), **dict(self.fields)}


def _ids(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class Mention:
    """A mention of an entry in a text: ``text[span[0]:span[1]] == quote`` in the FULL text."""

    kind: str
    id: str
    name: str
    quote: str
    span: Span

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "quote": self.quote,
                "span": list(self.span)}


# --------------------------------------------------------------------------------------------
# Candidate phrases for unlinked()
# --------------------------------------------------------------------------------------------

_HEADS = {"产业": "industry", "企业": "tier", "基金": "fund", "计划": "programme", "行动": "programme",
          "小镇": "place", "区块": "place", "合作区": "place", "合作园": "place"}
# 产业链 / 产业化 / 产业园 / 产业基金 / 产业体系 are other words, not "… industry"
_HEAD_RE = re.compile(r"合作区|合作园|产业(?![链化园基体])|企业|基金|计划|行动|小镇|区块")
_HEAD_END_RE = re.compile(r"(?:合作区|合作园|产业|企业|基金|计划|行动|小镇|区块)$")
_WINDOW = 12          # at most this many characters before the head
_MIN_MODIFIER = 2     # and at least this many (quote marks not counted)
_QUOTED_RE = re.compile(r"“([^“”\n]{1,20})”|「([^「」\n]{1,20})」|『([^『』\n]{1,20})』|\"([^\"\n]{1,20})\"")
_INNER_PUNCT = re.compile(r"[，,。；;：:、—\-！？!?（）()\s]")
_MODIFIER_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9“”‘’「」『』\"']")
# verbs and function words that end the phrase before a noun phrase (rightmost one wins)
_BOUNDARY_RE = re.compile(
    r"进一步|支持|鼓励|培育|推动|推进|加快|打造|发展|壮大|做大|做强|做优|做精|引进|吸引|围绕|聚焦|服务|"
    r"建设|通过|实施|助力|优化|完善|加强|提升|形成|认定|招引|提质|集聚|保障|扶持|列入|设立|创办|参与|"
    r"实现|强化|深化|迭代|持续|全力|加大|抢抓|对接|拓展|促进|激发|带动|突破|开拓|扩大|构建|符合|放大|"
    r"发挥|引导|培养|引育|落地|建成|组建|申报|获得|给予|面向|针对|包括|涵盖|属于|作为|成为|入选|评为|"
    r"支撑|赋能|推广|助推|[的和与及或等对为在向将把从由于并给按被]")
# quantifiers and scope words before a class noun: 五大产业, 一批企业, 各类企业, 区内企业, 全省计算产业
_PREFIX_RE = re.compile(
    r"(?:[一二三四五六七八九十两几多每各该本其此]+[大个类项批家种]|一批|各类|全省|全市|全区|全国|全域|全链|"
    r"区内|省内|市内|国内外|海内外|国内|相关|有关|新引进|类)+")


# --------------------------------------------------------------------------------------------
# The taxonomy
# --------------------------------------------------------------------------------------------

_END = ""  # trie key marking the end of a surface form (never a folded character)


class Taxonomy:
    """Entries by kind and id, a resolver for names, and a linker for texts."""

    def __init__(self, entries: Iterable[Entry], generic: Iterable[str] = (), source: str = "<taxonomy>"):
        self.source = source
        self._entries = list(entries)
        self._by_id: dict[str, Entry] = {}
        self._by_kind: dict[str, list[Entry]] = {k: [] for k in KINDS}
        self._names: dict[str, dict[str, Entry]] = {k: {} for k in KINDS}   # kind -> normalised -> entry
        self._forms: dict[str, Entry] = {}                                   # linked forms, all kinds
        self._generic = frozenset(normalise(g) for g in generic)
        self._trie: dict[str, Any] = {}
        self._index()
        self._check_graph()

    # --- building ----------------------------------------------------------------------------
    def _index(self) -> None:
        for e in self._entries:
            if e.kind not in KINDS:
                raise TaxonomyError(f"{self.source}: {e.id}: unknown kind {e.kind!r}", entry=e.id)
            if e.id in self._by_id:
                raise TaxonomyError(f"{self.source}: id {e.id!r} is used twice", entry=e.id)
            self._by_id[e.id] = e
            self._by_kind[e.kind].append(e)
        for e in self._entries:
            for form in e.surface_forms:
                key = normalise(form)
                if not key:
                    raise TaxonomyError(f"{self.source}: {e.id}: empty surface form {form!r}", entry=e.id)
                other = self._forms.get(key)
                if other is not None and other is not e:
                    raise TaxonomyError(
                        f"{self.source}: surface form {form!r} belongs to both {other.id} and {e.id}",
                        entry=e.id)
                self._forms[key] = e
        for e in self._entries:
            names = self._names[e.kind]
            for form in (e.id, *e.surface_forms, *([e.name_en] if e.name_en else [])):
                key = normalise(form)
                other = names.get(key)
                if other is not None and other is not e:
                    raise TaxonomyError(
                        f"{self.source}: name {form!r} belongs to both {other.id} and {e.id}", entry=e.id)
                names[key] = e
        for key, e in self._forms.items():
            node = self._trie
            for c in key:
                node = node.setdefault(c, {})
            node[_END] = (e, key.isascii() and all(c.isalnum() or c == "+" for c in key))

    def _check_graph(self) -> None:
        def follow(e: Entry, ups: str, label: str) -> None:
            seen = {e.id}
            todo = list(_ids(e.fields.get(ups)))
            while todo:
                up = todo.pop()
                target = self._by_id.get(up)
                if target is None or target.kind != e.kind:
                    raise TaxonomyError(f"{self.source}: {e.id}: {ups} {up!r} is not a {label}", entry=e.id)
                if up in seen:
                    raise TaxonomyError(f"{self.source}: {e.id}: {ups} makes a cycle through {up}", entry=e.id)
                seen.add(up)
                todo.extend(_ids(target.fields.get(ups)))

        for e in self._by_kind["industry"]:
            follow(e, "parent", "known industry")
        for e in self._by_kind["tier"]:
            follow(e, "parent", "known tier")
        for e in self._by_kind["place"]:
            follow(e, "part_of", "known place")
            for m in e.members:
                target = self._by_id.get(m)
                if target is None or target.kind != "place":
                    raise TaxonomyError(f"{self.source}: {e.id}: member {m!r} is not a known place", entry=e.id)

    # --- lookup ------------------------------------------------------------------------------
    def entries(self, kind: str | None = None) -> list[Entry]:
        """The entries of one kind (``industry``, ``place``, ``tier``, ``programme``, ``fund``,
        ``instrument``) in file order, or all of them."""
        if kind is None:
            return list(self._entries)
        return list(self._by_kind[_kind(kind)])

    def get(self, id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(id)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, id: object) -> bool:
        return id in self._by_id

    def broader(self, id: str) -> list[Entry]:
        """The broader entries, nearest first: an industry's or a tier's parents, a place's part_of closure."""
        e = self._by_id.get(id)
        if e is None:
            return []
        key = "part_of" if e.kind == "place" else "parent"
        out: list[Entry] = []
        todo = list(_ids(e.fields.get(key)))
        while todo:
            up = self._by_id[todo.pop(0)]
            if up not in out:
                out.append(up)
                todo.extend(_ids(up.fields.get(key)))
        return out

    def resolve(self, kind: str | None, text: str | None) -> Entry | None:
        """The entry of ``kind`` (None: any kind) named ``text``, or None.

        Exact match, after :func:`normalise`, on the id, the name, the English name or a synonym.
        If that finds nothing, an industry is also tried without a trailing 产业/行业/领域 (集成电路产业),
        and a tier with 企业 added or removed (瞪羚 / 专精特新企业).
        """
        if text is None:
            return None
        key = normalise(str(text))
        if not key:
            return None
        kinds = KINDS if kind is None else (_kind(kind),)
        for k in kinds:
            for variant in _variants(k, key):
                hit = self._names[k].get(variant)
                if hit is not None:
                    return hit
        return None

    # --- linking -----------------------------------------------------------------------------
    def link(self, text: str, start: int = 0, end: int | None = None, *,
             kinds: Iterable[str] | None = None) -> list[Mention]:
        """Every mention of an entry in ``text[start:end]``, in text order.

        Longest match wins, mentions do not overlap. Names are matched after folding (full-width to
        half-width, lower case) and ignoring quote marks and spaces inside the text, so “5050”政策
        links the 5050 programme; the span is the exact characters matched (extended by one to keep
        a quote mark balanced: “5050”政策, not 5050”政策), in offsets of the FULL text. A form made
        of ASCII letters and digits only (5050, 315, 415X) links only between quote marks.
        """
        start, end = _bounds(text, start, end)
        wanted = None if kinds is None else {_kind(k) for k in kinds}
        chars, pos = _view(text, start, end)
        n = len(chars)
        found: list[tuple[int, int, Entry, bool]] = []
        for i in range(n):
            node = self._trie.get(chars[i])
            j = i
            best = None
            while node is not None:
                j += 1
                hit = node.get(_END)
                if hit is not None:
                    entry, code = hit
                    if (wanted is None or entry.kind in wanted) and self._fits(text, start, end, pos[i],
                                                                                pos[j - 1] + 1, code):
                        best = (i, j, entry, code)
                if j >= n:
                    break
                node = node.get(chars[j])
            if best is not None:
                found.append(best)
        found.sort(key=lambda f: (f[0] - f[1], f[0]))   # longest first, then leftmost
        taken = bytearray(n)
        chosen: list[tuple[int, int, Entry, bool]] = []
        for f in found:
            if not any(taken[f[0]:f[1]]):
                taken[f[0]:f[1]] = b"\x01" * (f[1] - f[0])
                chosen.append(f)
        chosen.sort(key=lambda f: f[0])
        out = []
        for i, j, entry, code in chosen:
            s, e = pos[i], pos[j - 1] + 1
            if code:
                s, e = s - 1, e + 1
            else:
                s, e = _balance(text, s, e, start, end)
            out.append(Mention(entry.kind, entry.id, entry.name, text[s:e], (s, e)))
        return out

    @staticmethod
    def _fits(text: str, start: int, end: int, s: int, e: int, code: bool) -> bool:
        """A match of ASCII letters/digits may not continue a longer word; a code needs quote marks."""
        if code:
            return s - 1 >= start and e < end and text[s - 1] in _OPENERS and text[e] in _CLOSERS
        if _ascii_alnum(text[s]) and s > 0 and _ascii_alnum(text[s - 1]):
            return False
        if _ascii_alnum(text[e - 1]) and e < len(text) and _ascii_alnum(text[e]):
            return False
        return True

    def unlinked(self, text: str, start: int = 0, end: int | None = None,
                 linked: Iterable[Mention] | None = None) -> list[dict[str, Any]]:
        """Phrases of the genre in ``text[start:end]`` that name nothing in the taxonomy.

        A candidate is a short noun phrase ending in a head word — 产业 (industry), 企业 (tier),
        基金 (fund), 计划 / 行动 (programme), 小镇 / 区块 / 合作区 / 合作园 (place) — either a quotation
        (“…计划”, “…”行动) or the characters before the head back to punctuation, a verb or a function
        word (at most 12), without leading quantifiers or scope words (五大, 一批, 各类, 区内 …).
        Candidates that overlap a linked mention (``linked``, default :meth:`link` of the same range)
        are dropped — except a place, fund or programme phrase whose modifier holds a known name
        (人工智能小镇 is a new place, 智能物联产业 is not a new industry) — and so are the taxonomy's
        ``generic`` class words and phrases whose modifier is shorter than two characters. Each result is ``{"kind", "quote", "span"}`` with
        ``text[span[0]:span[1]] == quote``.
        """
        start, end = _bounds(text, start, end)
        mentions = list(self.link(text, start, end) if linked is None else linked)
        covered = sorted(m.span for m in mentions)
        cands: list[tuple[int, int, str, int]] = []   # start, end, kind, where the head starts
        claimed: list[Span] = []

        # quotations that are names: “…计划”, “…”行动
        for m in _QUOTED_RE.finditer(text, start, end):
            inner = next(g for g in m.groups() if g is not None)
            if _INNER_PUNCT.search(inner):
                continue
            head_end = _HEAD_END_RE.search(inner)
            if head_end is not None:
                head = head_end.group(0)
                cands.append((m.start(), m.end(), _HEADS[head], m.end() - 1 - len(head)))
                claimed.append((m.start(), m.end()))
                continue
            after = _HEAD_RE.match(text, m.end(), end)
            if after is not None:
                cands.append((m.start(), after.end(), _HEADS[after.group(0)], after.start()))
                claimed.append((m.start(), after.end()))

        # claimed spans by start with the furthest end so far, and their ends sorted: each head looks
        # them up by bisection, so that a long text costs its length, not heads × quotations
        claimed.sort()
        claimed_starts = [a for a, _ in claimed]
        reach = list(itertools.accumulate((b for _, b in claimed), max))
        claimed_ends = sorted(b for _, b in claimed)

        def inside_claimed(h: re.Match[str]) -> bool:
            k = bisect.bisect_right(claimed_starts, h.start())
            return k > 0 and reach[k - 1] >= h.end()

        heads = [h for h in _HEAD_RE.finditer(text, start, end) if not inside_claimed(h)]
        prev_end = start
        for h in heads:
            # a phrase does not reach back over the previous head or a quoted name
            k = bisect.bisect_right(claimed_ends, h.start())
            left = max(start, h.start() - _WINDOW, prev_end, claimed_ends[k - 1] if k else start)
            prev_end = h.end()
            window = text[left:h.start()]
            # back to the last character that cannot be part of a name
            k = len(window)
            while k > 0 and _MODIFIER_CHAR.match(window[k - 1]):
                k -= 1
            cut = left + k
            for b in _BOUNDARY_RE.finditer(text, cut, h.start()):
                cut = max(cut, b.end())
            pre = _PREFIX_RE.match(text, cut, h.start())
            if pre is not None:
                cut = pre.end()
            cut = _drop_unbalanced(text, cut, h.start())
            modifier = text[cut:h.start()]
            if sum(1 for c in modifier if c not in _QUOTES) < _MIN_MODIFIER:
                continue
            cands.append((cut, h.end(), _HEADS[h.group(0)], h.start()))

        out: list[dict[str, Any]] = []
        seen: set[Span] = set()
        covered_starts = [a for a, _ in covered]
        longest = max((b - a for a, b in covered), default=0)
        for s, e, kind, head in sorted(cands):
            if (s, e) in seen or normalise(text[s:e]) in self._generic:
                continue
            # a known name inside the modifier explains an industry or tier phrase (智能物联产业,
            # 跨境电商类企业) but not a place, fund or programme named after it (人工智能小镇)
            named = kind in ("place", "fund", "programme")
            # only a mention starting within ``longest`` before s can reach past s
            near = covered[bisect.bisect_right(covered_starts, s - longest):bisect.bisect_left(covered_starts, e)]
            if any(a < e and s < b and not (named and s <= a and b <= head) for a, b in near):
                continue
            seen.add((s, e))
            out.append({"kind": kind, "quote": text[s:e], "span": (s, e)})
        return out

    # --- graph -------------------------------------------------------------------------------
    def to_batch(self) -> GraphBatch:
        """Nodes for every entry, SUBINDUSTRY_OF and SUBTIER_OF (narrower → broader) and PART_OF (place →
        larger)."""
        batch = GraphBatch()
        for e in self._entries:
            batch.add_node(e.label, e.to_node())
        for e in self._by_kind["industry"]:
            if e.parent:
                batch.add_rel("SUBINDUSTRY_OF", "Industry", e.id, "Industry", e.parent)
        for e in self._by_kind["tier"]:
            if e.parent:
                batch.add_rel("SUBTIER_OF", "Tier", e.id, "Tier", e.parent)
        pairs: list[tuple[str, str]] = []
        for e in self._by_kind["place"]:
            pairs.extend((e.id, up) for up in e.part_of)
            pairs.extend((m, e.id) for m in e.members)
        for a, b in dict.fromkeys(pairs):
            batch.add_rel("PART_OF", "Place", a, "Place", b)
        return batch


def _kind(kind: str) -> str:
    k = str(kind).strip().lower()
    k = _SECTIONS.get(k, k)
    if k not in KINDS:
        raise TaxonomyError(f"unknown taxonomy kind {kind!r}; the kinds are {', '.join(KINDS)}", kind=kind)
    return k


def _variants(kind: str, key: str) -> list[str]:
    out = [key]
    if kind == "industry":
        out += [key[:-2] for suffix in ("产业", "行业", "领域") if key.endswith(suffix) and len(key) > 3]
    elif kind == "tier":
        out.append(key[:-2] if key.endswith("企业") and len(key) > 3 else key + "企业")
    return out


def _bounds(text: str, start: int, end: int | None) -> tuple[int, int]:
    end = len(text) if end is None else end
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"bad range [{start}, {end}) for a text of {len(text)} characters")
    return start, end


def _view(text: str, start: int, end: int) -> tuple[str, list[int]]:
    """``text[start:end]`` folded, without quote marks and spaces; ``pos[i]`` is where ``view[i]`` was."""
    chars: list[str] = []
    pos: list[int] = []
    for i in range(start, end):
        c = text[i]
        if c in _QUOTES or c in _SPACES:
            continue
        chars.append(_fold(c))
        pos.append(i)
    return "".join(chars), pos


def _balance(text: str, s: int, e: int, start: int, end: int) -> tuple[int, int]:
    """Widen [s, e) by a quote mark just outside it when one inside has lost its partner."""
    q = text[s:e]
    for op, cl in _OPEN_CLOSE:
        if q.count(cl) > q.count(op) and s > start and text[s - 1] == op:
            s -= 1
        if q.count(op) > q.count(cl) and e < end and text[e] == cl:
            e += 1
    for mark in ('"', "'"):
        if q.count(mark) % 2:
            if s > start and text[s - 1] == mark:
                s -= 1
            elif e < end and text[e] == mark:
                e += 1
    return s, e


def _drop_unbalanced(text: str, cut: int, head: int) -> int:
    """Move ``cut`` past any quote mark in text[cut:head] that has no partner there."""
    depth = 0
    for i in range(cut, head):
        c = text[i]
        if c in ("“", "「", "『"):
            depth += 1
        elif c in ("”", "」", "』"):
            if depth == 0:
                cut = i + 1
            else:
                depth -= 1
    if depth:  # an opener whose closer comes after the head: keep what follows the last opener
        for i in range(head - 1, cut - 1, -1):
            if text[i] in ("“", "「", "『"):
                return i + 1
    return cut


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

def parse_taxonomy(data: Mapping[str, Any], source: str = "<taxonomy>") -> Taxonomy:
    """Build a :class:`Taxonomy` from the parsed YAML, checking every field against the schema."""
    if not isinstance(data, Mapping):
        raise TaxonomyError(f"{source}: expected a mapping at the top level")
    schema = load_schema()
    unknown = set(data) - set(_SECTIONS) - {"version", "generic"}
    if unknown:
        raise TaxonomyError(f"{source}: unknown sections {sorted(unknown)}")
    entries: list[Entry] = []
    for section, kind in _SECTIONS.items():
        rows = data.get(section) or []
        if not isinstance(rows, list):
            raise TaxonomyError(f"{source}: {section} must be a list")
        props = schema.node(LABELS[kind]).properties
        allowed = set(props) | _STRUCTURAL.get(kind, set())
        for row in rows:
            entries.append(_entry(row, kind, allowed, source))
    generic = data.get("generic") or []
    if not isinstance(generic, list) or not all(isinstance(g, str) for g in generic):
        raise TaxonomyError(f"{source}: generic must be a list of phrases")
    return Taxonomy(entries, generic, source)


def _entry(row: Any, kind: str, allowed: set[str], source: str) -> Entry:
    if not isinstance(row, Mapping):
        raise TaxonomyError(f"{source}: a {kind} entry is not a mapping: {row!r}")
    eid = str(row.get("id") or "")
    if not _ID_RE.fullmatch(eid):
        raise TaxonomyError(f"{source}: {kind} id {eid!r} is not an ascii slug", entry=eid or None)
    name = str(row.get("name") or "").strip()
    if not name:
        raise TaxonomyError(f"{source}: {eid}: name is missing", entry=eid)
    extra = set(row) - allowed
    if extra:
        raise TaxonomyError(f"{source}: {eid}: fields {sorted(extra)} are not declared for "
                            f"{LABELS[kind]} in the schema", entry=eid)
    synonyms = row.get("synonyms") or []
    if isinstance(synonyms, str) or not isinstance(synonyms, list):
        raise TaxonomyError(f"{source}: {eid}: synonyms must be a list", entry=eid)
    fields = {k: v for k, v in row.items() if k not in _COMMON}
    if kind == "industry":
        group = fields.get("group")
        fields["group"] = None if group is None else str(group)
        if fields["group"] not in _GROUPS:
            raise TaxonomyError(f"{source}: {eid}: group {group!r} is not one of {', '.join(_GROUPS)}", entry=eid)
        if not isinstance(fields.get("key_industry", False), bool):
            raise TaxonomyError(f"{source}: {eid}: key_industry must be true or false", entry=eid)
    for bound in ("rate_low", "rate_high"):
        value = fields.get(bound)
        if value is not None and not (isinstance(value, (int, float)) and 0 <= value <= 1):
            raise TaxonomyError(f"{source}: {eid}: {bound} must be a fraction between 0 and 1", entry=eid)
    if fields.get("rate_low") is not None and fields.get("rate_high") is not None \
            and fields["rate_low"] > fields["rate_high"]:
        raise TaxonomyError(f"{source}: {eid}: rate_low is above rate_high", entry=eid)
    if "members" in fields and not isinstance(fields["members"], list):
        raise TaxonomyError(f"{source}: {eid}: members must be a list", entry=eid)
    name_en = row.get("name_en")
    return Entry(kind, eid, name, None if name_en is None else str(name_en),
                 tuple(str(s) for s in synonyms), fields)


@lru_cache(maxsize=8)
def _load(path: str | None) -> Taxonomy:
    if path is None:
        source = "policykg/data/taxonomy.yaml"
        text = resources.files("policykg.data").joinpath("taxonomy.yaml").read_text(encoding="utf-8")
    else:
        source = path
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise TaxonomyError(f"cannot read the taxonomy {path}: {exc.strerror}", file=path) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{source}: not valid YAML: {exc}", file=source) from None
    return parse_taxonomy(data or {}, source)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """The taxonomy in ``path``, by default the packaged ``policykg/data/taxonomy.yaml``.

    Cached per path; ``load_taxonomy.cache_clear()`` forgets what was read.
    """
    return _load(None if path is None else str(Path(path).resolve()))


load_taxonomy.cache_clear = _load.cache_clear  # type: ignore[attr-defined]
