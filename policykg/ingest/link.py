"""Linking what a document says to the taxonomy: industries, tiers, places, programmes, funds and
instruments named in each clause and section, and the instruments its annex defines.

What the text says (quote, span) stays beside what it maps to (taxonomy id, name). A candidate
mention that matches no entry is kept under ``unlinked``, never dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policykg.ingest.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:  # pragma: no cover
    from policykg.ingest.extract import Rule
    from policykg.ingest.parse import ParsedDocument

#: taxonomy kind -> the field of a clause / section that lists its mentions
FIELDS = {"industry": "industries", "tier": "tiers", "place": "places", "programme": "programmes",
          "fund": "funds", "instrument": "instruments"}


def _mentions(taxonomy: Taxonomy, text: str, start: int, end: int) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {f: [] for f in FIELDS.values()}
    linked = taxonomy.link(text, start, end)
    for m in linked:
        found[FIELDS[m.kind]].append({"id": m.id, "name": m.name, "quote": m.quote, "span": list(m.span)})
    found["unlinked"] = [
        {"kind": u["kind"], "quote": u["quote"], "span": list(u["span"])}
        for u in taxonomy.unlinked(text, start, end, linked=linked)
    ]
    return found


def instrument_for(taxonomy: Taxonomy, rule: Rule) -> str | None:
    """The taxonomy instrument an annex rule defines: among entries named like the rule
    (研发资助, 市场拓展资助-境外 ...), the one with the same rates, else the same scope, else the
    same name."""
    if not rule.name:
        return None
    candidates = [e for e in taxonomy.entries("instrument")
                  if e.name == rule.name or e.name.startswith(rule.name + "-")]
    for e in candidates:
        if (e.get("rate_low"), e.get("rate_high")) == (rule.rate_low, rule.rate_high) and rule.rate_high is not None:
            same_scope = not rule.scope or {"domestic": "境内", "overseas": "境外"}.get(rule.scope, "") in e.name
            if same_scope:
                return e.id
    if rule.scope:
        word = {"domestic": "境内", "overseas": "境外"}.get(rule.scope, rule.scope)
        for e in candidates:
            if word in e.name:
                return e.id
    exact = [e for e in candidates if e.name == rule.name]
    return exact[0].id if exact else None


def link_document(doc: ParsedDocument, taxonomy: Taxonomy | None = None) -> ParsedDocument:
    """Fill each clause's and section's mention lists, and each instrument rule's ``instrument``."""
    taxonomy = taxonomy or load_taxonomy()
    text = doc.document.text
    for clause in doc.clauses:
        for name, items in _mentions(taxonomy, text, clause.span[0], clause.span[1]).items():
            setattr(clause, name, items)
    for section in doc.sections:
        if section.text_span:
            for name, items in _mentions(taxonomy, text, section.text_span[0], section.text_span[1]).items():
                setattr(section, name, items)
    for rule in doc.rules:
        if rule.kind == "instrument":
            rule.instrument = instrument_for(taxonomy, rule)
    return doc
