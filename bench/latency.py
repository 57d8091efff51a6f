"""Query latency, measured three ways on the same samples:

- **library**: the function the API route calls, in process, with a snapshot cache used as the
  route uses it;
- **raw**: the Cypher the library ran for that sample (recorded once, untimed, at the backend's one
  door ``Backend.execute``), replayed through the engine's own client — ``ladybug.Connection``
  on the same database, or a ``neo4j`` driver session. Where the route answers from the derived
  index without a query (eligible-clauses), the Cypher recorded is the live path's: the engine's own
  cost of reading what the answer needs (``REFERENCE``). For matching also a hand-written naive
  "count + top 50 by registered capital" over the clause's industries (``naive``);
- **http**: the endpoint of a running ``policykg serve``, through one keep-alive connection of the
  standard library's ``http.client`` (the lightest client there is: httpx costs about 0.25 ms more per
  request on this machine, time that is the client's, not the server's); on Neo4j also the raw replay
  again, beside the requests (**raw_http**), the baseline of HTTP / raw there.

On Neo4j the ways compared are timed side by side, block by block (library and raw; HTTP and raw), not in
loops one after the other: the server warms up as a run goes on (see :func:`_timed_side_by_side`). On
Ladybug each way has its loop (see :class:`RawLadybug`).

Routes and library calls sit in the two tables below; change them there when the API changes.
"""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from bench.common import latency_stats, ratio, say
from policykg import explore
from policykg.analysis import budget as _budget
from policykg.analysis import eligibility as _eligibility
from policykg.analysis import matching as _matching
from policykg.analysis.service import DerivedCache
from policykg.analysis.snapshot import SnapshotCache
from policykg.api import routes
from policykg.queries import catalogue

#: endpoint -> route (path parameters in braces; other sample parameters go to the query string)
ROUTES = {
    "eligible-clauses": "/api/enterprises/{uscc}/eligible-clauses",
    "matching-enterprises": "/api/clauses/{clause_id}/matching-enterprises",
    "gaps": "/api/gaps",
    "budget": "/api/budget",
    "neighbourhood": "/api/graph/neighbourhood",
}



def check_routes() -> None:
    """Every route above exists in ``policykg.api.routes`` (mounted under /api)."""
    known = {"/api" + getattr(r, "path", "") for r in routes.router.routes}
    missing = sorted(set(ROUTES.values()) - known)
    if missing:
        raise RuntimeError(f"not routes of policykg.api.routes any more: {', '.join(missing)} (update bench.latency.ROUTES)")


def _filters(p: dict[str, Any]) -> Any:
    return _matching.Filters(place=p.get("place"), tier=p.get("tier"), capital_min=p.get("capital_min"),
                             founded_from=p.get("founded_from"))


def route_default(endpoint: Callable[..., Any], name: str) -> Any:
    """A route's default for a query parameter (FastAPI keeps it in the ``Query`` object)."""
    default = inspect.signature(endpoint).parameters[name].default
    return getattr(default, "default", default)


NEIGHBOURHOOD_LIMIT = route_default(routes.graph_neighbourhood, "limit")
NEIGHBOURHOOD_DEPTH = route_default(routes.graph_neighbourhood, "depth")

#: the matching / gaps index, as the API holds it (built before the library phase, see measure_in_process)
DERIVED = DerivedCache()

#: endpoint -> what its route calls: f(backend, snapshot cache, sample parameters)
LIBRARY: dict[str, Callable[[Any, SnapshotCache, dict[str, Any]], Any]] = {
    "eligible-clauses": lambda b, cache, p: DERIVED.eligible_clauses(b, p["uscc"], cache.get(b)),
    "matching-enterprises": lambda b, cache, p: DERIVED.matching_json(b, p["clause_id"], _filters(p), cache.get(b)),
    "gaps": lambda b, cache, p: DERIVED.gaps_json(b, cache.get(b)),
    "budget": lambda b, cache, p: _budget.budget(b, snapshot=cache.get(b)),
    "neighbourhood": lambda b, cache, p: explore.neighbourhood(
        b, p["id"], p.get("depth", NEIGHBOURHOOD_DEPTH), p.get("limit", NEIGHBOURHOOD_LIMIT)),
}

#: endpoint -> the live path whose Cypher is the raw baseline, where the route reads the index instead
REFERENCE: dict[str, Callable[[Any, SnapshotCache, dict[str, Any]], Any]] = {
    "eligible-clauses": lambda b, cache, p: _eligibility.eligible_clauses(b, p["uscc"], snapshot=cache.get(b)),
}

NAIVE_MATCH = ("UNWIND $industries AS ind MATCH (:Industry {id: ind})<-[:IN_INDUSTRY]-(e:Enterprise) "
               "WITH DISTINCT e {where}")
NAIVE_QUERIES = (
    NAIVE_MATCH + " RETURN count(e) AS n",
    NAIVE_MATCH + " RETURN e.id AS id, e.registered_capital_cny AS capital ORDER BY capital DESC LIMIT 50",
)


def naive_matching(industries: list[str], capital_min: int | None) -> list[tuple[str, dict[str, Any]]]:
    """The engine's own figure for matching: count and top 50 by capital of the industries' firms."""
    where = "WHERE e.registered_capital_cny >= $capital_min" if capital_min is not None else ""
    params: dict[str, Any] = {"industries": industries}
    if capital_min is not None:
        params["capital_min"] = capital_min
    return [(q.replace("{where}", where), params) for q in NAIVE_QUERIES]


@dataclass
class Case:
    """One measured endpoint with one way of choosing its parameters."""

    name: str
    endpoint: str
    keys: list[dict[str, Any]]     # distinct parameter sets, in random order
    iterations: int
    naive: Callable[[dict[str, Any]], list[tuple[str, dict[str, Any]]] | None] | None = None
    #: every measured call with parameters not seen before and the answer caches emptied (library), so
    #: that what is timed is the work, not a cache hit
    cold: bool = False
    recorded: list[list[tuple[str, dict[str, Any]]]] = field(default_factory=list)  # per prepared key
    samples: list[int] = field(default_factory=list)  # indices into the prepared keys
    results: dict[str, Any] = field(default_factory=dict)

    def url(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        route = ROUTES[self.endpoint]
        path = route.format(**{k: quote(str(v), safe="") for k, v in params.items()})
        query = {k: v for k, v in params.items() if "{" + k + "}" not in route}
        return path, query


@dataclass
class Budget:
    """How long to spend: warm-up calls, distinct keys prepared, and a time cap per measured loop."""

    warmup: int
    max_keys: int
    seconds: float


# --------------------------------------------------------------------------------------------
# recording and replaying the library's Cypher
# --------------------------------------------------------------------------------------------

@contextmanager
def recording(backend: Any) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every statement the backend runs meanwhile, with its bound parameters: all Cypher goes through
    ``Backend.execute``, except key lookups on a backend that runs them its own way (``lookup``:
    prepared statements on Ladybug)."""
    from policykg.graph.base import Backend

    calls: list[tuple[str, dict[str, Any]]] = []
    execute = backend.execute
    own_lookup = type(backend).lookup is not Backend.lookup
    lookup = backend.lookup

    def record(cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> Any:
        calls.append((cypher, params or {}))
        return execute(cypher, params, write=write)

    def record_lookup(cypher: str, params: dict[str, Any], *, keep: bool = True) -> Any:
        calls.append((cypher, params or {}))
        return lookup(cypher, params, keep=keep)

    backend.execute = record
    if own_lookup:
        backend.lookup = record_lookup
    try:
        yield calls
    finally:
        del backend.execute
        if own_lookup:
            del backend.lookup


def query_names(backend_name: str, calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    names = {q.cypher(backend_name): q.name for q in catalogue().values()}
    return sorted({names.get(cypher, "(not in the catalogue)") for cypher, _ in calls})


class RawLadybug:
    """The engine's own client on the backend's database, as many threads as the backend's connections.

    Timed in a loop of its own, after the library's, not side by side: alternated with it in the same
    process, the library's depth-1 neighbourhood at 1M took 2.8-2.9 ms against 1.8-2.2 ms in a loop of its
    own (the raw replay 0.73-0.75 against 0.70-0.71 ms). Ladybug has no JIT to warm up."""

    side_by_side = False

    def __init__(self, backend: Any) -> None:
        import ladybug

        self.conn = ladybug.Connection(backend.db, num_threads=int(backend.settings.embedded_threads))

    def run(self, cypher: str, params: dict[str, Any]) -> None:
        res = self.conn.execute(cypher, params)
        res.get_all()
        res.close()

    def close(self) -> None:
        self.conn.close()


class RawNeo4j:
    """A plain driver session (auto-commit ``session.run``), timed side by side with the library and with
    HTTP (:func:`_timed_side_by_side`)."""

    side_by_side = True

    def __init__(self, uri: str, user: str, password: str, database: str) -> None:
        import neo4j

        self.driver = neo4j.GraphDatabase.driver(uri, auth=(user, password))
        self.session = self.driver.session(database=database)

    def run(self, cypher: str, params: dict[str, Any]) -> None:
        list(self.session.run(cypher, params))

    def close(self) -> None:
        self.session.close()
        self.driver.close()


# --------------------------------------------------------------------------------------------
# measuring
# --------------------------------------------------------------------------------------------

def _timed_loop(samples: list[int], budget: Budget, call: Callable[[int], Any],
                cold: bool = False) -> tuple[list[float], int]:
    """Warm up (at most a third of the time), then time ``call`` on each sample until the samples or the
    time run out (at least one is timed). ``cold``: the samples used to warm up are not timed again.
    Returns the times and how many calls answered False (an error)."""
    (times,), (errors,) = _timed_side_by_side(samples, budget, [call], cold)
    return times, errors


#: samples timed one way before switching to the next (:func:`_timed_side_by_side`)
BLOCK = 20


def _timed_side_by_side(samples: list[int], budget: Budget, calls: list[Callable[[int], Any]],
                        cold: bool = False) -> tuple[list[list[float]], list[int]]:
    """:func:`_timed_loop` for several ways of answering the same samples, timed in turn on each block of
    ``BLOCK`` samples (the first way turning by one from a block to the next), so that the ways are
    compared on the engine in the same state: in loops one after the other, the later loop met a warmer
    engine (Neo4j's JIT went on warming for minutes: a depth-1 neighbourhood replayed raw took 2.2 ms
    early in a 1M run and 1.2 ms later). Used where the raw client allows it (``side_by_side``)."""
    warm_until = time.perf_counter() + budget.seconds / 3
    warmed = 0
    for i in samples[: budget.warmup]:
        for call in calls:
            call(i)
        warmed += 1
        if time.perf_counter() > warm_until:
            break
    if cold:
        samples = samples[warmed:] or samples[-1:]
    times: list[list[float]] = [[] for _ in calls]
    errors = [0 for _ in calls]
    deadline = time.perf_counter() + budget.seconds * len(calls)
    for b, start in enumerate(range(0, len(samples), BLOCK)):
        block = samples[start : start + BLOCK]
        for k in range(len(calls)):
            way = (b + k) % len(calls)
            done = 0
            for i in block:
                t0 = time.perf_counter()
                ok = calls[way](i)
                times[way].append(time.perf_counter() - t0)
                if ok is False:
                    errors[way] += 1
                done += 1
                # a slow case stops within a block; the other ways then time the same samples
                if k == 0 and time.perf_counter() > deadline:
                    break
            block = block[:done]
        if time.perf_counter() > deadline:
            break
    return times, errors


def prepare(case: Case, backend: Any, cache: SnapshotCache, budget: Budget, rng: random.Random) -> None:
    """Untimed: run the library once per key (warming the caches) and record its Cypher; draw the samples."""
    library = LIBRARY[case.endpoint]
    reference = REFERENCE.get(case.endpoint, library)
    library(backend, cache, case.keys[0])  # the snapshot cache is filled before anything is recorded
    deadline = time.perf_counter() + budget.seconds
    for key in case.keys[: budget.max_keys]:
        if reference is not library:
            library(backend, cache, key)  # warm as the timed calls will be
        with recording(backend) as calls:
            reference(backend, cache, key)
        case.recorded.append(calls)
        if time.perf_counter() > deadline:
            break
    case.keys = case.keys[: len(case.recorded)]
    if case.cold:  # each key once, in random order
        case.samples = rng.sample(range(len(case.keys)), len(case.keys))
    else:
        case.samples = [rng.randrange(len(case.keys)) for _ in range(case.iterations)]
    case.results["queries"] = query_names(backend.name, [c for calls in case.recorded for c in calls])
    case.results["keys"] = len(case.keys)


def measure_in_process(cases: list[Case], backend: Any, raw: Any, budget: Budget, rng: random.Random) -> None:
    """Library, raw (and naive) latency of every case; a failing case is recorded and the others still run."""
    cache = SnapshotCache()
    failed = []
    say("queries: building the matching / gaps index (as `policykg serve` does at start-up)")
    started = time.perf_counter()
    index = DERIVED.build_now(backend)
    built = round(time.perf_counter() - started, 3)
    for case in cases:
        if case.endpoint in ("matching-enterprises", "gaps"):
            case.results["index_build_seconds"] = built if index is not None else None
    for case in cases:
        try:
            _measure_case(case, backend, raw, cache, budget, rng)
        except Exception as exc:  # noqa: BLE001 - reported in the results, the phase fails at the end
            case.results["error"] = f"{type(exc).__name__}: {exc}"
            failed.append(case.name)
            say(f"queries: {case.name}: FAILED: {case.results['error']}")
    if failed:
        raise RuntimeError(f"failed cases: {', '.join(failed)}")


def _measure_case(case: Case, backend: Any, raw: Any, cache: SnapshotCache, budget: Budget,
                  rng: random.Random) -> None:
    say(f"queries: {case.name}: preparing")
    prepare(case, backend, cache, budget, rng)
    library = LIBRARY[case.endpoint]

    def call(i: int) -> Any:
        if case.cold and DERIVED.index is not None:
            DERIVED.index.answers.clear()
            DERIVED.index.items.clear()
        return library(backend, cache, case.keys[i])

    if any(case.recorded) and raw.side_by_side:  # the library and the raw replay of what it ran
        say(f"queries: {case.name}: library and raw, side by side")
        (lib_times, raw_times), _ = _timed_side_by_side(case.samples, budget, [call, _replay(case, raw)], case.cold)
        case.results["library"] = latency_stats(lib_times)
        case.results["raw"] = latency_stats(raw_times)
    elif any(case.recorded):
        say(f"queries: {case.name}: library, then raw")
        case.results["library"] = latency_stats(_timed_loop(case.samples, budget, call, case.cold)[0])
        case.results["raw"] = latency_stats(_timed_loop(case.samples, budget, _replay(case, raw))[0])
    else:  # answered from the precomputed index or the cached snapshot: no Cypher ran to compare with
        times, _ = _timed_loop(case.samples, budget, call, case.cold)
        case.results["library"] = latency_stats(times)
        case.results["raw"] = {"n": 0, "note": "no Cypher ran (precomputed index or cached snapshot)"}
    if case.naive:
        naive = [case.naive(k) for k in case.keys]
        usable = [i for i in case.samples if naive[i]]
        say(f"queries: {case.name}: naive")
        times, _ = _timed_loop(usable, budget, lambda i: [raw.run(c, p) for c, p in naive[i]])
        case.results["naive"] = latency_stats(times)
    case.results["ratio_lib_raw"] = ratio(case.results["library"].get("p50"), case.results["raw"].get("p50"))
    say(f"queries: {case.name}: " + _line(case.results))


class Client:
    """GET over one keep-alive HTTP/1.1 connection (reopened if the server closes it): the status code,
    with the whole body read."""

    def __init__(self, base_url: str, timeout: float = 300) -> None:
        url = urlsplit(base_url)
        self.conn = HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=timeout)

    def get(self, path: str, params: dict[str, Any] | None = None) -> int:
        target = path + ("?" + urlencode(params) if params else "")
        for attempt in (0, 1):
            try:
                self.conn.request("GET", target)
                resp = self.conn.getresponse()
                resp.read()
                return resp.status
            except (HTTPException, ConnectionError):
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def _replay(case: Case, raw: Any) -> Callable[[int], None]:
    """The Cypher the library ran for a sample, run again through the engine's own client."""
    def replay(i: int) -> None:
        for cypher, params in case.recorded[i]:
            raw.run(cypher, params)

    return replay


def measure_http(cases: list[Case], base_url: str, budget: Budget, raw: Any = None) -> None:
    """HTTP latency of every prepared case, over one keep-alive connection; non-200 answers are counted.
    With ``raw`` (the engine's own client; Neo4j's), a case whose library ran Cypher is also replayed raw
    beside the requests (``raw_http``), and HTTP / raw is taken from those two; otherwise from the raw
    times of the queries phase."""
    failed = []
    client = Client(base_url)
    try:
        for case in cases:
            if not case.samples:
                continue
            say(f"http: {case.name}")
            try:
                _measure_http_case(case, client, budget, raw)
            except (HTTPException, OSError) as exc:
                case.results["http_error"] = f"{type(exc).__name__}: {exc}"
                failed.append(case.name)
                say(f"http: {case.name}: FAILED: {case.results['http_error']}")
    finally:
        client.close()
    if failed:
        raise RuntimeError(f"failed cases: {', '.join(failed)}")


def _measure_http_case(case: Case, client: Client, budget: Budget, raw: Any = None) -> None:
    status: dict[int, int] = {}

    def get(i: int) -> bool:
        path, query = case.url(case.keys[i])
        code = client.get(path, query)
        status[code] = status.get(code, 0) + 1
        return code == 200

    if raw is not None and any(case.recorded):
        (times, raw_times), (errors, _) = _timed_side_by_side(case.samples, budget, [get, _replay(case, raw)],
                                                              case.cold)
        case.results["raw_http"] = latency_stats(raw_times)
        baseline = case.results["raw_http"]
    else:
        times, errors = _timed_loop(case.samples, budget, get, case.cold)
        baseline = case.results.get("raw", {})
    case.results["http"] = {**latency_stats(times), "errors": errors, "status": status}
    case.results["ratio_http_raw"] = ratio(case.results["http"].get("p50"), baseline.get("p50"))
    say(f"http: {case.name}: " + _line(case.results))


def _line(r: dict[str, Any]) -> str:
    parts = [f"{mode} p50 {r[mode]['p50']:.2f} p99 {r[mode]['p99']:.2f} ms (n {r[mode]['n']})"
             for mode in ("library", "raw", "naive", "http", "raw_http") if r.get(mode, {}).get("n")]
    return "; ".join(parts)


def random_filters(measures: list[Any], snapshot: Any, rng: random.Random, n: int) -> list[dict[str, Any]]:
    """``n`` distinct (measure, filters) keys: one to three of place, tier, capital_min (log-uniform from
    10万 to 10亿 yuan) and founded_from (1995-2023), each drawn at random."""
    places = sorted(snapshot.places.nodes)
    tiers = sorted(i for i, r in snapshot.names.items() if r["label"] == "Tier")
    draw = {"place": lambda: rng.choice(places), "tier": lambda: rng.choice(tiers),
            "capital_min": lambda: int(round(10 ** rng.uniform(5, 9), -3)), "founded_from": lambda: rng.randint(1995, 2023)}
    keys: dict[tuple, dict[str, Any]] = {}
    while len(keys) < n:
        chosen = rng.sample(sorted(draw), rng.randint(1, 3))
        key = {"clause_id": rng.choice(measures).id, **{f: draw[f]() for f in sorted(chosen)}}
        keys.setdefault(tuple(sorted(key.items())), key)
    return list(keys.values())


def make_cases(enterprises: list[str], snapshot: Any, quick: bool, rng: random.Random,
               capital_min: int) -> list[Case]:
    """The measured cases, with their keys in random order (a fixed seed gives the same run)."""
    check_routes()
    n = {"cheap": 30, "mid": 10, "slow": 5} if quick else {"cheap": 500, "mid": 200, "slow": 100}
    firms = rng.sample(enterprises, min(len(enterprises), 1000))
    # Measures with a candidate pool (an industry, tier or place); the others answer at once with a note.
    measures = [m for m in snapshot.measures if m.industries or m.tiers or m.places]
    rng.shuffle(measures)
    industries = {m.id: sorted(snapshot.industries.descendants(m.industries)) for m in measures}

    def naive(key: dict[str, Any]) -> list[tuple[str, dict[str, Any]]] | None:
        inds = industries[key["clause_id"]]
        return naive_matching(inds, key.get("capital_min")) if inds else None

    depths = sorted({1, 2, NEIGHBOURHOOD_DEPTH})
    cases = [
        Case("eligible-clauses", "eligible-clauses", [{"uscc": u} for u in firms], n["cheap"]),
        Case("matching", "matching-enterprises", [{"clause_id": m.id} for m in measures], n["slow"], naive),
        Case("matching capital_min", "matching-enterprises",
             [{"clause_id": m.id, "capital_min": capital_min} for m in measures], n["slow"], naive),
        Case("matching random filters", "matching-enterprises", random_filters(measures, snapshot, rng, n["slow"] * 3),
             n["slow"] * 3, cold=True),
        Case("gaps", "gaps", [{}], n["slow"]),
        Case("budget", "budget", [{}], n["mid"]),
    ]
    for d in depths:
        label = f"neighbourhood depth {d}" + (" (default)" if d == NEIGHBOURHOOD_DEPTH else "")
        params = [{"id": u} if d == NEIGHBOURHOOD_DEPTH else {"id": u, "depth": d} for u in firms]
        cases.append(Case(label, "neighbourhood", params, n["cheap"]))
    return cases
