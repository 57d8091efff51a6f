"""Whether one document replaces another, only on evidence.

SUPERSEDES has a basis: the same document number (文号); the same issuers and title with both issue
dates known, the later winning; or a repeal statement in the newer text (原《X》同时废止, 关于修订《X》的通知,
or a general 此前出台的…政策同时废止 whose subject names the older one's topic, when the issuers are
the same and the older one was issued before). Anything short of that is a POSSIBLY_SUPERSEDES for
review, which hides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from policykg.ingest import references as refs
from policykg.ingest.references import Statement, title_key


@dataclass(frozen=True)
class Edge:
    type: str          # SUPERSEDES | POSSIBLY_SUPERSEDES | AMENDS
    source: str
    target: str
    props: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Doc:
    """What documents are compared on."""
    id: str
    number: str
    title: str
    issuers: frozenset[str]
    issued: str | None
    text: str
    new: bool = False   # the document being ingested: it wins ties that dates cannot decide

    @classmethod
    def of(cls, id: str, number: Any, title: Any, issuers: Any, issued: Any, text: Any, new: bool = False) -> Doc:
        return cls(id, title_key(number), title_key(title), frozenset(title_key(i) for i in issuers or [] if i),
                   str(issued) if issued else None, text or "", new)

    @cached_property
    def repeals(self) -> list[Statement]:
        return refs.repeals(self.text)

    @cached_property
    def amendment(self) -> Statement | None:
        return refs.amendment(self.text)

    def issued_after(self, other: Doc) -> bool:
        return bool(self.issued and other.issued and self.issued > other.issued)


def _evidence(doc: Doc, st: Statement) -> dict[str, Any]:
    return {"source_doc": doc.id, "quote": st.quote, "span_start": st.span[0], "span_end": st.span[1]}


def _unknowns(a: Doc, b: Doc) -> list[str]:
    """Why the same title is not enough: what is unknown or differs."""
    why = []
    if not (a.issued and b.issued):
        why.append("issue dates unknown")
    elif a.issued == b.issued:
        why.append("same issue date")
    if not (a.issuers and b.issuers):
        why.append("issuers unknown")
    elif a.issuers != b.issuers:
        why.append("issuers differ")
    return why


def _by_words(a: Doc, b: Doc) -> list[Edge]:
    """What a's own words (an amendment notice title, repeal statements) say about b."""
    if b.issued_after(a):
        return []  # a text cannot repeal or revise a later one
    disjoint = bool(a.issuers and b.issuers and not a.issuers & b.issuers)
    am = a.amendment
    if am and b.title and title_key(am.titles[0]) == b.title:
        ev = _evidence(a, am)
        if disjoint:
            return [Edge("POSSIBLY_SUPERSEDES", a.id, b.id, {"basis": "repeal_statement", **ev,
                                                             "reason": "amendment notice of its title; issuers differ"})]
        return [Edge("SUPERSEDES", a.id, b.id, {"basis": "repeal_statement", **ev,
                                                "reason": "amendment notice revises it"}),
                Edge("AMENDS", a.id, b.id, {**ev, "notes": list(am.notes)})]
    for st in a.repeals:
        ev = {"basis": "repeal_statement", **_evidence(a, st)}
        if st.kind == "repeal":
            named = (b.title and b.title in {title_key(t) for t in st.titles}) or (b.number and b.number in st.numbers)
            if not named:
                continue
            if disjoint:
                return [Edge("POSSIBLY_SUPERSEDES", a.id, b.id, {**ev, "reason": "repeal names it; issuers differ"})]
            return [Edge("SUPERSEDES", a.id, b.id, {**ev, "reason": "repeal statement names it"})]
        if st.kind == "repeal_generic" and refs.covers(st.subject, b.title) and not disjoint:
            if a.issuers and a.issuers == b.issuers and a.issued_after(b):
                return [Edge("SUPERSEDES", a.id, b.id, {**ev, "reason": "general repeal covers the issuers' "
                                                                        "earlier document on this subject"})]
            return [Edge("POSSIBLY_SUPERSEDES", a.id, b.id, {**ev, "reason": "a general repeal may cover it; "
                                                              + ", ".join(_unknowns(a, b) or ["not named"])})]
    return []


def _newer_first(a: Doc, b: Doc) -> tuple[Doc, Doc]:
    """By issue date; with equal or unknown dates, the document being ingested."""
    if b.issued_after(a) or (not a.issued_after(b) and b.new):
        return b, a
    return a, b


def relate(new: Doc, old: Doc) -> list[Edge]:
    """The version edges between a new document and one already in the graph (at most one of
    SUPERSEDES / POSSIBLY_SUPERSEDES, plus AMENDS for an amendment notice)."""
    words = _by_words(new, old) or _by_words(old, new)
    if any(e.type == "SUPERSEDES" for e in words):
        return words
    if new.number and new.number == old.number:
        a, b = _newer_first(new, old)
        return [Edge("SUPERSEDES", a.id, b.id, {"basis": "same_number",
                                                "reason": "newer version (same document number)"})]
    if new.title and new.title == old.title:
        why = _unknowns(new, old)
        a, b = _newer_first(new, old)
        if not why:
            return [Edge("SUPERSEDES", a.id, b.id, {"basis": "same_issuer_title_later_date",
                                                    "reason": "newer version (same issuers and title, issued later)"})]
        if not words:
            return [Edge("POSSIBLY_SUPERSEDES", a.id, b.id, {"basis": "same_title",
                                                             "reason": "same title; " + ", ".join(why)})]
    return words
