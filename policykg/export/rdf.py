"""The graph as RDF (rdflib): Turtle, JSON-LD and N-Triples.

Every node becomes a resource ``{base}{label}/{id}`` typed ``pkg:{Label}``, with one literal per
declared property (typed: xsd:string, xsd:integer, xsd:decimal, xsd:boolean, xsd:date; a list gives
one triple per item, order not kept) and an ``rdfs:label`` (name or title, ``@zh``; English name
``@en``). Every relationship becomes a triple ``source pkg:TYPE target``; one that has properties
or evidence is also an ``rdf:Statement`` (``{base}statement/...``) carrying them.

On top of the schema's own terms, W3C vocabularies say what the standard tools understand:

- **PROV-O** for evidence: a node or statement read from a document is ``prov:wasDerivedFrom`` the
  document and the text span ``{base}span/{doc}/{start}-{end}`` (a ``pkg:TextSpan``,
  ``prov:wasQuotedFrom`` the document, ``prov:value`` the quoted words);
- **SKOS** for the industry taxonomy: each industry is a ``skos:Concept`` with ``skos:prefLabel``
  (zh, en) and ``skos:altLabel`` (synonyms), ``skos:broader`` / ``skos:narrower`` from
  SUBINDUSTRY_OF, in the scheme of the whole taxonomy, in the scheme of its 1+5+N group, and in the
  key-industries scheme when it is one;
- **Dublin Core terms** for documents: ``dcterms:title``, ``identifier`` (the 文号), ``issued``,
  ``valid`` (a DCMI period from the dates in force), ``publisher`` (each issuer, an
  ``org:Organization``), ``source``, ``language``; sections and clauses are ``dcterms:isPartOf``
  their document, and SUPERSEDES is also ``dcterms:replaces``, CITES ``dcterms:references``;
- **ORG** for enterprises (``org:FormalOrganization`` with ``org:identifier`` = USCC) and issuers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from policykg.export.ontology import ALIGNED_CLASSES, GROUP_SCHEMES, ORG, Terms, ontology
from policykg.graph.base import GraphBatch
from policykg.graph.schema import Property, Schema, load_schema

RDF_FORMATS = {"ttl": ("turtle", "text/turtle"), "jsonld": ("json-ld", "application/ld+json"),
               "nt": ("nt", "application/n-triples")}


def literal(value: Any, prop: Property) -> list[Literal]:
    """The typed literal(s) of one property value."""
    if value is None:
        return []
    t = prop.type
    if t == "string[]":  # an empty entry is left out: JSON-LD compaction drops it, so the formats would differ
        return [Literal(str(v)) for v in value if str(v)]
    if t == "string":
        return [Literal(str(value))]
    if t == "int":
        return [Literal(int(value), datatype=XSD.integer)]
    if t == "float":
        return [Literal(format(Decimal(repr(float(value))), "f"), datatype=XSD.decimal)]
    if t == "bool":
        return [Literal(bool(value), datatype=XSD.boolean)]
    if t == "date":
        d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return [Literal(d, datatype=XSD.date)]
    raise ValueError(f"unknown property type {t}")  # pragma: no cover - guarded by the schema


def python_value(term: Any) -> Any:
    """A SPARQL answer's term back to the Python value the catalogue returns."""
    if term is None:
        return None
    if isinstance(term, Literal):
        v = term.toPython()
        if isinstance(v, Decimal):
            return int(v) if term.datatype == XSD.integer else float(v)
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()
        if isinstance(v, Literal):  # an ill-typed literal
            return str(v)
        return v
    return str(term)


class RdfWriter:
    """Adds a graph batch's nodes and relationships to an rdflib Graph."""

    def __init__(self, terms: Terms | None = None, schema: Schema | None = None) -> None:
        self.t = terms or Terms()
        self.schema = schema or load_schema()
        self.g = self.t.bind(Graph())
        self._schemes: set[str] = set()

    # --- nodes -----------------------------------------------------------------------------------
    def add_nodes(self, label: str, rows: Iterable[dict[str, Any]]) -> None:
        nt = self.schema.node(label)
        cls = self.t.cls(label)
        aligned = ALIGNED_CLASSES.get(label, [])
        g = self.g
        for row in rows:
            s = self.t.node(label, row[nt.key])
            g.add((s, RDF.type, cls))
            for a in aligned:
                g.add((s, RDF.type, a))
            for p in nt.properties.values():
                for lit in literal(row.get(p.name), p):
                    g.add((s, self.t.prop(p.name), lit))
            name = row.get("name") or row.get("title")
            if name:
                g.add((s, RDFS.label, Literal(str(name), lang="zh")))
            if row.get("name_en"):
                g.add((s, RDFS.label, Literal(str(row["name_en"]), lang="en")))
            if nt.evidence:
                self._evidence(s, row)
            extra = getattr(self, f"_node_{label}", None)
            if extra:
                extra(s, row)

    def _evidence(self, s: URIRef, row: dict[str, Any]) -> None:
        doc = row.get("source_doc")
        if not doc:
            return
        d = self.t.node("PolicyDocument", doc)
        self.g.add((s, RDF.type, PROV.Entity))
        self.g.add((s, PROV.wasDerivedFrom, d))
        start, end = row.get("span_start"), row.get("span_end")
        if start is None or end is None:
            return
        span = self.t.span(doc, start, end)
        g = self.g
        g.add((s, PROV.wasDerivedFrom, span))
        g.add((span, RDF.type, self.t.pkg.TextSpan))
        g.add((span, RDF.type, PROV.Entity))
        g.add((span, PROV.wasQuotedFrom, d))
        g.add((span, self.t.prop("span_start"), Literal(int(start), datatype=XSD.integer)))
        g.add((span, self.t.prop("span_end"), Literal(int(end), datatype=XSD.integer)))
        if row.get("quote") is not None:
            g.add((span, PROV.value, Literal(str(row["quote"]))))

    def _node_PolicyDocument(self, s: URIRef, row: dict[str, Any]) -> None:  # noqa: N802
        g = self.g
        g.add((s, DCTERMS.title, Literal(row["title"], lang="zh")))
        if row.get("doc_number"):
            g.add((s, DCTERMS.identifier, Literal(row["doc_number"])))
        if row.get("issued_date"):
            g.add((s, DCTERMS.issued, literal(row["issued_date"], Property("issued_date", "date"))[0]))
        if row.get("effective_date") or row.get("expiry_date"):
            parts = [f"start={row['effective_date'].isoformat()};" if row.get("effective_date") else "",
                     f" end={row['expiry_date'].isoformat()};" if row.get("expiry_date") else "", " scheme=W3C-DTF"]
            g.add((s, DCTERMS.valid, Literal("".join(parts).strip(), datatype=DCTERMS.Period)))
        for issuer in row.get("issuers") or []:
            o = self.t.organization(issuer)
            g.add((s, DCTERMS.publisher, o))
            g.add((o, RDF.type, ORG.Organization))
            g.add((o, RDF.type, PROV.Agent))
            g.add((o, RDFS.label, Literal(issuer, lang="zh")))
        if row.get("source"):
            g.add((s, DCTERMS.source, Literal(row["source"])))
        g.add((s, DCTERMS.language, Literal("zh")))

    def _part_of(self, s: URIRef, row: dict[str, Any]) -> None:
        if row.get("document"):
            self.g.add((s, DCTERMS.isPartOf, self.t.node("PolicyDocument", row["document"])))

    _node_Section = _part_of  # noqa: N815
    _node_Clause = _part_of  # noqa: N815

    def _node_Enterprise(self, s: URIRef, row: dict[str, Any]) -> None:  # noqa: N802
        self.g.add((s, ORG.identifier, Literal(row["id"])))

    def _scheme(self, key: str, zh: str, en: str) -> URIRef:
        sc = self.t.scheme(key)
        if key not in self._schemes:
            self._schemes.add(key)
            self.g.add((sc, RDF.type, SKOS.ConceptScheme))
            self.g.add((sc, SKOS.prefLabel, Literal(zh, lang="zh")))
            self.g.add((sc, SKOS.prefLabel, Literal(en, lang="en")))
        return sc

    def _node_Industry(self, s: URIRef, row: dict[str, Any]) -> None:  # noqa: N802
        g = self.g
        g.add((s, SKOS.prefLabel, Literal(row["name"], lang="zh")))
        if row.get("name_en"):
            g.add((s, SKOS.prefLabel, Literal(row["name_en"], lang="en")))
        for syn in row.get("synonyms") or []:
            g.add((s, SKOS.altLabel, Literal(syn, lang="zh")))
        if row.get("code"):
            g.add((s, SKOS.notation, Literal(row["code"])))
        g.add((s, SKOS.inScheme, self._scheme("industry", "产业分类", "Industry taxonomy")))
        group = row.get("group")
        if group:
            zh, en = GROUP_SCHEMES.get(group, (f"产业分组 {group}", f"Industry group {group}"))
            g.add((s, SKOS.inScheme, self._scheme(f"industry-group-{group}", zh, en)))
        if row.get("key_industry"):
            g.add((s, SKOS.inScheme, self._scheme("key-industries", "鼓励发展类重点产业（附则2）",
                                                    "Key encouraged industries (annex item 2)")))

    # --- relationships ------------------------------------------------------------------------------
    def add_relationships(self, rel_type: str, from_label: str, to_label: str, rows: Iterable[dict[str, Any]]) -> None:
        rt = self.schema.rel(rel_type)
        pred = self.t.prop(rel_type)
        g = self.g
        for row in rows:
            s = self.t.node(from_label, row["from"])
            o = self.t.node(to_label, row["to"])
            g.add((s, pred, o))
            if rel_type == "SUBINDUSTRY_OF":
                g.add((s, SKOS.broader, o))
                g.add((o, SKOS.narrower, s))
            elif rel_type == "SUPERSEDES":
                g.add((s, DCTERMS.replaces, o))
                g.add((o, DCTERMS.isReplacedBy, s))
            elif rel_type == "CITES":
                g.add((s, DCTERMS.references, o))
                g.add((o, DCTERMS.isReferencedBy, s))
            values = [(p, row.get(p.name)) for p in rt.properties.values() if row.get(p.name) is not None]
            if not values:
                continue
            st = self.t.statement(rel_type, row["from"], row["to"])
            g.add((st, RDF.type, RDF.Statement))
            g.add((st, RDF.subject, s))
            g.add((st, RDF.predicate, pred))
            g.add((st, RDF.object, o))
            for p, v in values:
                for lit in literal(v, p):
                    g.add((st, self.t.prop(p.name), lit))
            if rt.evidence:
                self._evidence(st, row)

    def finish(self) -> Graph:
        """Top concepts of each industry scheme: the industries without a broader one in that scheme."""
        g = self.g
        industry = self.t.cls("Industry")
        for s in sorted(g.subjects(RDF.type, industry)):
            schemes = set(g.objects(s, SKOS.inScheme))
            broader_schemes = {sc for b in g.objects(s, SKOS.broader) for sc in g.objects(b, SKOS.inScheme)}
            for sc in sorted(schemes - broader_schemes):
                g.add((s, SKOS.topConceptOf, sc))
                g.add((sc, SKOS.hasTopConcept, s))
        return g

    def add_batch(self, batch: GraphBatch) -> RdfWriter:
        for label, rows in batch.nodes.items():
            self.add_nodes(label, rows)
        for (rel_type, a, b), rows in batch.relationships.items():
            self.add_relationships(rel_type, a, b, rows)
        return self


def to_rdf(batch: GraphBatch, *, base: str | None = None, schema: Schema | None = None,
           with_ontology: bool = True) -> Graph:
    """An rdflib Graph of the batch (and of the ontology, unless ``with_ontology`` is false)."""
    terms = Terms(base)
    g = RdfWriter(terms, schema).add_batch(batch).finish()
    if with_ontology:
        g += ontology(terms.base)
    return g


def jsonld_context(terms: Terms) -> dict[str, str]:
    return {"pkg": str(terms.pkg), "skos": str(SKOS), "prov": str(PROV), "dcterms": str(DCTERMS),
            "org": str(ORG), "rdfs": str(RDFS), "xsd": str(XSD), "schema": "https://schema.org/",
            "owl": "http://www.w3.org/2002/07/owl#", "rdf": str(RDF)}


def serialize(g: Graph, fmt: str, path: Path | None = None, *, base: str | None = None) -> bytes | None:
    """Write the graph as ``ttl``, ``jsonld`` or ``nt`` to ``path`` (or return the bytes)."""
    rdflib_format, _ = RDF_FORMATS[fmt]
    kwargs: dict[str, Any] = {}
    if fmt == "jsonld":
        kwargs = {"context": jsonld_context(Terms(base)), "auto_compact": True}
    if path is not None:
        g.serialize(destination=str(path), format=rdflib_format, encoding="utf-8", **kwargs)
        return None
    return g.serialize(format=rdflib_format, encoding="utf-8", **kwargs)
