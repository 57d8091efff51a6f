"""A document's lineage: the chain of its versions and what it cites or is cited by, with evidence."""

from __future__ import annotations

from typing import Any

from policykg.graph.base import Backend

#: the most versions walked either way: a chain is short, and a cycle made by hand must not loop
MAX_VERSIONS = 100


def _edges(backend: Backend, doc_id: str) -> list[dict[str, Any]]:
    return backend.query("document_versions", {"document": doc_id}).records()


def _edge(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("newer", "newer_title", "newer_issued_date", "older", "older_title",
                                "older_issued_date", "basis", "reason", "quote", "source_doc", "span_start",
                                "span_end")}


def versions(backend: Backend, doc_id: str) -> dict[str, Any]:
    """The SUPERSEDES chain older and newer than one document (each edge with its basis and quote), nearest
    first, and the POSSIBLY_SUPERSEDES edges of the document, which hide nothing, listed apart."""
    own = _edges(backend, doc_id)
    possible = sorted((_edge(r) for r in own if r["type"] == "POSSIBLY_SUPERSEDES"),
                      key=lambda e: (e["newer"], e["older"]))
    chains: dict[str, list[dict[str, Any]]] = {"older": [], "newer": []}
    for direction, near, far in (("older", "newer", "older"), ("newer", "older", "newer")):
        seen, frontier = {doc_id}, [doc_id]
        while frontier and len(seen) <= MAX_VERSIONS:
            step: list[dict[str, Any]] = []
            for d in frontier:
                rows = own if d == doc_id else _edges(backend, d)
                step += [_edge(r) for r in rows if r["type"] == "SUPERSEDES" and r[near] == d
                         and r[far] not in seen]
            step.sort(key=lambda e: (e[far], e[near]))
            frontier = []
            for e in step:
                chains[direction].append(e)
                if e[far] not in seen:
                    seen.add(e[far])
                    frontier.append(e[far])
    return {"document": doc_id, **chains, "possible": possible}


def citations(backend: Backend, doc_id: str) -> dict[str, Any]:
    """What a document cites (ingested documents; References for titles not ingested, with the document
    each resolves to once one is) and the documents that cite it, each with the quoted words."""
    rows = backend.query("document_citations", {"document": doc_id}).records()
    key = lambda r: (r["id"], r["span_start"] or 0)  # noqa: E731 - one sort key, three lists
    pick = lambda r: {k: r[k] for k in ("id", "title", "quote", "source_doc", "span_start", "span_end")}  # noqa: E731
    return {
        "document": doc_id,
        "cites": [pick(r) for r in sorted(rows, key=key) if r["direction"] == "cites" and r["label"] == "PolicyDocument"],
        "references": [{**pick(r), "resolves_to": r["resolves_to"] or None} for r in sorted(rows, key=key)
                       if r["direction"] == "cites" and r["label"] == "Reference"],
        "cited_by": [pick(r) for r in sorted(rows, key=key) if r["direction"] == "cited_by"],
    }
