"""RDF terms for the graph, generated from the schema file: IRIs, the ontology, Chinese labels.

IRIs (``base`` is ``POLICYKG_RDF_BASE``, default ``https://policykg.example/id/``):

| what | IRI |
|---|---|
| a node | ``{base}{label in lower case}/{id, percent-encoded}``, e.g. ``{base}clause/doc-ea4b1ec83dbb%3Am5`` |
| the ontology | ``{base}ontology``; its terms ``{base}ontology#{Name}`` (prefix ``pkg:``) |
| a class | ``pkg:{Label}`` (``pkg:Clause``) |
| a node property | ``pkg:{name}`` as the schema spells it (``pkg:budget_floor_cny``) |
| a relationship | ``pkg:{TYPE}`` (``pkg:SUPPORTS``), from source node to target node |
| a relationship with properties or evidence | also ``{base}statement/{type in lower case}/{from}/{to}``: an ``rdf:Statement`` |
| a text span (evidence) | ``{base}span/{document}/{start}-{end}`` |
| an issuing organisation | ``{base}organization/{name, percent-encoded}`` |
| industry concept schemes | ``{base}scheme/industry`` and ``{base}scheme/industry-group-{1,5,N,sector}``, ``{base}scheme/key-industries`` |
| SHACL shapes | ``{base}shapes#{Label}Shape`` |

Terms keep the schema's own names, so that a SPARQL user and a Cypher user say the same words.
Everything here is derived from ``schema.yaml``; the only hand-written data are the Chinese
labels below (the schema has English descriptions only).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from urllib.parse import quote

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV, SKOS

from policykg import __version__
from policykg.errors import ConfigError
from policykg.graph.schema import Schema, load_schema

DEFAULT_BASE = "https://policykg.example/id/"

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")

XSD_TYPES = {"string": XSD.string, "int": XSD.integer, "float": XSD.decimal, "bool": XSD.boolean,
             "date": XSD.date, "string[]": XSD.string}


class RdfSettings(BaseSettings):
    """``POLICYKG_RDF_BASE``: the base of every IRI the RDF export mints (an http(s) IRI ending in /)."""

    model_config = SettingsConfigDict(env_prefix="POLICYKG_", env_file=".env", extra="ignore")

    rdf_base: str = Field(DEFAULT_BASE, description="base IRI of the RDF export")

    @field_validator("rdf_base")
    @classmethod
    def _check(cls, v: str) -> str:
        v = v.strip()
        if not v.startswith(("http://", "https://")) or " " in v:
            raise ValueError("must be an http(s) IRI such as https://data.example.org/policykg/")
        return v if v.endswith(("/", "#")) else v + "/"


def rdf_base(base: str | None = None) -> str:
    """The base IRI: ``base`` if given, else ``POLICYKG_RDF_BASE``, else the default."""
    try:
        return RdfSettings(**({"rdf_base": base} if base else {})).rdf_base
    except Exception as exc:  # pydantic's ValidationError
        raise ConfigError(f"bad setting: POLICYKG_RDF_BASE must be an http(s) IRI ending in '/' ({exc})") from None


# --- Chinese labels (the schema's English names and descriptions give the English ones) -------------

CLASS_ZH = {
    "PolicyDocument": "政策文件", "Section": "章节", "Clause": "条款", "Industry": "产业", "Place": "地域",
    "Tier": "企业梯队类别", "Programme": "计划（人才或企业）", "Fund": "基金", "Investment": "投资",
    "Instrument": "扶持方式", "Enterprise": "企业", "Financial": "年度财务数据", "Grant": "已获资助",
    "Amount": "金额", "Rate": "比例", "Condition": "条件", "Rule": "规则", "Reference": "被引文件（未入库）",
}

PROPERTY_ZH = {
    "id": "标识符", "doc_number": "文号", "title": "标题", "issuers": "发文机关", "issued_date": "发文日期",
    "effective_date": "施行日期", "expiry_date": "失效日期", "sha256": "源文件SHA-256", "source": "来源文件",
    "text": "文本", "override_statement": "效力优先声明", "document": "所属文件", "label": "编号（原文）",
    "level": "层级", "ordinal": "顺序", "section": "所属章节", "number": "序号", "kind": "类型",
    "budget_floor_cny": "预算下限（元）", "budget_period": "预算周期", "fund_scale_cny": "基金规模（元）",
    "name": "名称", "name_en": "英文名称", "code": "代码", "group": "产业体系分组", "key_industry": "重点产业",
    "synonyms": "同义词", "area_km2": "面积（平方公里）", "manager": "管理人", "size": "规模", "currency": "币种",
    "size_cny": "规模（元）", "amount": "金额", "amount_cny": "金额（元）", "date": "日期", "round": "轮次",
    "rate_low": "比例下限", "rate_high": "比例上限", "base": "计算基数", "founded": "成立日期",
    "registered_capital": "注册资本", "registered_capital_cny": "注册资本（元）", "employees": "员工人数",
    "listed": "已上市", "ticker": "股票代码", "revenue_cny": "营业收入（元）", "rd_spend_cny": "研发投入（元）",
    "figures_year": "数据年度", "synthetic": "合成数据", "year": "年度", "value": "数值", "value_cny": "数值（元）",
    "qualifier": "限定词", "period": "周期", "low": "下限", "high": "上限", "field": "字段", "operator": "运算符",
    "unit": "单位", "alternative_group": "可替代条件组", "policy": "规则内容", "category": "类别",
    "issuer": "认定机关", "reason": "原因", "source_doc": "证据来源文件", "span_start": "证据起始位置",
    "span_end": "证据结束位置", "quote": "证据原文", "basis": "取代依据", "notes": "修订说明",
}

RELATIONSHIP_ZH = {
    "HAS_SECTION": "包含章节", "HAS_CLAUSE": "包含条款", "SUPPORTS": "支持产业", "TARGETS": "面向梯队",
    "APPLIES_IN": "适用地域", "USES_INSTRUMENT": "采用扶持方式", "REFERS_TO": "提及计划或基金", "REQUIRES_SELECTION": "须入选计划", "MENTIONS": "提到",
    "SUBINDUSTRY_OF": "属于上位产业", "SUBTIER_OF": "属于上位梯队", "MEMBER_OF": "文件列为成员", "PART_OF": "隶属于", "IN_INDUSTRY": "所属产业", "LOCATED_IN": "位于",
    "HAS_TIER": "获评梯队", "MADE": "作出投资", "INVESTED_IN": "投向企业", "SELECTED_IN": "入选计划",
    "REPORTED": "报告财务数据", "RECEIVED": "获得资助", "GRANTED_UNDER": "依据条款资助", "STATES": "规定",
    "HAS_CONDITION": "附带条件", "HAS_RULE": "规定规则", "SUPERSEDES": "取代",
    "POSSIBLY_SUPERSEDES": "可能取代（待核）", "AMENDS": "修订", "CITES": "引用", "RESOLVES_TO": "对应入库文件",
}

GROUP_SCHEMES = {
    "1": ("“1+5+N”产业体系：1（引擎产业）", "The 1+5+N system: 1 (the engine industry)"),
    "5": ("“1+5+N”产业体系：5（新兴产业）", "The 1+5+N system: 5 (emerging industries)"),
    "N": ("“1+5+N”产业体系：N（未来产业）", "The 1+5+N system: N (future industries)"),
    "sector": ("措施提及的其他行业", "Other sectors the measures name"),
}

#: W3C / schema.org classes each node type is also typed with (in the data and in the ontology)
ALIGNED_CLASSES = {
    "PolicyDocument": [DCTERMS.BibliographicResource, PROV.Entity],
    "Enterprise": [ORG.FormalOrganization],
    "Industry": [SKOS.Concept],
    "Instrument": [SCHEMA.FinancialIncentive],
}


def words(name: str) -> str:
    """``budget_floor_cny`` -> ``budget floor cny``; ``HAS_SECTION`` -> ``has section``."""
    return name.replace("_", " ").lower()


class Terms:
    """The IRIs of one export (one base)."""

    def __init__(self, base: str | None = None) -> None:
        self.base = rdf_base(base)
        self.ontology = URIRef(self.base + "ontology")
        self.pkg = Namespace(self.base + "ontology#")
        self.shapes = Namespace(self.base + "shapes#")

    def node(self, label: str, node_id: str) -> URIRef:
        return URIRef(f"{self.base}{label.lower()}/{quote(str(node_id), safe='')}")

    def cls(self, label: str) -> URIRef:
        return self.pkg[label]

    def prop(self, name: str) -> URIRef:
        return self.pkg[name]

    def statement(self, rel_type: str, src: str, dst: str) -> URIRef:
        return URIRef(f"{self.base}statement/{rel_type.lower()}/{quote(str(src), safe='')}/{quote(str(dst), safe='')}")

    def span(self, document: str, start: int, end: int) -> URIRef:
        return URIRef(f"{self.base}span/{quote(str(document), safe='')}/{int(start)}-{int(end)}")

    def organization(self, name: str) -> URIRef:
        return URIRef(f"{self.base}organization/{quote(name, safe='')}")

    def scheme(self, name: str) -> URIRef:
        return URIRef(f"{self.base}scheme/{quote(name, safe='')}")

    def bind(self, g: Graph) -> Graph:
        g.bind("pkg", self.pkg)
        g.bind("skos", SKOS)
        g.bind("prov", PROV)
        g.bind("dcterms", DCTERMS)
        g.bind("org", ORG)
        g.bind("schema", SCHEMA)
        g.bind("owl", OWL)
        g.bind("sh", SH)
        g.bind("pkgsh", self.shapes)
        return g


# --- the ontology ------------------------------------------------------------------------------------

def _union(g: Graph, classes: list[URIRef]) -> URIRef | BNode:
    if len(classes) == 1:
        return classes[0]
    node = BNode()
    g.add((node, RDF.type, OWL.Class))
    lst = BNode()
    Collection(g, lst, classes)
    g.add((node, OWL.unionOf, lst))
    return node


def property_users(schema: Schema) -> dict[str, dict[str, set[str]]]:
    """name -> {"types": {schema types}, "nodes": {labels}, "relationships": {types}}."""
    users: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"types": set(), "nodes": set(), "relationships": set()})
    for nt in schema.nodes.values():
        for p in nt.properties.values():
            users[p.name]["types"].add(p.type)
            users[p.name]["nodes"].add(nt.label)
    for rt in schema.relationships.values():
        for p in rt.properties.values():
            users[p.name]["types"].add(p.type)
            users[p.name]["relationships"].add(rt.type)
    return users


def _description(schema: Schema, name: str) -> str:
    for nt in schema.nodes.values():
        if name in nt.properties and nt.properties[name].description:
            return nt.properties[name].description
    for rt in schema.relationships.values():
        if name in rt.properties and rt.properties[name].description:
            return rt.properties[name].description
    return schema.evidence[name].description if name in schema.evidence else ""


@lru_cache(maxsize=8)
def _ontology(base: str) -> Graph:
    schema = load_schema()
    t = Terms(base)
    g = t.bind(Graph())
    pkg = t.pkg
    onto = t.ontology
    g.add((onto, RDF.type, OWL.Ontology))
    g.add((onto, RDFS.label, Literal("policykg ontology", lang="en")))
    g.add((onto, RDFS.label, Literal("产业政策知识图谱本体", lang="zh")))
    g.add((onto, RDFS.comment, Literal(
        "Generated from policykg's schema.yaml: one class per node label, one datatype property per property "
        "name, one object property per relationship type. Evidence (document, span, quote) is PROV-O; industries "
        "are SKOS concepts; documents carry Dublin Core terms.", lang="en")))
    g.add((onto, OWL.versionInfo, Literal(f"schema {schema.version}, policykg {__version__}")))
    for label, nt in schema.nodes.items():
        c = t.cls(label)
        g.add((c, RDF.type, OWL.Class))
        g.add((c, RDFS.label, Literal(label, lang="en")))
        if label in CLASS_ZH:
            g.add((c, RDFS.label, Literal(CLASS_ZH[label], lang="zh")))
        if nt.description:
            g.add((c, RDFS.comment, Literal(nt.description, lang="en")))
        g.add((c, RDFS.isDefinedBy, onto))
        for aligned in ALIGNED_CLASSES.get(label, []):
            g.add((c, RDFS.subClassOf, aligned))
        if nt.evidence:
            g.add((c, RDFS.subClassOf, PROV.Entity))
    for name, use in sorted(property_users(schema).items()):
        p = t.prop(name)
        g.add((p, RDF.type, OWL.DatatypeProperty))
        g.add((p, RDFS.label, Literal(words(name), lang="en")))
        if name in PROPERTY_ZH:
            g.add((p, RDFS.label, Literal(PROPERTY_ZH[name], lang="zh")))
        desc = _description(schema, name)
        if desc:
            g.add((p, RDFS.comment, Literal(desc, lang="en")))
        g.add((p, RDFS.isDefinedBy, onto))
        domain = [t.cls(n) for n in sorted(use["nodes"])] + ([RDF.Statement] if use["relationships"] else [])
        g.add((p, RDFS.domain, _union(g, domain)))
        if len(use["types"]) == 1:
            g.add((p, RDFS.range, XSD_TYPES[next(iter(use["types"]))]))
    for rtype, rt in schema.relationships.items():
        p = t.prop(rtype)
        g.add((p, RDF.type, OWL.ObjectProperty))
        g.add((p, RDFS.label, Literal(words(rtype), lang="en")))
        if rtype in RELATIONSHIP_ZH:
            g.add((p, RDFS.label, Literal(RELATIONSHIP_ZH[rtype], lang="zh")))
        if rt.description:
            g.add((p, RDFS.comment, Literal(rt.description, lang="en")))
        g.add((p, RDFS.isDefinedBy, onto))
        sources = sorted({a for a, _ in rt.endpoints})
        targets = sorted({b for _, b in rt.endpoints})
        g.add((p, RDFS.domain, _union(g, [t.cls(x) for x in sources])))
        g.add((p, RDFS.range, _union(g, [t.cls(x) for x in targets])))
    # alignments with W3C vocabularies
    g.add((pkg.SUBINDUSTRY_OF, RDFS.subPropertyOf, SKOS.broader))
    g.add((pkg.SUPERSEDES, RDFS.subPropertyOf, DCTERMS.replaces))
    g.add((pkg.CITES, RDFS.subPropertyOf, DCTERMS.references))
    g.add((pkg.title, RDFS.subPropertyOf, DCTERMS.title))
    g.add((pkg.doc_number, RDFS.subPropertyOf, DCTERMS.identifier))
    g.add((pkg.issued_date, RDFS.subPropertyOf, DCTERMS.issued))
    g.add((pkg.quote, RDFS.subPropertyOf, PROV.value))
    # terms of the export that are not in the schema
    span = pkg.TextSpan
    g.add((span, RDF.type, OWL.Class))
    g.add((span, RDFS.subClassOf, PROV.Entity))
    g.add((span, RDFS.label, Literal("text span", lang="en")))
    g.add((span, RDFS.label, Literal("原文片段", lang="zh")))
    g.add((span, RDFS.comment, Literal(
        "The characters [span_start, span_end) of a document's normalised text: prov:wasQuotedFrom the document, "
        "prov:value the quoted words. Extracted nodes and relationship statements are prov:wasDerivedFrom it and "
        "the document.",
        lang="en")))
    g.add((pkg.IN_INDUSTRY, RDFS.subPropertyOf, ORG.classification))
    return g


def ontology(base: str | None = None) -> Graph:
    """The ontology (OWL) generated from the schema, for the given base (a fresh copy)."""
    g = Graph()
    for prefix, ns in _ontology(rdf_base(base)).namespaces():
        g.bind(prefix, ns, override=True)
    g += _ontology(rdf_base(base))
    return g
