"""Score the parser against the hand-made gold of the evaluation corpus (corpus/gold/*.yaml).

For each gold file: parse its document with ``policykg.ingest.parse.parse_file`` (what
``policykg parse --json`` prints), align parsed measures to gold measures (by the gold's text
snippet found in the clause, else by label and number), and count measure recall and precision,
amount recall (right value in yuan within the aligned measure), rate recall (value and per-unit
unit), floor recall and front-matter accuracy. Prints a table, or JSON with ``--json``.

    python scripts/score_corpus.py [--json] [GOLD.yaml ...]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "corpus" / "gold"
DOC_DIR = ROOT / "corpus" / "documents"
FRONT = ("title", "issuers", "doc_number", "issued_date", "effective_date")
#: relative tolerance on a value in yuan (decimal yuan such as 0.1 must match 0.1, not 0)
_TOL = 1e-6

_WS = re.compile(r"[\s\u3000]+")


def _norm(s: str | None) -> str:
    return _WS.sub("", s or "")


def _label_key(s: str | None) -> str:
    """A label without spaces and trailing punctuation: "第 1 0 条" → "第10条", "1." → "1"."""
    return _norm(s).rstrip(".、．。)")


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= _TOL * max(1.0, abs(a), abs(b))


def load_gold(path: Path) -> dict[str, Any]:
    gold = yaml.safe_load(path.read_text(encoding="utf-8"))
    gold["_path"] = str(path)
    gold["_doc"] = str((DOC_DIR / gold["document"]).resolve())
    return gold


def parse_document(doc_path: str) -> dict[str, Any]:
    from policykg.ingest.parse import parse_file

    return parse_file(Path(doc_path)).to_dict()


def _parsed_measures(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in parsed["clauses"] if c.get("kind") == "measure"]


def align(gold_measures: list[dict[str, Any]], parsed_measures: list[dict[str, Any]]) -> dict[int, int]:
    """gold index → parsed index, one to one: first by the gold's text snippet inside the parsed
    clause (title + text), then, for the rest, by the same label and number."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    texts = [_norm((p.get("title") or "") + (p.get("text") or "")) for p in parsed_measures]
    for gi, g in enumerate(gold_measures):
        snippet = _norm(g.get("text"))
        if not snippet:
            continue
        # the shortest clause containing the snippet: a parent that swallowed it loses to the item itself
        hits = sorted((len(t), pi) for pi, t in enumerate(texts) if pi not in used and snippet in t)
        if hits:
            pairs[gi] = hits[0][1]
            used.add(hits[0][1])
    for gi, g in enumerate(gold_measures):
        if gi in pairs:
            continue
        for pi, p in enumerate(parsed_measures):
            if pi not in used and _label_key(p.get("label")) == _label_key(g.get("label")) \
                    and p.get("number") == g.get("number"):
                pairs[gi] = pi
                used.add(pi)
                break
    return pairs


def _is_rate(a: dict[str, Any]) -> bool:
    return a.get("kind") == "rate" or "/" in (a.get("unit_text") or "") or bool(a.get("per"))


def _match_amounts(gold_amounts: list[dict[str, Any]], parsed_amounts: list[dict[str, Any]]) -> dict[str, int]:
    """Counts of gold amounts found (each parsed amount used once), rates separately."""
    free = list(parsed_amounts)
    found = rates = rates_found = 0
    for g in gold_amounts:
        hit = None
        for p in free:
            value = p.get("value") if p.get("currency", "CNY") == "CNY" else p.get("value_cny")
            if value is not None and _same_value(float(value), float(g["value"])):
                hit = p
                break
        if hit is not None:
            free.remove(hit)
            found += 1
        if g.get("kind") == "rate":
            rates += 1
            if hit is not None and _is_rate(hit) and _norm(g.get("unit")).split("/", 1)[-1] in \
                    _norm((hit.get("unit_text") or "") + "/" + str(hit.get("per") or "")):
                rates_found += 1
    return {"amounts": len(gold_amounts), "amounts_found": found, "rates": rates, "rates_found": rates_found}


def _all_amounts(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in parsed["sections"] + parsed["clauses"]:
        out.extend(item.get("amounts") or [])
    return out


def _floors(gold: dict[str, Any], parsed: dict[str, Any]) -> dict[str, int]:
    free = [a for a in _all_amounts(parsed) if a.get("kind") == "budget_floor"]
    found = 0
    for g in gold.get("floors") or []:
        hit = next((a for a in free if _same_value(float(a.get("value_cny") or a.get("value") or 0),
                                                   float(g["value"]))), None)
        if hit is not None:
            free.remove(hit)
            found += 1
    return {"floors": len(gold.get("floors") or []), "floors_found": found}


def _front(gold: dict[str, Any], parsed: dict[str, Any]) -> dict[str, Any]:
    """Each front-matter field the gold states (not null, not empty) compared after removing spaces."""
    doc = parsed["document"]
    fields: dict[str, bool] = {}
    for f in FRONT:
        want = gold["front_matter"].get(f)
        if want in (None, [], ""):
            continue
        got = doc.get(f)
        if f == "issuers":
            fields[f] = sorted(_norm(x) for x in got or []) == sorted(_norm(x) for x in want)
        else:
            fields[f] = _norm(str(got) if got is not None else None) == _norm(str(want))
    return {"front": len(fields), "front_right": sum(fields.values()), "front_fields": fields}


def score(gold: dict[str, Any], parsed: dict[str, Any]) -> dict[str, Any]:
    """The counts for one document; ``parsed`` is ``ParsedDocument.to_dict()`` (or the same shape)."""
    gms = gold.get("measures") or []
    pms = _parsed_measures(parsed)
    pairs = align(gms, pms)
    counts = {"measures": len(gms), "parsed_measures": len(pms), "measures_matched": len(pairs),
              "amounts": 0, "amounts_found": 0, "rates": 0, "rates_found": 0}
    missed = [g.get("label") for gi, g in enumerate(gms) if gi not in pairs]
    extra = [p.get("label") for pi, p in enumerate(pms) if pi not in set(pairs.values())]
    for gi, g in enumerate(gms):
        parsed_amounts = pms[pairs[gi]].get("amounts") or [] if gi in pairs else []
        for k, v in _match_amounts(g.get("amounts") or [], parsed_amounts).items():
            counts[k] += v
    counts.update(_floors(gold, parsed))
    counts.update(_front(gold, parsed))
    counts["missed_measures"] = missed
    counts["extra_measures"] = extra
    return counts


def _pct(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def rates_of(c: dict[str, Any]) -> dict[str, float | None]:
    return {"measure_recall": _pct(c["measures_matched"], c["measures"]),
            "measure_precision": _pct(c["measures_matched"], c["parsed_measures"]),
            "amount_recall": _pct(c["amounts_found"], c["amounts"]),
            "rate_recall": _pct(c["rates_found"], c["rates"]),
            "floor_recall": _pct(c["floors_found"], c["floors"]),
            "front_matter": _pct(c["front_right"], c["front"])}


SUMMED = ("measures", "parsed_measures", "measures_matched", "amounts", "amounts_found", "rates", "rates_found",
          "floors", "floors_found", "front", "front_right")


def run(paths: list[Path]) -> dict[str, Any]:
    docs = []
    for p in paths:
        gold = load_gold(p)
        counts = score(gold, parse_document(gold["_doc"]))
        docs.append({"gold": p.name, "document": gold["document"], **counts, **rates_of(counts)})
    total = {k: sum(d[k] for d in docs) for k in SUMMED}
    return {"documents": docs, "overall": {**total, **rates_of(total)}}


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def print_table(result: dict[str, Any]) -> None:
    cols = ("measure_recall", "measure_precision", "amount_recall", "rate_recall", "floor_recall", "front_matter")
    head = f"{'document':42} {'meas':>9} " + " ".join(f"{c.split('_')[0][:5] + '_' + c.split('_')[-1][:4]:>11}"
                                                         for c in cols)
    print(head)
    for d in result["documents"] + [{"gold": "OVERALL", **result["overall"]}]:
        print(f"{d['gold'][:42]:42} {d['measures_matched']:>4}/{d['measures']:<4} "
              + " ".join(f"{_fmt(d[c]):>11}" for c in cols))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", nargs="*", type=Path, help="gold files (default: corpus/gold/*.yaml)")
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = ap.parse_args(argv)
    paths = args.gold or sorted(GOLD_DIR.glob("*.yaml"))
    result = run(paths)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
