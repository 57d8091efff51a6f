"""The graph out of policykg, in open formats, and from one backend into the other.

| format | what | module |
|---|---|---|
| ``ttl``, ``jsonld``, ``nt`` | RDF: the schema's terms (``pkg:``), PROV-O evidence, SKOS industries, Dublin Core documents | :mod:`.rdf`, :mod:`.ontology` |
| ``graphml``, ``gexf`` | property graph files for Gephi, Cytoscape, yEd, networkx | :mod:`.graphfiles` |
| ``neo4j-csv`` | header + data CSV files and the ``neo4j-admin database import full`` command | :mod:`.neo4j_csv` |

Also: the ontology and the SHACL shapes generated from the schema (:mod:`.ontology`,
:mod:`.shacl`), the SPARQL round trip against the catalogue (:mod:`.sparql`), reading the graph or a
part of it out of a backend (:mod:`.dump`) and copying between backends (:mod:`.copy`).

Every export reads the graph through :mod:`.dump` — whole, or a part: one document, one industry,
one enterprise's neighbourhood, or the neighbourhood of any node.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from policykg.errors import ValidationError
from policykg.export.dump import WHOLE, Part, dump
from policykg.graph.base import Backend, GraphBatch

#: format -> (media type, file suffix, what)
FORMATS: dict[str, tuple[str, str, str]] = {
    "ttl": ("text/turtle", ".ttl", "RDF Turtle"),
    "jsonld": ("application/ld+json", ".jsonld", "RDF JSON-LD"),
    "nt": ("application/n-triples", ".nt", "RDF N-Triples"),
    "graphml": ("application/graphml+xml", ".graphml", "GraphML"),
    "gexf": ("application/gexf+xml", ".gexf", "GEXF 1.2 (Gephi)"),
    "neo4j-csv": ("application/zip", "", "CSV files for neo4j-admin database import (a folder; a zip over HTTP)"),
}
RDF = ("ttl", "jsonld", "nt")


def check_format(fmt: str) -> str:
    f = (fmt or "").strip().lower()
    aliases = {"turtle": "ttl", "json-ld": "jsonld", "ntriples": "nt", "n-triples": "nt", "neo4j": "neo4j-csv"}
    f = aliases.get(f, f)
    if f not in FORMATS:
        raise ValidationError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}", field="format")
    return f


def _counts(batch: GraphBatch) -> dict[str, Any]:
    return {"nodes": sum(len(r) for r in batch.nodes.values()),
            "relationships": sum(len(r) for r in batch.relationships.values())}


def write_batch(batch: GraphBatch, fmt: str, out: Path, *, base: str | None = None, with_ontology: bool = True,
                validate: bool = False) -> dict[str, Any]:
    """Write a batch in one format to ``out`` (a file; a folder for neo4j-csv)."""
    fmt = check_format(fmt)
    out = Path(out)
    report: dict[str, Any] = {"format": fmt, "path": str(out), **_counts(batch)}
    start = time.perf_counter()
    if fmt in RDF:
        from policykg.export.rdf import serialize, to_rdf

        g = to_rdf(batch, base=base, with_ontology=with_ontology)
        report["triples"] = len(g)
        out.parent.mkdir(parents=True, exist_ok=True)
        serialize(g, fmt, out, base=base)
        if validate:
            from policykg.export.shacl import validate as shacl_validate

            report["shacl"] = shacl_validate(g, base=base).to_dict()
    elif fmt in ("graphml", "gexf"):
        from policykg.export import graphfiles

        out.parent.mkdir(parents=True, exist_ok=True)
        fix = (graphfiles.write_graphml if fmt == "graphml" else graphfiles.write_gexf)(batch, out)
        report["replaced_characters"] = fix.count
        if fix.note():
            report["xml_note"] = fix.note()
    else:
        from policykg.export import neo4j_csv

        info = neo4j_csv.write(batch, out)
        report.update(command=info["command"], array_delimiter=info["array_delimiter"], files=len(info["files"]))
    report["seconds"] = round(time.perf_counter() - start, 3)
    report["bytes"] = (sum(p.stat().st_size for p in out.iterdir() if p.is_file()) if out.is_dir()
                       else out.stat().st_size)
    return report


def export(backend: Backend, fmt: str, out: Path, part: Part = WHOLE, *, base: str | None = None,
           with_ontology: bool = True, validate: bool = False) -> dict[str, Any]:
    """Read the graph (or a part) from the backend and write it in one format."""
    fmt = check_format(fmt)
    if fmt == "neo4j-csv" and part.whole:  # streamed: the route off the embedded store for large graphs
        from policykg.export import neo4j_csv

        start = time.perf_counter()
        info = neo4j_csv.write_backend(backend, Path(out))
        folder = Path(out)
        return {"format": fmt, "path": str(folder), "nodes": sum(info["nodes"].values()),
                "relationships": sum(info["relationships"].values()), "command": info["command"],
                "array_delimiter": info["array_delimiter"], "files": len(info["files"]), "read_seconds": 0.0,
                "seconds": round(time.perf_counter() - start, 3),
                "bytes": sum(p.stat().st_size for p in folder.iterdir() if p.is_file()),
                "part": part.describe(), "notes": part.notes}
    start = time.perf_counter()
    batch = dump(backend, part)
    read = time.perf_counter() - start
    report = write_batch(batch, fmt, out, base=base, with_ontology=with_ontology, validate=validate)
    notes = list(part.notes) + ([report.pop("xml_note")] if "xml_note" in report else [])
    report.update(part=part.describe(), read_seconds=round(read, 3), notes=notes)
    return report


def verify_file(backend: Backend, path: Path, fmt: str, *, validate: bool = True, check: bool = False,
                base: str | None = None) -> dict[str, Any]:
    """Load an RDF export file into a fresh rdflib graph; validate it against the SHACL shapes and/or
    run the SPARQL round trip against the backend's catalogue answers (``check``: whole-graph exports only)."""
    from rdflib import Graph

    from policykg.export.rdf import RDF_FORMATS

    fmt = check_format(fmt)
    if fmt not in RDF:
        raise ValidationError(f"only RDF exports (ttl, jsonld, nt) can be validated or checked, not {fmt!r}",
                              field="format")
    start = time.perf_counter()
    g = Graph().parse(str(path), format=RDF_FORMATS[fmt][0])
    out: dict[str, Any] = {"triples": len(g), "parse_seconds": round(time.perf_counter() - start, 3)}
    if validate:
        from policykg.export.shacl import validate as shacl_validate

        out["shacl"] = shacl_validate(g, base=base).to_dict()
    if check:
        from policykg.export.sparql import round_trip

        start = time.perf_counter()
        rt = round_trip(backend, g, base=base)
        rt["seconds"] = round(time.perf_counter() - start, 3)
        out["sparql"] = rt
    out["ok"] = (not validate or out["shacl"]["conforms"]) and (not check or out["sparql"]["equal"])
    return out


def export_bytes(backend: Backend, fmt: str, part: Part = WHOLE, *, base: str | None = None,
                 with_ontology: bool = True) -> tuple[bytes, str, str]:
    """The export as bytes (neo4j-csv as a zip of its folder): (content, media type, file name)."""
    fmt = check_format(fmt)
    media, suffix, _ = FORMATS[fmt]
    stem = "policykg" if part.whole else f"policykg-{part.kind}"
    tmp = Path(tempfile.mkdtemp(prefix="policykg-export-"))
    try:
        if fmt == "neo4j-csv":
            folder = tmp / "neo4j-import"
            export(backend, fmt, folder, part, base=base)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for p in sorted(folder.iterdir()):
                    z.write(p, f"neo4j-import/{p.name}")
            return buf.getvalue(), media, f"{stem}-neo4j-import.zip"
        path = tmp / f"{stem}{suffix}"
        export(backend, fmt, path, part, base=base, with_ontology=with_ontology)
        return path.read_bytes(), media, path.name
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
