"""Policy documents into the graph: a parsed document becomes nodes and relationships with evidence.

``document -HAS_SECTION-> section (-HAS_SECTION-> subsection) -HAS_CLAUSE-> clause``; every section
and clause keeps the span of the normalised text it was read from and the quoted words.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from policykg.errors import PolicyKGError
from policykg.graph.base import Backend, GraphBatch
from policykg.ingest import references, versions
from policykg.ingest.link import ROLE_RANK
from policykg.ingest.parse import ParsedDocument, parse_bytes, parse_file
from policykg.ingest.taxonomy import load_taxonomy

SEED = "binjiang-2024-16.md"


def _evidence(doc: ParsedDocument, span: Any) -> dict[str, Any]:
    start, end = int(span[0]), int(span[1])
    return {"source_doc": doc.document.id, "span_start": start, "span_end": end,
            "quote": doc.document.text[start:end]}


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name)


# Relationship type for a mention in a measure; sections and other clauses MENTION.
MEASURE_RELS = {"industries": ("SUPPORTS", "Industry"), "tiers": ("TARGETS", "Tier"),
                "places": ("APPLIES_IN", "Place"), "programmes": ("REFERS_TO", "Programme"),
                "funds": ("REFERS_TO", "Fund"), "instruments": ("USES_INSTRUMENT", "Instrument")}
#: the mentions of a measure that carry a role (link.roles): who may receive, where, or mere context
ROLE_FIELDS = frozenset({"industries", "tiers", "places"})


def _statements(ms: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Target id -> the words of each beneficiary statement its mentions are stated in, in text order
    (link.statements; '' the measure's other words): one relationship per target holds them all."""
    out: dict[str, list[tuple[int, str]]] = {}
    for m in ms:
        if "statement" in m:
            pair = (m["statement"], m["statement_words"])
            if pair not in out.setdefault(m["id"], []):
                out[m["id"]].append(pair)
    return {k: [w for _, w in sorted(v)] for k, v in out.items()}


class _Writer:
    """Builds the rows of one document, with ids derived from the document and spans."""

    def __init__(self, doc: ParsedDocument) -> None:
        self.doc = doc
        self.batch = GraphBatch()
        self.conditions: dict[tuple, str] = {}
        self.members: set[tuple[str, str]] = set()

    @property
    def doc_id(self) -> str:
        return self.doc.document.id

    def facts(self, owner_label: str, owner_id: str, item: Any) -> None:
        """Amounts, percentages and conditions stated in a clause's or a section's text."""
        for a in _get(item, "amounts") or []:
            aid = f"{self.doc_id}:amt{_get(a, 'span')[0]}"
            self.batch.add_node("Amount", {
                "id": aid, "kind": _get(a, "kind"), "value": _get(a, "value"), "currency": _get(a, "currency"),
                "value_cny": _get(a, "value_cny"), "qualifier": _get(a, "qualifier"), "period": _get(a, "period"),
                "per": _get(a, "per"), "unit_text": _get(a, "unit_text"), **_evidence(self.doc, _get(a, "span")),
            })
            self.batch.add_rel("STATES", owner_label, owner_id, "Amount", aid)
        for r in _get(item, "percentages") or []:
            self.batch.add_rel("STATES", owner_label, owner_id, "Rate", self.rate(r))
        for c in _get(item, "conditions") or []:
            self.batch.add_rel("HAS_CONDITION", owner_label, owner_id, "Condition", self.condition(c))

    def rate(self, r: Any) -> str:
        rid = f"{self.doc_id}:rate{_get(r, 'span')[0]}"
        self.batch.add_node("Rate", {
            "id": rid, "kind": _get(r, "kind"), "value": _get(r, "value"), "low": _get(r, "low"),
            "high": _get(r, "high"), "base": _get(r, "base"), **_evidence(self.doc, _get(r, "span")),
        })
        return rid

    def condition(self, c: Any) -> str:
        key = (tuple(_get(c, "span")), _get(c, "field"), _get(c, "operator"), _get(c, "value"), _get(c, "unit"))
        if key not in self.conditions:
            same_span = sum(1 for k in self.conditions if k[0] == key[0])
            cid = f"{self.doc_id}:cond{key[0][0]}.{same_span + 1}"
            self.conditions[key] = cid
            self.batch.add_node("Condition", {
                "id": cid, "field": _get(c, "field"), "operator": _get(c, "operator"), "value": _get(c, "value"),
                "unit": _get(c, "unit"), "alternative_group": _get(c, "alternative_group"),
                **_evidence(self.doc, _get(c, "span")),
            })
        return self.conditions[key]

    def mentions(self, owner_label: str, owner_id: str, item: Any, typed: bool) -> None:
        seen: set[tuple[str, str]] = set()
        for field, (rel, label) in MEASURE_RELS.items():
            ms = _get(item, field) or []
            if typed and field in ROLE_FIELDS:
                # a target's role is the strongest its mentions have (a place built here and supported
                # there is scope); the first mention with that role is its evidence
                ms = sorted(ms, key=lambda m: ROLE_RANK.get(m.get("role", "criterion"), 0))
            # what the measure favours (link.preferences), from whichever mention says so
            preferred = {m["id"]: m["preference"] for m in reversed(ms) if typed and m.get("preference")}
            stated = _statements(ms) if typed else {}
            for m in ms:
                rel_type = rel if typed else "MENTIONS"
                if (rel_type, m["id"]) in seen:
                    continue  # one relationship per target: the first mention is its evidence
                seen.add((rel_type, m["id"]))
                role = {"role": m["role"], "role_words": m.get("role_words")} \
                    if typed and field in ROLE_FIELDS and m.get("role") else {}
                if m["id"] in preferred:
                    role["preference"] = preferred[m["id"]]
                if m["id"] in stated:
                    role["statements"] = stated[m["id"]]
                self.batch.add_rel(rel_type, owner_label, owner_id, label, m["id"], **_evidence(self.doc, m["span"]),
                                   **role)

    def groups(self, item: Any) -> None:
        """MEMBER_OF for each group membership the text defines (link.groups), the first one its evidence."""
        for g in _get(item, "groups") or []:
            if (g["member"], g["group"]) not in self.members:
                self.members.add((g["member"], g["group"]))
                self.batch.add_rel("MEMBER_OF", "Industry", g["member"], "Industry", g["group"],
                                   **_evidence(self.doc, g["span"]))

    def selections(self, clause: Any) -> None:
        """REQUIRES_SELECTION for each programme a measure's beneficiaries must be selected in (link.selections)."""
        ms = _get(clause, "selections") or []
        stated = _statements(ms)
        for m in ms:
            extra = {k: m[k] for k in ("role", "role_words") if m.get(k)}
            if m["id"] in stated:
                extra["statements"] = stated[m["id"]]
            self.batch.add_rel("REQUIRES_SELECTION", "Clause", _get(clause, "id"), "Programme", m["id"],
                               **_evidence(self.doc, m["span"]), **extra)

    def rules(self) -> None:
        for rule in self.doc.rules:
            if rule.kind == "instrument":
                if not rule.instrument:
                    continue
                self.batch.add_rel("MENTIONS", "Clause", rule.clause, "Instrument", rule.instrument,
                                   **_evidence(self.doc, rule.span))
                for r in self._rates_within(rule.clause, rule.span):
                    self.batch.add_rel("STATES", "Instrument", rule.instrument, "Rate", r)
                for c in rule.conditions:
                    self.batch.add_rel("HAS_CONDITION", "Instrument", rule.instrument, "Condition", self.condition(c))
            else:
                self.batch.add_node("Rule", {"id": rule.id, "kind": rule.kind, "policy": rule.policy,
                                             "text": rule.quote, **_evidence(self.doc, rule.span)})
                self.batch.add_rel("HAS_RULE", "Clause", rule.clause, "Rule", rule.id)

    def _rates_within(self, clause_id: str, span: Any) -> list[str]:
        clause = next(c for c in self.doc.clauses if c.id == clause_id)
        return [self.rate(r) for r in clause.percentages if span[0] <= _get(r, "span")[0] < span[1]]


def to_batch(doc: ParsedDocument) -> GraphBatch:
    """The graph rows for one parsed document: structure, facts and mentions, with evidence.

    Taxonomy nodes are not included: :func:`ensure_taxonomy` writes them.
    """
    d = doc.document
    w = _Writer(doc)
    batch = w.batch
    override = next((r.quote for r in doc.rules if r.kind == "override"), None)
    batch.add_node("PolicyDocument", {
        "id": d.id, "doc_number": d.doc_number, "title": d.title, "issuers": list(d.issuers or []),
        "issued_date": d.issued_date, "effective_date": d.effective_date, "sha256": d.sha256,
        "source": d.source, "text": d.text, "override_statement": override,
    })
    for i, s in enumerate(doc.sections):
        batch.add_node("Section", {
            "id": s.id, "document": d.id, "label": s.label, "title": s.title, "level": s.level,
            "ordinal": i + 1, "text": s.text, **_evidence(doc, s.span),
        })
        if s.parent:
            batch.add_rel("HAS_SECTION", "Section", s.parent, "Section", s.id)
        else:
            batch.add_rel("HAS_SECTION", "PolicyDocument", d.id, "Section", s.id)
        w.facts("Section", s.id, s)
        w.mentions("Section", s.id, s, typed=False)
        w.groups(s)
    for c in doc.clauses:
        batch.add_node("Clause", {
            "id": c.id, "document": d.id, "section": c.section, "label": c.label, "number": c.number,
            "kind": c.kind, "title": c.title, "text": c.text, "ordinal": c.ordinal,
            "budget_floor_cny": c.budget_floor_cny, "budget_period": c.budget_period,
            "fund_scale_cny": c.fund_scale_cny, **_evidence(doc, c.span),
        })
        if c.section:
            batch.add_rel("HAS_CLAUSE", "Section", c.section, "Clause", c.id)
        w.facts("Clause", c.id, c)
        w.mentions("Clause", c.id, c, typed=c.kind == "measure")
        w.groups(c)
        if c.kind == "measure":
            w.selections(c)
    w.rules()
    return batch


def ensure_taxonomy(backend: Backend) -> None:
    """Write the packaged taxonomy, filling in without clearing what data files added (a fund's
    size and manager from funds.csv stay). Idempotent."""
    backend.write(load_taxonomy().to_batch(), merge=True)


def _versions(backend: Backend, doc: ParsedDocument) -> list[dict[str, Any]]:
    """The other documents in the graph, each with what a new one is compared on (:mod:`versions`)."""
    res = backend.query("document_index")
    return [r for r in res.records() if r["id"] != doc.document.id]


def _supersedes(batch: GraphBatch, doc: ParsedDocument, others: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Link the new document to its versions, only on evidence (see :mod:`policykg.ingest.versions`).

    Returns what the new document supersedes, possibly supersedes and amends, and what supersedes it.
    """
    d = doc.document
    new = versions.Doc.of(d.id, d.doc_number, d.title, d.issuers, d.issued_date, d.text, new=True)
    out: dict[str, list[str]] = {"supersedes": [], "possibly_supersedes": [], "amends": [], "superseded_by": []}
    for row in others:
        other = versions.Doc.of(row["id"], row["doc_number"], row["title"], row["issuers"], row["issued_date"],
                                row["text"])
        for e in versions.relate(new, other):
            props = {k: v for k, v in e.props.items() if v is not None}
            batch.add_rel(e.type, "PolicyDocument", e.source, "PolicyDocument", e.target, **props)
            if e.source == d.id:
                out[e.type.lower()].append(e.target)
            elif e.type == "SUPERSEDES":
                out["superseded_by"].append(e.source)
    return out


def _cites(backend: Backend, batch: GraphBatch, doc: ParsedDocument, others: list[dict[str, Any]]) -> dict[str, Any]:
    """CITES from the new document to each cited title (an ingested document, or a Reference while none is),
    and the earlier citations of the new document's title resolved to it."""
    d = doc.document
    by_title: dict[str, list[str]] = {}
    for row in others:
        by_title.setdefault(references.title_key(row["title"]), []).append(row["id"])
    cited: set[str] = set()
    unresolved: list[str] = []
    for st in references.citations(d.text, d.title):
        ev = {"source_doc": d.id, "span_start": st.span[0], "span_end": st.span[1], "quote": st.quote}
        for title in st.titles:
            targets = by_title.get(references.title_key(title))
            if targets:
                for t in targets:
                    if t not in cited:  # one citation per target: the first is its evidence
                        cited.add(t)
                        batch.add_rel("CITES", "PolicyDocument", d.id, "PolicyDocument", t, **ev)
                continue
            rid = references.reference_id(title)
            if rid not in cited:
                cited.add(rid)
                unresolved.append(rid)
                batch.add_node("Reference", {"id": rid, "title": title,
                                             "kind": "law" if references.is_law(title) else "document"})
                batch.add_rel("CITES", "PolicyDocument", d.id, "Reference", rid, **ev)
    cited_by: list[str] = []
    rid = references.reference_id(d.title or "")
    if d.title and not backend.missing_ids("Reference", {rid}):
        batch.add_rel("RESOLVES_TO", "Reference", rid, "PolicyDocument", d.id)
        for r in backend.query("reference_citers", {"reference": rid}).records():
            if r["document"] != d.id:
                cited_by.append(r["document"])
                batch.add_rel("CITES", "PolicyDocument", r["document"], "PolicyDocument", d.id,
                              source_doc=r["source_doc"], span_start=r["span_start"], span_end=r["span_end"],
                              quote=r["quote"])
    return {"cites": sorted(cited - set(unresolved)), "references": unresolved, "cited_by": cited_by}


def ingest_document(backend: Backend, doc: ParsedDocument, *, taxonomy: bool = True) -> dict[str, Any]:
    """Write one parsed document; re-ingesting the same text changes nothing.

    A new document is linked to its versions only on evidence (SUPERSEDES: the same number, the same
    issuers and title issued later, or a repeal statement; POSSIBLY_SUPERSEDES for a guess, hiding nothing),
    AMENDS what an amendment notice revises, and CITES what it cites.
    ``taxonomy``: write the taxonomy first (:func:`ensure_taxonomy`); False when the caller has
    just put it in place.
    """
    existed = not backend.missing_ids("PolicyDocument", {doc.document.id})
    if taxonomy:
        ensure_taxonomy(backend)
    batch = to_batch(doc)
    links: dict[str, Any] = {"supersedes": [], "possibly_supersedes": [], "amends": [], "superseded_by": [],
                             "cites": [], "references": [], "cited_by": []}
    if not existed:
        others = _versions(backend, doc)
        links.update(_supersedes(batch, doc, others))
        links.update(_cites(backend, batch, doc, others))
    backend.write(batch)
    return {
        "source": doc.document.source, "document": doc.document.id, "doc_number": doc.document.doc_number,
        "status": "unchanged" if existed else "created", "sections": len(doc.sections),
        "clauses": len(doc.clauses), **links,
        "unlinked": [{"clause": c.id, **u} for c in doc.clauses for u in c.unlinked]
        + [{"section": s.id, **u} for s in doc.sections for u in s.unlinked],
    }


def ingest_paths(backend: Backend, paths: Iterable[Path | str]) -> list[dict[str, Any]]:
    """Ingest each file; a file that fails is reported (``status`` "error", ``error`` the message,
    ``reason`` a short cause such as "too large") and the others still ingest."""
    report: list[dict[str, Any]] = []
    for path in paths:
        try:
            report.append(ingest_document(backend, parse_file(Path(path))))
        except PolicyKGError as exc:
            report.append({"source": str(path), "status": "error", "error": exc.message,
                           "reason": getattr(exc, "reason", None) or exc.code})
        except OSError as exc:
            report.append({"source": str(path), "status": "error", "reason": "unreadable",
                           "error": f"cannot read the file: {exc.strerror}"})
        except Exception as exc:  # noqa: BLE001 - a failure nobody foresaw stops this file, not the batch
            report.append({"source": str(path), "status": "error", "reason": "internal error",
                           "error": f"internal error reading the file ({type(exc).__name__}: {str(exc)[:200]}); "
                                    "please report it with the file"})
    return report


def seed_bytes() -> bytes:
    return resources.files("policykg.data").joinpath("seeds", SEED).read_bytes()


@lru_cache(maxsize=1)
def seed_document() -> ParsedDocument:
    """The seed policy, parsed (once per process: the parse is deterministic and nothing changes it)."""
    return parse_bytes(seed_bytes(), SEED)


def ingest_seed(backend: Backend) -> list[dict[str, Any]]:
    """The demo's documents: the seed policy shipped with the package."""
    return [ingest_document(backend, seed_document())]
