"""Exports: RDF (validated against the SHACL shapes, and answering SPARQL as the catalogue does),
GraphML, GEXF and neo4j-admin CSV files (imported by the real neo4j-admin), from both backends,
for the whole graph and for parts of it; the API and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib import namespace as rdfns
from rdflib.namespace import OWL, PROV, SKOS

from policykg.errors import ConfigError, NotFound, ValidationError
from policykg.export import FORMATS, export, export_bytes, verify_file
from policykg.export import neo4j_csv as ncsv
from policykg.export.copy import canonical_rows, compare
from policykg.export.dump import WHOLE, dump, nodes_by_key, select_part
from policykg.export.ontology import CLASS_ZH, SH, Terms, ontology, rdf_base
from policykg.export.rdf import to_rdf
from policykg.export.shacl import shapes, validate
from policykg.export.sparql import default_cases, round_trip
from policykg.graph import open_backend
from policykg.graph.schema import load_schema
from policykg.ingest.load import load_paths
from policykg.ingest.policy import ingest_seed
from policykg.ingest.synth import synth
from policykg.settings import get_settings
from tests.conftest import NEO4J_TEST_PASSWORD, ROOT, _free_port, neo4j_settings

SMALL = 150  # synthetic enterprises in the graphs loaded into both backends
DEMO = 1000  # the demo's registry (policykg demo)


def load_demo(backend, enterprises: int, folder: Path) -> None:
    """The demo graph: the seed policy and a synthetic registry (what `policykg demo` loads)."""
    ingest_seed(backend)
    synth(enterprises, 0, folder)
    report = load_paths(backend, [folder], progress=False)
    assert report.ok, report.to_dict()


@pytest.fixture(scope="module")
def graphs(tmp_path_factory, neo4j_uri):
    """The same small demo graph in a fresh embedded database and in the session's Neo4j."""
    emb = open_backend(get_settings(backend="embedded", data_dir=tmp_path_factory.mktemp("export-emb"),
                                    buffer_pool_mb=512))
    neo = open_backend(neo4j_settings(neo4j_uri), apply_schema=False)
    neo.clear()
    neo.drop_schema()
    neo.apply_schema()
    folder = tmp_path_factory.mktemp("export-registry")
    for b in (emb, neo):
        load_demo(b, SMALL, folder)
    yield {"embedded": emb, "neo4j": neo}
    emb.close()
    neo.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The full demo graph (seed + 1,000 enterprises) in the embedded backend."""
    b = open_backend(get_settings(backend="embedded", data_dir=tmp_path_factory.mktemp("export-demo"),
                                  buffer_pool_mb=512))
    load_demo(b, DEMO, tmp_path_factory.mktemp("export-demo-registry"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def demo_ttl(demo, tmp_path_factory):
    """The demo's Turtle export, and a fresh rdflib graph loaded from the file."""
    path = tmp_path_factory.mktemp("export-demo-ttl") / "demo.ttl"
    report = export(demo, "ttl", path)
    return path, Graph().parse(path, format="turtle"), report


def _typed(value: str, prop_type: str, delim: str):
    if value == "":
        return None
    return {"string": str, "int": int, "float": float, "bool": lambda v: v == "true",
            "date": dt.date.fromisoformat, "string[]": lambda v: v.split(delim)}[prop_type](value)


def read_neo4j_csv(folder: Path, delim: str) -> tuple[dict, dict]:
    """Parse the header and data files back with the csv module, typed as the headers say."""
    types = {"string": "string", "long": "int", "double": "float", "boolean": "bool", "date": "date",
             "string[]": "string[]"}
    nodes: dict[str, list[dict]] = {}
    rels: dict[tuple, list[dict]] = {}
    for header in sorted(folder.glob("*.header.csv")):
        cols = next(csv.reader(header.open(encoding="utf-8")))
        data = header.with_name(header.name.replace(".header.csv", ".csv"))
        rows = list(csv.reader(data.open(encoding="utf-8", newline="")))
        if header.name.startswith("nodes_"):
            label = cols[0].split("(")[1].rstrip(")")
            key = cols[0].split(":")[0]
            out = []
            for r in rows:
                assert r[1] == label
                row = {key: r[0]}
                for col, v in zip(cols[2:], r[2:], strict=True):
                    name, t = col.split(":")
                    row[name] = _typed(v, types[t], delim)
                out.append(row)
            nodes[label] = out
        else:
            a, b = cols[0].split("(")[1].rstrip(")"), cols[1].split("(")[1].rstrip(")")
            out = []
            for r in rows:
                row = {"from": r[0], "to": r[1]}
                for col, v in zip(cols[3:], r[3:], strict=True):
                    name, t = col.split(":")
                    row[name] = _typed(v, types[t], delim)
                out.append(row)
            rels[(rows[0][2], a, b)] = out
    return nodes, rels


def _no_empty_lists(rows: list[dict]) -> list[dict]:
    return [{k: (None if v == [] else v) for k, v in r.items()} for r in rows]


# --- the demo graph: every format, SHACL, the SPARQL round trip -------------------------------------------

def test_demo_exports_to_every_format(demo, demo_ttl, tmp_path):
    counts = demo.counts()
    n_nodes, n_rels = sum(counts["nodes"].values()), sum(counts["relationships"].values())
    assert counts["nodes"]["Enterprise"] == DEMO
    reports = {}
    for fmt, (_, suffix, _) in FORMATS.items():
        if fmt == "ttl":
            continue  # demo_ttl
        path = tmp_path / (f"demo{suffix}" if suffix else "neo4j-import")
        reports[fmt] = export(demo, fmt, path)
        assert reports[fmt]["nodes"] == n_nodes and reports[fmt]["relationships"] == n_rels
        assert reports[fmt]["bytes"] > 0
    # RDF: the three serialisations hold the same triples
    _, ttl, reports["ttl"] = demo_ttl
    nt = Graph().parse(tmp_path / "demo.nt", format="nt")
    jsonld = Graph().parse(tmp_path / "demo.jsonld", format="json-ld")
    assert len(ttl) == len(nt) == len(jsonld) == reports["ttl"]["triples"]
    assert len(ttl) > 5 * n_nodes
    # GraphML and GEXF read back with networkx: every node and relationship, with its type
    gml = nx.read_graphml(tmp_path / "demo.graphml")
    assert gml.number_of_nodes() == n_nodes and gml.number_of_edges() == n_rels
    some = next(iter(dump(demo).nodes["Enterprise"]))
    assert gml.nodes[some["id"]]["labels"] == ":Enterprise" and gml.nodes[some["id"]]["name"] == some["name"]
    by_type = {}
    for _, _, d in gml.edges(data=True):
        by_type[d["label"]] = by_type.get(d["label"], 0) + 1
    assert by_type == {k: v for k, v in counts["relationships"].items() if v}
    gexf = nx.read_gexf(tmp_path / "demo.gexf")
    assert gexf.number_of_nodes() == n_nodes and gexf.number_of_edges() == n_rels
    assert gexf.nodes[some["id"]]["node_type"] == "Enterprise" and gexf.nodes[some["id"]]["label"] == some["name"]


def test_demo_turtle_validates_against_the_shapes(demo_ttl):
    _, g, _ = demo_ttl  # a fresh graph loaded from the file
    result = validate(g)
    assert result.conforms, result.report
    assert result.violations == 0 and result.triples == len(g)
    assert result.seconds < 60


def test_demo_turtle_answers_sparql_like_the_catalogue(demo, demo_ttl):
    path, g, _ = demo_ttl
    cases = default_cases(demo)
    names = {n for n, _ in cases}
    assert names == {"industry_clauses", "budget_total", "enterprise"}
    result = round_trip(demo, g, cases)
    assert result["equal"], json.dumps(result["different"][:3], ensure_ascii=False, indent=1)
    # the answers are not trivially empty: budget, clauses with evidence, investors
    assert result["rows"] > 50
    budget = demo.query("sparql_check_budget_total").records()
    assert budget and budget[0]["annual_budget_cny"] > 0
    # verify_file does the same from the file, for the CLI's --validate --check
    v = verify_file(demo, path, "ttl", validate=False, check=True)
    assert v["ok"] and v["sparql"]["cases"] == len(cases)


def test_shacl_finds_what_breaks_the_schema(demo):
    uscc = next(r["id"] for r in dump(demo).nodes["Enterprise"] if r["founded"] and r["employees"] is not None)
    part = select_part(demo, enterprise=uscc)
    batch = dump(demo, part)
    g = to_rdf(batch, with_ontology=False)
    assert validate(g).conforms
    t = Terms()
    ent = t.node("Enterprise", part.start)
    g.remove((ent, t.prop("name"), None))  # required
    g.add((ent, t.prop("employees"), Literal("many")))  # not an integer
    g.add((ent, t.prop("founded"), Literal(dt.date(1999, 1, 1))))  # a second value
    g.add((ent, t.prop("IN_INDUSTRY"), t.node("Place", "place-binjiang")))  # not an Industry
    g.add((t.node("Place", "place-binjiang"), RDF.type, t.cls("Place")))
    result = validate(g)
    assert not result.conforms
    assert result.violations >= 4
    for path in ("name", "employees", "founded", "IN_INDUSTRY"):
        assert f"Result Path: pkg:{path}\n" in result.report, path


# --- both backends: the same exports, parts, neo4j-csv ----------------------------------------------------

def test_both_backends_give_the_same_exports(graphs, tmp_path):
    emb, neo = graphs["embedded"], graphs["neo4j"]
    a, b = dump(emb), dump(neo)
    assert a.nodes == b.nodes and a.relationships == b.relationships
    assert set(to_rdf(a, with_ontology=False)) == set(to_rdf(b, with_ontology=False))
    # the Turtle export from Neo4j validates and answers SPARQL as Neo4j's catalogue does
    path = tmp_path / "neo4j.ttl"
    report = export(neo, "ttl", path)
    v = verify_file(neo, path, "ttl", validate=True, check=True)
    assert v["shacl"]["conforms"], v["shacl"]["report"]
    assert v["sparql"]["equal"], v["sparql"]["different"][:2]
    assert report["triples"] == v["triples"] and v["sparql"]["cases"] > 20
    uscc = emb.query("analytics_enterprise_features").records()[0]["enterprise"]
    for kwargs in ({"document": emb.query("documents").records()[0]["id"]}, {"industry": "ind-ai"},
                   {"enterprise": uscc}, {"node": "ind-life-health", "depth": 2}):
        a, b = dump(emb, select_part(emb, **kwargs)), dump(neo, select_part(neo, **kwargs))
        assert a.nodes == b.nodes and a.relationships == b.relationships, kwargs


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_parts_of_the_graph(graphs, name):
    b = graphs[name]
    doc = b.query("documents").records()[0]["id"]
    clauses = {r["id"] for r in b.query("document_clauses", {"document": doc}).records()}

    # one document: its sections, all its clauses, what they state, the taxonomy they name
    part = select_part(b, document=doc)
    batch = dump(b, part)
    assert {r["id"] for r in batch.nodes["Clause"]} == clauses
    assert "Enterprise" not in batch.nodes and "Financial" not in batch.nodes
    assert {"Amount", "Rate", "Rule", "Industry", "Tier", "Instrument"} <= set(batch.nodes)
    assert validate(to_rdf(batch)).conforms

    # one industry: narrower (all levels) and broader ones, the clauses supporting them, their enterprises
    part = select_part(b, industry="ind-ai")
    batch = dump(b, part)
    industries = {r["id"] for r in batch.nodes["Industry"]}
    narrower = {r["industry"] for r in b.query("sparql_check_industry_clauses", {"industry": "ind-ai"}).records()}
    assert {"ind-ai", "ind-agi", "ind-new-generation-ai"} <= industries and narrower <= industries
    supporting = {r["clause"] for r in b.query("sparql_check_industry_clauses", {"industry": "ind-ai"}).records()}
    assert supporting <= {r["id"] for r in batch.nodes["Clause"]}
    assert [r["id"] for r in batch.nodes["PolicyDocument"]] == [doc]  # cited by the evidence
    assert validate(to_rdf(batch)).conforms

    # one enterprise's neighbourhood: its links, figures, and the funds behind its investments
    rows = [r for r in b.query("analytics_enterprise_features").records() if r["label"] == "Fund"]
    uscc = sorted(r["enterprise"] for r in rows)[0]
    part = select_part(b, enterprise=uscc)
    batch = dump(b, part)
    funds = {r["id"] for r in b.query("sparql_check_enterprise", {"uscc": uscc}).records() if r["kind"] == "investor"}
    assert funds and funds <= {r["id"] for r in batch.nodes["Fund"]}
    assert [r["id"] for r in batch.nodes["Enterprise"]] == [uscc]
    assert validate(to_rdf(batch)).conforms

    with pytest.raises(NotFound):
        select_part(b, industry="ind-nothing")
    with pytest.raises(ValidationError):
        select_part(b, industry="ind-ai", document=doc)


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_neo4j_csv_files_read_back_to_the_same_graph(graphs, name, tmp_path):
    """The CSV files, parsed back with the csv module and typed by their headers, hold exactly the
    graph (empty lists excepted: neo4j-admin stores none; post-import.cypher sets them)."""
    b = graphs[name]
    info = ncsv.write(dump(b), tmp_path)
    nodes, rels = read_neo4j_csv(tmp_path, info["array_delimiter"])
    batch = dump(b)
    assert set(nodes) == set(batch.nodes)
    for label, rows in batch.nodes.items():
        assert nodes[label] == _no_empty_lists(rows), label
    assert set(rels) == set(batch.relationships)
    for key, rows in batch.relationships.items():
        assert rels[key] == rows, key
    header = (tmp_path / "nodes_Enterprise.header.csv").read_text(encoding="utf-8").strip().split(",")
    assert header[:2] == ["id:ID(Enterprise)", ":LABEL"]
    assert {"name:string", "employees:long", "registered_capital:double", "listed:boolean", "founded:date"} <= set(header)
    assert "synonyms:string[]" in (tmp_path / "nodes_Industry.header.csv").read_text(encoding="utf-8")
    assert (tmp_path / "rels_LOCATED_IN_Enterprise_Place.header.csv").read_text(encoding="utf-8").strip() == \
        ":START_ID(Enterprise),:END_ID(Place),:TYPE,kind:string"
    args = info["args"]
    assert args[:3] == ["database", "import", "full"] and args[-1] == "neo4j"
    assert f"--nodes=Enterprise={tmp_path / 'nodes_Enterprise.header.csv'},{tmp_path / 'nodes_Enterprise.csv'}" in args
    assert any(a.startswith("--relationships=INVESTED_IN=") for a in args)
    assert info["command"].startswith("neo4j-admin database import full --nodes=")
    assert (tmp_path / "import.sh").read_text(encoding="utf-8").strip().splitlines()[-1].startswith("neo4j-admin ")
    # the streamed writer (whole graph, page by page: what `policykg export -f neo4j-csv` uses) writes the same files
    streamed = ncsv.write_backend(b, tmp_path / "streamed")
    assert streamed["post_import"] == info["post_import"] and streamed["array_delimiter"] == info["array_delimiter"]
    for f in list(tmp_path.glob("*.csv")) + [tmp_path / "post-import.cypher", tmp_path / "import.sh"]:
        assert (tmp_path / "streamed" / f.name).read_bytes() == f.read_bytes(), f.name


def test_neo4j_admin_imports_the_files(graphs, tmp_path):
    """The real import tool (neo4j-admin database import full, from the dev server's Maven artifacts)
    loads the files into a new database; a server started on it holds the same graph."""
    subprocess.run([str(ROOT / "scripts" / "neo4j-dev"), "build"], check=True, capture_output=True, timeout=900)
    src = graphs["embedded"]
    files = tmp_path / "csv"
    info = ncsv.write(dump(src), files)
    home = tmp_path / "home"
    (home / "conf").mkdir(parents=True)
    lib = ROOT / "scripts" / "neo4j-launcher" / "target" / "lib"
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    java = os.environ.get("NEO4J_DEV_JAVA") or (Path(os.environ["JAVA_HOME"]) / "bin" / "java"
                                                 if os.environ.get("JAVA_HOME") else "java")
    run = subprocess.run([str(java), "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool", *info["args"][:-1],
                          "--max-off-heap-memory=256m", "--threads=2", info["args"][-1]],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "IMPORT DONE" in run.stdout
    port = str(_free_port())
    dev = {**os.environ, "NEO4J_DEV_HOME": str(home), "NEO4J_DEV_PORT": port, "NEO4J_DEV_PASSWORD": NEO4J_TEST_PASSWORD}
    script = str(ROOT / "scripts" / "neo4j-dev")
    started = subprocess.run([script, "start"], env=dev, capture_output=True, text=True, timeout=300)
    assert started.returncode == 0, started.stderr
    try:
        uri = started.stdout.strip().splitlines()[-1]
        target = open_backend(get_settings(backend="neo4j", neo4j_uri=uri, neo4j_user="neo4j",
                                           neo4j_password=NEO4J_TEST_PASSWORD))
        try:
            for stmt in info["post_import"]:
                target.execute(stmt, write=True)
            # the counts, and typed properties of every label (dates, booleans, floats, lists, the empty lists
            # that post-import.cypher sets); test_neo4j_csv_files_read_back_to_the_same_graph checks every value
            result = compare(src, target, queries=False, content=False)
            assert result["equal"], json.dumps(result, ensure_ascii=False)[:3000]
            for label, rows in dump(src).nodes.items():
                assert nodes_by_key(target, label, [r["id"] for r in rows[:20]]) == rows[:20], label
            for name in ("sparql_check_budget_total", "analytics_policy_edges"):
                assert canonical_rows(target.query(name).records()) == canonical_rows(src.query(name).records())
        finally:
            target.close()
    finally:
        subprocess.run([script, "stop"], env=dev, capture_output=True, text=True, timeout=120)


# --- ontology, shapes, IRIs ----------------------------------------------------------------------------------

def test_ontology_and_shapes_come_from_the_schema():
    schema = load_schema()
    t = Terms()
    o = ontology()
    for label, nt in schema.nodes.items():
        c = t.cls(label)
        assert (c, RDF.type, OWL.Class) in o
        langs = {lit.language for lit in o.objects(c, RDFS.label)}
        assert langs == {"en", "zh"}, label
        assert label in CLASS_ZH
        for p in nt.properties.values():
            assert (t.prop(p.name), RDF.type, OWL.DatatypeProperty) in o
            assert next(o.objects(t.prop(p.name), RDFS.domain), None) is not None
    for rtype, rt in schema.relationships.items():
        p = t.prop(rtype)
        assert (p, RDF.type, OWL.ObjectProperty) in o
        assert {lit.language for lit in o.objects(p, RDFS.label)} == {"en", "zh"}
        rng = next(o.objects(p, RDFS.range))
        if len({b for _, b in rt.endpoints}) == 1:
            assert rng == t.cls(rt.endpoints[0][1])
    assert (t.prop("budget_floor_cny"), RDFS.range, rdfns.XSD.integer) in o
    assert (t.prop("founded"), RDFS.range, rdfns.XSD.date) in o
    assert (t.prop("SUBINDUSTRY_OF"), RDFS.subPropertyOf, SKOS.broader) in o
    sh = shapes()
    for label, nt in schema.nodes.items():
        node_shape = t.shapes[f"{label}Shape"]
        assert (node_shape, SH.targetClass, t.cls(label)) in sh
        for p in nt.properties.values():
            ps = t.shapes[f"{label}-{p.name}"]
            assert (ps, SH.path, t.prop(p.name)) in sh
            assert ((ps, SH.minCount, Literal(1)) in sh) == (p.required or p.name == nt.key)
            assert ((ps, SH.maxCount, Literal(1)) in sh) == (p.type != "string[]")
    assert (t.shapes["Clause-SUPPORTS"], SH["class"], t.cls("Industry")) in sh
    assert (t.shapes["Clause-REFERS_TO"], SH["or"], None) in sh


def test_iris_use_the_configured_base(monkeypatch, demo):
    batch = dump(demo, select_part(demo, industry="ind-ai"))
    assert rdf_base() == "https://policykg.example/id/"
    monkeypatch.setenv("POLICYKG_RDF_BASE", "https://data.example.org/kg")
    assert rdf_base() == "https://data.example.org/kg/"
    g = to_rdf(batch)
    agi = URIRef("https://data.example.org/kg/industry/ind-agi")
    assert (agi, RDF.type, URIRef("https://data.example.org/kg/ontology#Industry")) in g
    assert (agi, RDF.type, SKOS.Concept) in g
    assert (agi, SKOS.broader, URIRef("https://data.example.org/kg/industry/ind-ai")) in g
    assert (agi, SKOS.inScheme, URIRef("https://data.example.org/kg/scheme/industry-group-N")) in g
    assert validate(g).conforms
    # clause ids are percent-encoded; evidence is PROV: document and span
    clause = next(s for s in g.subjects(RDF.type, URIRef("https://data.example.org/kg/ontology#Clause")))
    assert "%3A" in str(clause)
    derived = set(g.objects(clause, PROV.wasDerivedFrom))
    assert any("/policydocument/" in str(d) for d in derived) and any("/span/" in str(d) for d in derived)
    monkeypatch.setenv("POLICYKG_RDF_BASE", "not an iri")
    with pytest.raises(ConfigError):
        rdf_base()


def test_documents_carry_dublin_core_and_statements_carry_evidence(demo):
    from rdflib.namespace import DCTERMS

    g = to_rdf(dump(demo, select_part(demo, document=demo.query("documents").records()[0]["id"])))
    t = Terms()
    doc = next(g.subjects(RDF.type, t.cls("PolicyDocument")))
    assert str(next(g.objects(doc, DCTERMS.identifier))) == "杭高新〔2024〕16号"
    assert next(g.objects(doc, DCTERMS.issued)) == Literal(dt.date(2024, 10, 24))
    assert "start=2024-11-25;" in str(next(g.objects(doc, DCTERMS.valid)))
    assert len(set(g.objects(doc, DCTERMS.publisher))) == 2
    text = str(next(g.objects(doc, t.prop("text"))))
    # every evidence span quotes the document's text exactly
    spans = list(g.subjects(RDF.type, t.pkg.TextSpan))
    assert len(spans) > 50
    for span in spans:
        start = int(next(g.objects(span, t.prop("span_start"))))
        end = int(next(g.objects(span, t.prop("span_end"))))
        assert text[start:end] == str(next(g.objects(span, PROV.value)))
    # a SUPPORTS link is also a statement derived from its span
    st = next(s for s in g.subjects(RDF.predicate, t.prop("SUPPORTS")))
    assert (st, RDF.type, RDF.Statement) in g and next(g.objects(st, t.prop("quote")), None) is not None


# --- API and CLI --------------------------------------------------------------------------------------------

def make_client(backend) -> TestClient:
    from policykg.api.app import create_app
    from policykg.api.routes_export import router

    app = create_app(backend.settings, backend=backend)
    if not any(getattr(r, "path", "") == "/api/export" for r in app.routes):
        app.include_router(router, prefix="/api")
    return TestClient(app)


def assert_error_shape(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_export_api(graphs, name):
    b = graphs[name]
    with make_client(b) as c:
        r = c.get("/api/export", params={"format": "ttl"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
        assert "attachment" in r.headers["content-disposition"]
        g = Graph().parse(data=r.content, format="turtle")
        assert validate(g).conforms
        r = c.get("/api/export", params={"format": "gexf", "industry": "ind-life-health"})
        assert r.status_code == 200 and b"<gexf" in r.content
        r = c.get("/api/export", params={"format": "jsonld", "node": "ind-ai", "depth": 2, "ontology": False})
        assert r.status_code == 200 and len(Graph().parse(data=r.content, format="json-ld")) > 0
        r = c.get("/api/export", params={"format": "neo4j-csv"})
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
        assert "neo4j-import/import.sh" in names and "neo4j-import/nodes_Enterprise.header.csv" in names
        assert c.get("/api/export/formats").json()["total"] == len(FORMATS)
        assert b"owl:Ontology" in c.get("/api/export/ontology").content
        assert b"sh:NodeShape" in c.get("/api/export/shapes").content
        assert_error_shape(c.get("/api/export", params={"format": "xml"}), 422, "validation_error")
        assert_error_shape(c.get("/api/export/shapes", params={"format": "gexf"}), 422, "validation_error")
        assert_error_shape(c.get("/api/export", params={"industry": "ind-nothing"}), 404, "not_found")
        assert_error_shape(c.get("/api/export", params={"industry": "ind-ai", "enterprise": "x"}), 422,
                           "validation_error")


def test_export_bytes_whole_and_part(graphs):
    content, media, name = export_bytes(graphs["embedded"], "graphml", select_part(graphs["embedded"],
                                                                                   industry="ind-ai"))
    assert media == "application/graphml+xml" and name == "policykg-industry.graphml" and b"<graphml" in content
    content, media, name = export_bytes(graphs["embedded"], "nt", WHOLE)
    assert name == "policykg.nt" and content.count(b"\n") > 1000


def test_cli_exports_the_demo(env_for, tmp_path):
    """`policykg demo --no-serve`, then the Turtle export validated and checked, and the neo4j-csv command."""
    env = env_for("embedded")
    cli = [sys.executable, "-m", "policykg.cli"]
    run = subprocess.run(cli + ["demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    ttl = tmp_path / "demo.ttl"
    run = subprocess.run(cli + ["export", "--format", "ttl", "--out", str(ttl), "--validate", "--check", "--json"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["verification"]["ok"] and report["verification"]["shacl"]["conforms"]
    assert report["verification"]["sparql"]["equal"] and report["nodes"] > DEMO
    run = subprocess.run(cli + ["export", "-f", "neo4j-csv", "-o", str(tmp_path / "csv")], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    command = next(line for line in run.stdout.splitlines() if line.startswith("neo4j-admin "))
    assert shlex.split(command)[1:4] == ["database", "import", "full"]
    run = subprocess.run(cli + ["export", "-f", "xml", "-o", str(tmp_path / "x")], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2 and "unknown export format 'xml'" in run.stderr and "Traceback" not in run.stderr
