"""Policy documents into the graph: a parsed document becomes nodes and relationships with evidence.

``document -HAS_SECTION-> section (-HAS_SECTION-> subsection) -HAS_CLAUSE-> clause``; every section
and clause keeps the span of the normalised text it was read from and the quoted words.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from policykg.errors import PolicyKGError
from policykg.graph.base import Backend, GraphBatch
from policykg.ingest.parse import ParsedDocument, parse_bytes, parse_file

SEED = "binjiang-2024-16.md"


def _evidence(doc: ParsedDocument, span: Any) -> dict[str, Any]:
    start, end = int(span[0]), int(span[1])
    return {"source_doc": doc.document.id, "span_start": start, "span_end": end,
            "quote": doc.document.text[start:end]}


def to_batch(doc: ParsedDocument) -> GraphBatch:
    """The graph rows for one parsed document."""
    d = doc.document
    batch = GraphBatch()
    batch.add_node("PolicyDocument", {
        "id": d.id, "doc_number": d.doc_number, "title": d.title, "issuers": list(d.issuers or []),
        "issued_date": d.issued_date, "effective_date": d.effective_date, "sha256": d.sha256,
        "source": d.source, "text": d.text,
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
    for c in doc.clauses:
        batch.add_node("Clause", {
            "id": c.id, "document": d.id, "section": c.section, "label": c.label, "number": c.number,
            "kind": c.kind, "title": c.title, "text": c.text, "ordinal": c.ordinal, **_evidence(doc, c.span),
        })
        if c.section:
            batch.add_rel("HAS_CLAUSE", "Section", c.section, "Clause", c.id)
    return batch


def _versions(backend: Backend, doc: ParsedDocument) -> list[dict[str, Any]]:
    """Other documents with the same number (or, when there is none, the same title)."""
    d = doc.document
    res = backend.query("document_versions", {"doc_number": d.doc_number or "", "title": d.title})
    return [r for r in res.records() if r["id"] != d.id]


def _supersedes(batch: GraphBatch, doc: ParsedDocument, others: list[dict[str, Any]]) -> list[str]:
    """Link the new version to the versions it replaces (or to the one that replaces it).

    The later issue date wins; with equal or unknown dates, the version ingested later does.
    """
    d = doc.document
    replaced = []
    for other in others:
        reason = "same document number" if d.doc_number and other["doc_number"] == d.doc_number else "same title"
        if d.issued_date and other["issued_date"] and other["issued_date"] > d.issued_date:
            batch.add_rel("SUPERSEDES", "PolicyDocument", other["id"], "PolicyDocument", d.id,
                          reason=f"newer version ({reason})")
        else:
            batch.add_rel("SUPERSEDES", "PolicyDocument", d.id, "PolicyDocument", other["id"],
                          reason=f"newer version ({reason})")
            replaced.append(other["id"])
    return replaced


def ingest_document(backend: Backend, doc: ParsedDocument) -> dict[str, Any]:
    """Write one parsed document; re-ingesting the same text changes nothing.

    A different text with the same number (or title) is a new version, linked by SUPERSEDES.
    """
    existed = not backend.missing_ids("PolicyDocument", {doc.document.id})
    batch = to_batch(doc)
    replaced: list[str] = []
    if not existed:
        replaced = _supersedes(batch, doc, _versions(backend, doc))
    backend.write(batch)
    return {
        "source": doc.document.source, "document": doc.document.id, "doc_number": doc.document.doc_number,
        "status": "unchanged" if existed else "created", "sections": len(doc.sections),
        "clauses": len(doc.clauses), "supersedes": replaced,
    }


def ingest_paths(backend: Backend, paths: Iterable[Path | str]) -> list[dict[str, Any]]:
    """Ingest each file; a file that fails is reported and the others still ingest."""
    report = []
    for path in paths:
        try:
            report.append(ingest_document(backend, parse_file(Path(path))))
        except PolicyKGError as exc:
            report.append({"source": str(path), "status": "error", "error": exc.message})
        except OSError as exc:
            report.append({"source": str(path), "status": "error", "error": f"cannot read the file: {exc.strerror}"})
    return report


def seed_bytes() -> bytes:
    return resources.files("policykg.data").joinpath("seeds", SEED).read_bytes()


def ingest_seed(backend: Backend) -> list[dict[str, Any]]:
    """The demo's documents: the seed policy shipped with the package."""
    return [ingest_document(backend, parse_bytes(seed_bytes(), SEED))]
