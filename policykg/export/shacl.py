"""SHACL shapes generated from the schema file, and validation of an export with pyshacl.

One ``sh:NodeShape`` per node label (``pkgsh:{Label}Shape``, ``sh:targetClass pkg:{Label}``) with a
property shape per declared property (``sh:datatype``; ``sh:minCount 1`` when required;
``sh:maxCount 1`` unless it is a list) and per relationship type the label is a source of
(``sh:nodeKind sh:IRI`` and ``sh:class`` of the target label, or ``sh:or`` of them where the
schema declares several). Further shapes check the relationship statements (``rdf:Statement``:
one subject, predicate and object, the predicate one of the relationship types, relationship
properties typed), the evidence spans (``pkg:TextSpan``) and the SKOS side of industries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import PROV, SKOS

from policykg.export.ontology import SH, XSD_TYPES, Terms, property_users, rdf_base
from policykg.graph.schema import Schema, load_schema


def _list(g: Graph, items: list[Any]) -> BNode:
    head = BNode()
    Collection(g, head, items)
    return head


def _prop_shape(g: Graph, shape: URIRef, node_shape: URIRef, path: URIRef, *, datatype: URIRef | None = None,
                required: bool = False, single: bool = True, classes: list[URIRef] | None = None,
                name: str | None = None) -> None:
    g.add((node_shape, SH.property, shape))
    g.add((shape, SH.path, path))
    if name:
        g.add((shape, SH.name, Literal(name)))
    if datatype is not None:
        g.add((shape, SH.datatype, datatype))
    if required:
        g.add((shape, SH.minCount, Literal(1)))
    if single:
        g.add((shape, SH.maxCount, Literal(1)))
    if classes:
        g.add((shape, SH.nodeKind, SH.IRI))
        if len(classes) == 1:
            g.add((shape, SH["class"], classes[0]))
        else:
            alternatives = []
            for c in classes:
                alt = BNode()
                g.add((alt, SH["class"], c))
                alternatives.append(alt)
            g.add((shape, SH["or"], _list(g, alternatives)))


@lru_cache(maxsize=8)
def _shapes(base: str) -> Graph:
    schema: Schema = load_schema()
    t = Terms(base)
    g = t.bind(Graph())
    sh = t.shapes
    for label, nt in schema.nodes.items():
        ns = sh[f"{label}Shape"]
        g.add((ns, RDF.type, SH.NodeShape))
        g.add((ns, SH.targetClass, t.cls(label)))
        g.add((ns, RDFS.label, Literal(f"{label} shape", lang="en")))
        for p in nt.properties.values():
            _prop_shape(g, sh[f"{label}-{p.name}"], ns, t.prop(p.name), datatype=XSD_TYPES[p.type],
                        required=p.required or p.name == nt.key, single=p.type != "string[]", name=p.name)
        for rt in schema.relationships.values():
            targets = sorted({b for a, b in rt.endpoints if a == label})
            if targets:
                _prop_shape(g, sh[f"{label}-{rt.type}"], ns, t.prop(rt.type), single=False,
                            classes=[t.cls(b) for b in targets], name=rt.type)
    # relationship statements
    st = sh.StatementShape
    g.add((st, RDF.type, SH.NodeShape))
    g.add((st, SH.targetClass, RDF.Statement))
    g.add((st, RDFS.label, Literal("relationship statement shape", lang="en")))
    for path in (RDF.subject, RDF.object):
        _prop_shape(g, sh[f"Statement-{path.split('#')[-1]}"], st, path, required=True, single=True)
        g.add((sh[f"Statement-{path.split('#')[-1]}"], SH.nodeKind, SH.IRI))
    pred = sh["Statement-predicate"]
    _prop_shape(g, pred, st, RDF.predicate, required=True, single=True)
    g.add((pred, SH["in"], _list(g, [t.prop(r) for r in schema.relationships])))
    for name, use in sorted(property_users(schema).items()):
        if use["relationships"] and len(use["types"]) == 1:
            ptype = next(iter(use["types"]))
            _prop_shape(g, sh[f"Statement-{name}"], st, t.prop(name), datatype=XSD_TYPES[ptype],
                        single=ptype != "string[]", name=name)
    # evidence spans
    sp = sh.TextSpanShape
    g.add((sp, RDF.type, SH.NodeShape))
    g.add((sp, SH.targetClass, t.pkg.TextSpan))
    _prop_shape(g, sh["TextSpan-document"], sp, PROV.wasQuotedFrom, required=True,
                classes=[t.cls("PolicyDocument")])
    _prop_shape(g, sh["TextSpan-span_start"], sp, t.prop("span_start"), datatype=XSD.integer, required=True)
    _prop_shape(g, sh["TextSpan-span_end"], sp, t.prop("span_end"), datatype=XSD.integer, required=True)
    _prop_shape(g, sh["TextSpan-value"], sp, PROV.value, datatype=XSD.string, single=True)
    # industries as SKOS concepts
    sk = sh.IndustryConceptShape
    g.add((sk, RDF.type, SH.NodeShape))
    g.add((sk, SH.targetClass, t.cls("Industry")))
    _prop_shape(g, sh["IndustryConcept-prefLabel"], sk, SKOS.prefLabel, required=True, single=False)
    g.add((sh["IndustryConcept-prefLabel"], SH.uniqueLang, Literal(True)))
    _prop_shape(g, sh["IndustryConcept-inScheme"], sk, SKOS.inScheme, required=True, single=False,
                classes=[SKOS.ConceptScheme])
    _prop_shape(g, sh["IndustryConcept-broader"], sk, SKOS.broader, single=False, classes=[SKOS.Concept])
    return g


def shapes(base: str | None = None) -> Graph:
    """The SHACL shapes for the given base (a fresh copy)."""
    src = _shapes(rdf_base(base))
    g = Graph()
    for prefix, ns in src.namespaces():
        g.bind(prefix, ns, override=True)
    g += src
    return g


@dataclass
class Validation:
    conforms: bool
    violations: int
    triples: int
    seconds: float
    report: str

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        text = self.report if full else "\n".join(self.report.splitlines()[:60])
        return {"conforms": self.conforms, "violations": self.violations, "triples": self.triples,
                "seconds": round(self.seconds, 3), "report": text}


def validate(data: Graph, *, base: str | None = None) -> Validation:
    """Validate an export against the shapes with pyshacl (no inference: the export states every
    type it relies on)."""
    import pyshacl

    start = time.perf_counter()
    conforms, report_graph, text = pyshacl.validate(data, shacl_graph=shapes(base), inference="none",
                                                   abort_on_first=False, allow_warnings=False, meta_shacl=False,
                                                   advanced=False, js=False, debug=False)
    violations = len(set(report_graph.subjects(RDF.type, SH.ValidationResult)))
    return Validation(bool(conforms), violations, len(data), time.perf_counter() - start, str(text))
