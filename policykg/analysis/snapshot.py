"""The policy side of every analysis: the measures in force on a date, what each one requires and
pays with, the documents' rules, and the taxonomy trees — read with a handful of catalogue queries.

A :class:`PolicySnapshot` depends only on the policy documents and the taxonomy (a few hundred rows),
never on enterprises, so one snapshot serves any number of enterprises: callers that evaluate many
(the CLI, matching, a benchmark) load it once. Everything here is built from catalogue queries.

Paths are returned in one shape everywhere, so that a client can check each step in the graph::

    {"nodes": [{"id", "label", "name"}, ...],
     "edges": [{"source", "target", "type"}, ...]}     # edges in path order, each with its direction
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from policykg.errors import ValidationError
from policykg.graph.base import Backend

#: relationship type of a measure's link -> the criterion (dimension) it states
CRITERIA = {"SUPPORTS": "industries", "TARGETS": "tiers", "APPLIES_IN": "places", "REQUIRES_SELECTION": "selections",
            "USES_INSTRUMENT": "instruments"}
#: a link's role that states no criterion of its own -> where the measure keeps it (None or another role: a
#: criterion, or scope for a place)
NOT_CRITERIA = {"example": "examples", "context": "context"}


def today() -> dt.date:
    return dt.date.today()


def as_date(value: Any, name: str = "on") -> dt.date:
    """A date parameter (ISO text or a date); a bad one raises ValidationError naming it."""
    if value is None or value == "":
        return today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"{name}: expected a date as YYYY-MM-DD, got {value!r}", field=name) from None


def node(node_id: str, label: str, name: Any) -> dict[str, Any]:
    return {"id": node_id, "label": label, "name": name if name is not None else node_id}


def edge(source: str, target: str, rel_type: str) -> dict[str, str]:
    return {"source": source, "target": target, "type": rel_type}


def path(nodes: list[dict[str, Any]], edges: list[dict[str, str]]) -> dict[str, Any]:
    return {"nodes": nodes, "edges": edges}


@dataclass
class Tree:
    """A taxonomy hierarchy (industries by SUBINDUSTRY_OF and MEMBER_OF, tiers by SUBTIER_OF, places by
    PART_OF): nodes and parents, each link with its relationship type (``rel`` unless the row names one).

    A link a document states (a row with ``source_doc``: MEMBER_OF, 未来网络…等未来产业) holds for that
    document only: walks given a ``document`` follow it only for that document; walks without one
    (the graph as a whole: browsing, enterprise filters) follow every link."""

    label: str
    rel: str
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    #: (narrower, broader) -> the relationship type of the link
    rels: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (narrower, broader) -> the documents it holds for, for a link only documents state
    held_for: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    #: chain() answers, kept: a snapshot's trees do not change once finished
    _chains: dict[tuple[str, str, str | None], tuple[str, ...] | None] = field(default_factory=dict, repr=False, compare=False)

    def add(self, row: dict[str, Any]) -> None:
        nid = row["id"]
        if nid not in self.nodes:
            self.nodes[nid] = {k: v for k, v in row.items() if k not in ("parent", "rel")}
            self.parents.setdefault(nid, [])
            self.children.setdefault(nid, [])
        parent = row.get("parent")
        if parent and parent not in self.parents[nid]:
            self.parents[nid].append(parent)
            self.children.setdefault(parent, []).append(nid)
        if parent:
            rel = row.get("rel") or self.rel
            if rel == self.rel:  # a link the tree's own type also states is shown as that one
                self.rels[(nid, parent)] = rel
            else:
                self.rels.setdefault((nid, parent), rel)
            doc = row.get("source_doc")
            if doc and self.rels[(nid, parent)] != self.rel:
                self.held_for.setdefault((nid, parent), set()).add(doc)
            else:
                self.held_for.pop((nid, parent), None)  # the taxonomy states it too: it holds everywhere

    def holds(self, narrower: str, broader: str, document: str | None) -> bool:
        """Whether the link narrower -> broader holds for ``document`` (any link holds when it is None)."""
        docs = self.held_for.get((narrower, broader))
        return document is None or docs is None or document in docs

    def finish(self) -> None:
        for lst in list(self.parents.values()) + list(self.children.values()):
            lst.sort()
        self._chains.clear()

    def name(self, nid: str) -> str:
        return (self.nodes.get(nid) or {}).get("name") or nid

    def node(self, nid: str) -> dict[str, Any]:
        return node(nid, self.label, self.name(nid))

    def descendants(self, ids: list[str] | set[str], document: str | None = None) -> set[str]:
        """The ids and every narrower node below them (by the links that hold for ``document``)."""
        out: set[str] = set()
        todo = deque(ids)
        while todo:
            n = todo.popleft()
            if n in out:
                continue
            out.add(n)
            todo.extend(k for k in self.children.get(n, []) if self.holds(k, n, document))
        return out

    def ancestors(self, nid: str, document: str | None = None) -> set[str]:
        """The node and every broader node above it (by the links that hold for ``document``)."""
        out: set[str] = set()
        todo = deque([nid])
        while todo:
            n = todo.popleft()
            if n in out:
                continue
            out.add(n)
            todo.extend(p for p in self.parents.get(n, []) if self.holds(n, p, document))
        return out

    def chain(self, start: str, goal: str, document: str | None = None) -> list[str] | None:
        """The shortest chain start -> ... -> goal following parent links that hold for ``document``
        (start itself if equal)."""
        key = (start, goal, document)
        if key not in self._chains:
            found = self._find_chain(start, goal, document)
            self._chains[key] = tuple(found) if found is not None else None
        got = self._chains[key]
        return list(got) if got is not None else None

    def _find_chain(self, start: str, goal: str, document: str | None) -> list[str] | None:
        prev: dict[str, str | None] = {start: None}
        todo = deque([start])
        while todo:
            n = todo.popleft()
            if n == goal:
                out = [n]
                while prev[out[-1]] is not None:
                    out.append(prev[out[-1]])  # type: ignore[arg-type]
                return out[::-1]
            for p in self.parents.get(n, []):
                if p not in prev and self.holds(n, p, document):
                    prev[p] = n
                    todo.append(p)
        return None

    def chain_path(self, chain: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        nodes = [self.node(n) for n in chain]
        edges = [edge(a, b, self.rels.get((a, b), self.rel)) for a, b in zip(chain, chain[1:], strict=False)]
        return nodes, edges

    def tree(self, extra: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Nested ``{..., children: [...]}`` from the roots; a node with several parents appears under each."""
        extra = extra or {}

        def build(nid: str, seen: frozenset[str]) -> dict[str, Any]:
            kids = [k for k in self.children.get(nid, []) if k not in seen]
            return {**self.nodes[nid], "parents": self.parents.get(nid, []), **extra.get(nid, {}),
                    "children": [build(k, seen | {k}) for k in kids]}

        roots = sorted(n for n, ps in self.parents.items() if not ps)
        return [build(r, frozenset({r})) for r in roots]


@dataclass
class Measure:
    """One measure in force, with what it requires and pays with."""

    id: str
    document: str
    doc_number: str | None
    document_title: str | None
    label: str
    number: int
    title: str | None
    ordinal: int | None
    section: str | None
    section_label: str | None
    section_title: str | None
    budget_floor_cny: int | None
    budget_period: str | None
    fund_scale_cny: int | None
    industries: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)  # programmes a beneficiary must be selected in
    #: industries an open list gives as examples of what a targeted tier does (从事A、B等行业的X): each one
    #: meets the tier criterion as the tier itself does
    examples: list[str] = field(default_factory=list)
    context: list[tuple[str, str]] = field(default_factory=list)  # (type, id) named as context: decides nothing
    funds: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    #: the awards it states, ``{id, kind, value, currency, value_cny, qualifier, quote, span}`` in text order:
    #: kind ``award`` a fixed sum (给予20万元奖励), ``cap`` an upper bound (最高50万元)
    awards: list[dict[str, Any]] = field(default_factory=list)
    #: the budget floor it states (每年安排预算不少于2亿元), same keys: a total for all recipients, never an award
    budget: dict[str, Any] | None = None
    evidence: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (type, target) -> quote, span
    industry_scope: frozenset[str] = frozenset()  # its industries and every narrower one
    tier_scope: frozenset[str] = frozenset()  # its tiers and every narrower one
    place_scope: frozenset[str] = frozenset()  # its places and every place inside them
    example_scope: frozenset[str] = frozenset()  # its example industries and every narrower one
    #: (type, id) of the tiers (TARGETS) and industries (SUPPORTS) the text prefers (给予瞪羚企业政策倾斜:
    #: ``preference`` on the link, its words in ``evidence``): their holders are listed first
    preferred: list[tuple[str, str]] = field(default_factory=list)
    preferred_tiers: frozenset[str] = frozenset()  # the preferred tiers and every narrower one
    preferred_industries: frozenset[str] = frozenset()  # the preferred industries and every narrower one
    #: programmes of :attr:`selections` whose selectees a channel's fund may invest in (role ``candidate``:
    #: 通过“5050”人才直投基金…): selection makes a firm a candidate, the fund decides
    candidates: list[str] = field(default_factory=list)
    #: where its beneficiary statements are alternatives (link.statements: 对…的 sentences, 通过A…，通过B… channels):
    #: one view per statement, each judged as a measure; empty when its criteria are one statement, all required
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def checkable(self) -> bool:
        return bool(self.industries or self.tiers or self.places or self.selections or self.conditions)


    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "number": self.number, "title": self.title,
                "document": self.document, "doc_number": self.doc_number, "section": self.section,
                "section_label": self.section_label, "section_title": self.section_title,
                "budget_floor_cny": self.budget_floor_cny, "budget_period": self.budget_period,
                "fund_scale_cny": self.fund_scale_cny}

    def node(self) -> dict[str, Any]:
        return node(self.id, "Clause", self.title or self.label)


@dataclass
class Alternative:
    """One beneficiary statement of a measure whose statements are alternatives, read as a measure of its own
    (the rule engine judges it as one): the industries, tiers, examples and selections it states, with the
    measure's places and conditions (scope and conditions hold for every statement) and preferences."""

    statement: int                 # its position among the measure's alternatives (the main statement last)
    words: str                     # the statement's words ("" for the main one: the title, a preamble)
    industries: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    industry_scope: frozenset[str] = frozenset()
    tier_scope: frozenset[str] = frozenset()
    place_scope: frozenset[str] = frozenset()
    example_scope: frozenset[str] = frozenset()
    preferred_tiers: frozenset[str] = frozenset()
    preferred_industries: frozenset[str] = frozenset()


def alternatives_of(m: Measure, stated: dict[tuple[str, str], list[str]], industries: Tree, tiers: Tree) -> list[Alternative]:
    """The views of ``m``'s beneficiary statements (``stated``: (type, target) -> the words of the statements its
    link is stated in, '' the main one), in text order; empty unless there are two or more, or a candidate."""
    words: list[str] = []
    for key in sorted(stated, key=lambda k: m.evidence[k]["span"]):
        words += [w for w in stated[key] if w not in words]
    if len(words) < 2 and not m.candidates:
        return []
    words.sort(key=lambda w: w == "")  # as the text gives them; the main statement (title, preamble) last, so
    # that of two equally close, the one that states its beneficiary in words of its own is the one shown
    out = []
    for k, w in enumerate(words):
        a = Alternative(k, w, places=m.places, conditions=m.conditions,
                        place_scope=m.place_scope, preferred_tiers=m.preferred_tiers,
                        preferred_industries=m.preferred_industries)
        for (rel, target), ws in stated.items():
            if w in ws:
                attr = {"SUPPORTS": "examples" if target in m.examples else "industries", "TARGETS": "tiers",
                        "REQUIRES_SELECTION": "candidates" if target in m.candidates else "selections"}[rel]
                getattr(a, attr).append(target)
        for attr in ("industries", "tiers", "examples", "selections", "candidates"):
            getattr(a, attr).sort()
        a.industry_scope = frozenset(industries.descendants(a.industries, m.document))
        a.tier_scope = frozenset(tiers.descendants(a.tiers))
        a.example_scope = frozenset(industries.descendants(a.examples, m.document)) if a.tiers else frozenset()
        out.append(a)
    return out


@dataclass
class PolicySnapshot:
    as_of: dt.date
    document: str | None
    measures: list[Measure]
    industries: Tree
    places: Tree
    names: dict[str, dict[str, Any]]           # tiers, programmes, funds, instruments: id -> row with label
    instruments: dict[str, list[dict[str, Any]]]  # instrument used by a measure -> its forms (itself if none)
    rules: dict[str, list[dict[str, Any]]]       # document id -> rules
    documents: dict[str, dict[str, Any]]
    tiers: Tree = field(default_factory=lambda: Tree("Tier", "SUBTIER_OF"))
    #: rules.estimates.plan per measure (what does not depend on the enterprise), filled on use
    estimate_plans: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def measure(self, clause_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == clause_id), None)

    def named(self, nid: str, label: str | None = None) -> dict[str, Any]:
        if nid in self.industries.nodes:
            return self.industries.node(nid)
        if nid in self.places.nodes:
            return self.places.node(nid)
        if nid in self.tiers.nodes:
            return self.tiers.node(nid)
        row = self.names.get(nid)
        if row:
            return node(nid, row["label"], row["name"])
        return node(nid, label or "?", nid)

    def stacking_rule(self, document: str) -> dict[str, Any] | None:
        return next((r for r in self.rules.get(document, []) if r["kind"] == "stacking"), None)

    @property
    def conditions_need_financials(self) -> bool:
        fields = {c["field"] for m in self.measures for c in m.conditions}
        fields |= {c["field"] for forms in self.instruments.values() for f in forms for c in f["conditions"]}
        return bool(fields & {"revenue_growth", "rd_growth"})


def load_trees(backend: Backend) -> tuple[Tree, Tree]:
    industries, places = Tree("Industry", "SUBINDUSTRY_OF"), Tree("Place", "PART_OF")
    for r in backend.query("industry_tree").records():
        industries.add(r)
    for r in backend.query("place_tree").records():
        places.add(r)
    industries.finish()
    places.finish()
    return industries, places


def load_tier_tree(backend: Backend) -> Tree:
    tiers = Tree("Tier", "SUBTIER_OF")
    for r in backend.query("tier_tree").records():
        tiers.add(r)
    tiers.finish()
    return tiers


def check_document(backend: Backend, document: str | None) -> None:
    """A ``document`` filter must name a document in the graph (a bad filter is a 422, not a 404)."""
    if document and backend.missing_ids("PolicyDocument", {document}):
        raise ValidationError(f"document: no policy document with id {document!r}", field="document")


def load_snapshot(backend: Backend, on: Any = None, document: str | None = None) -> PolicySnapshot:
    """The measures in force on ``on`` (default today), optionally of one document, and the taxonomy."""
    as_of = as_date(on)
    check_document(backend, document)
    rows = backend.query("clauses_in_force", {"as_of": as_of, "document": document or ""}).records()
    measures = [Measure(**r) for r in rows]
    by_id = {m.id: m for m in measures}
    ids = list(by_id)
    used_instruments: set[str] = set()
    stated: dict[str, dict[tuple[str, str], list[str]]] = {}  # measure -> (type, target) -> its statements' words
    for r in backend.query("clause_criteria", {"clauses": ids}).records() if ids else []:
        m = by_id[r["clause"]]
        if r.get("statements"):
            stated.setdefault(m.id, {})[(r["type"], r["id"])] = list(r["statements"])
        if r.get("role") == "candidate" and r["id"] not in m.candidates:
            m.candidates.append(r["id"])
        if r["type"] == "REFERS_TO":
            attr = "programmes" if r["label"] == "Programme" else "funds"
        elif r.get("role") in NOT_CRITERIA:
            attr = NOT_CRITERIA[r["role"]] if r["type"] == "SUPPORTS" or r["role"] == "context" else CRITERIA[r["type"]]
        else:
            attr = CRITERIA[r["type"]]
        lst = getattr(m, attr)
        item = r["id"] if attr != "context" else (r["type"], r["id"])
        if item not in lst:
            lst.append(item)
        m.evidence[(r["type"], r["id"])] = {"quote": r["quote"], "span": [r["span_start"], r["span_end"]],
                                            "role": r.get("role") or "criterion", "role_words": r.get("role_words"),
                                            "preference": r.get("preference")}
        if r.get("preference") and r["type"] in ("TARGETS", "SUPPORTS") and (r["type"], r["id"]) not in m.preferred:
            m.preferred.append((r["type"], r["id"]))
        if r["type"] == "USES_INSTRUMENT":
            used_instruments.add(r["id"])
    for m in measures:
        for attr in ("industries", "tiers", "places", "programmes", "selections", "funds", "instruments", "examples",
                     "context", "preferred", "candidates"):
            getattr(m, attr).sort()
    instruments: dict[str, list[dict[str, Any]]] = {}
    if used_instruments:
        for r in backend.query("instrument_forms", {"ids": sorted(used_instruments)}).records():
            instruments.setdefault(r["used"], []).append({**r, "conditions": [], "rates": []})
    form_ids = sorted({f["id"] for forms in instruments.values() for f in forms})
    conditions: dict[str, list[dict[str, Any]]] = {}
    if ids or form_ids:
        for r in backend.query("conditions_of", {"ids": ids + form_ids}).records():
            conditions.setdefault(r["owner"], []).append(r)
    for lst in conditions.values():
        lst.sort(key=lambda c: c["id"])
    rates: dict[str, list[dict[str, Any]]] = {}
    if form_ids:
        for r in backend.query("instrument_rates", {"ids": form_ids}).records():
            rates.setdefault(r["instrument"], []).append(r)
    for forms in instruments.values():
        forms.sort(key=lambda f: (f["id"] != f["used"], f["id"]))
        for f in forms:
            f["conditions"] = conditions.get(f["id"], [])
            f["rates"] = sorted(rates.get(f["id"], []), key=lambda x: x["id"])
    for m in measures:
        m.conditions = conditions.get(m.id, [])
    for r in backend.query("clause_amounts_of", {"ids": ids}).records() if ids else []:
        amount = {**{k: r[k] for k in ("id", "kind", "value", "currency", "value_cny", "qualifier", "period", "per",
                                       "quote")},
                  "span": [r["span_start"], r["span_end"]]}
        m = by_id[r["clause"]]
        if r["per"]:  # stated per unit (a rate, a floor per project): neither a lump-sum award nor the budget
            continue
        if r["kind"] in ("award", "cap"):
            m.awards.append(amount)
        elif r["kind"] == "budget_floor" and (m.budget is None or _at(amount) < _at(m.budget)):
            m.budget = amount
    for m in measures:
        m.awards.sort(key=_at)
    documents = {m.document: {"id": m.document, "doc_number": m.doc_number, "title": m.document_title}
                 for m in measures}
    rules: dict[str, list[dict[str, Any]]] = {}
    if documents:
        for r in backend.query("document_rules", {"documents": sorted(documents)}).records():
            rules.setdefault(r["document"], []).append(r)
    for lst in rules.values():
        lst.sort(key=lambda r: r["id"])
    industries, places = load_trees(backend)
    tiers = load_tier_tree(backend)
    for m in measures:
        m.industry_scope = frozenset(industries.descendants(m.industries, m.document))
        m.tier_scope = frozenset(tiers.descendants(m.tiers))
        m.place_scope = frozenset(places.descendants(m.places))
        m.example_scope = frozenset(industries.descendants(m.examples, m.document)) if m.tiers else frozenset()
        m.preferred_tiers = frozenset(tiers.descendants([t for rel, t in m.preferred if rel == "TARGETS"]))
        m.preferred_industries = frozenset(industries.descendants([i for rel, i in m.preferred if rel == "SUPPORTS"],
                                                                  m.document))
        m.alternatives = alternatives_of(m, stated.get(m.id, {}), industries, tiers)
    names = {r["id"]: r for r in backend.query("taxonomy_nodes").records()}
    return PolicySnapshot(as_of, document or None, measures, industries, places, names, instruments, rules, documents,
                          tiers)


def _at(amount: dict[str, Any]) -> tuple[int, str]:
    """Where an amount stands in its document (text order), its id breaking ties."""
    return (amount["span"][0] or 0, amount["id"])


class SnapshotCache:
    """Snapshots by (date, document), reused while the graph's data is unchanged.

    Keyed by :meth:`Backend.data_version` (a file stat on the embedded backend; on Neo4j a bookkeeping
    node asked at most once a second): ingesting a document, or any other write, makes the next request
    load a fresh snapshot (writes by this process at once, by another within the backend's
    ``VERSION_TTL``). The taxonomy is read with the snapshot.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[dt.date, str], tuple[tuple[int, str], PolicySnapshot]] = OrderedDict()

    def peek(self, backend: Backend, version: str, on: Any = None, document: str | None = None) -> PolicySnapshot | None:
        """The snapshot for (on, document) if it is held for data ``version``, else None (nothing is read)."""
        with self._lock:
            hit = self._items.get((as_date(on), document or ""))
        return hit[1] if hit is not None and hit[0] == (id(backend), version) else None

    def get(self, backend: Backend, on: Any = None, document: str | None = None) -> PolicySnapshot:
        as_of = as_date(on)
        key = (as_of, document or "")
        version = (id(backend), backend.data_version())
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] == version:
                self._items.move_to_end(key)
                return hit[1]
        snap = load_snapshot(backend, as_of, document)
        with self._lock:
            self._items[key] = (version, snap)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return snap
