"""The corpus scorer's own arithmetic (scripts/score_corpus.py), on real corpus documents: gold scored
against itself is 100%, and a removed measure, amount or field lowers exactly what it should."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("score_corpus", ROOT / "scripts" / "score_corpus.py")
score_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score_corpus)

GOLDS = ["jilin-liuhe-2023-key-industries.yaml", "jilin-liuhe-tourism.yaml", "binjiang-2024-16.yaml"]


def _as_parsed(gold: dict) -> dict:
    """A parse that says exactly what the gold says, in the parser's JSON shape."""
    clauses = []
    for m in gold["measures"]:
        amounts = [{"value": a["value"], "currency": "CNY", "value_cny": a["value"],
                    "kind": "budget_floor" if a["kind"] == "floor" else a["kind"],
                    "unit_text": "元/" + a["unit"].split("/", 1)[1] if a.get("unit") else "元"}
                   for a in m["amounts"]]
        clauses.append({"label": m["label"], "number": m["number"], "kind": "measure", "title": None,
                        "text": m["text"], "amounts": amounts})
    floors = [{"value": f["value"], "value_cny": f["value"], "kind": "budget_floor"}
              for f in gold.get("floors") or []
              if not any(m["label"] == f["where"] for m in gold["measures"])]
    fm = gold["front_matter"]
    return {"document": {k: fm.get(k) for k in score_corpus.FRONT},
            "sections": [{"amounts": floors}], "clauses": clauses}


@pytest.fixture(params=GOLDS)
def gold(request):
    return score_corpus.load_gold(score_corpus.GOLD_DIR / request.param)


def test_gold_snippets_are_in_their_documents(gold):
    text = score_corpus._norm(Path(gold["_doc"]).read_text(encoding="utf-8"))
    for m in gold["measures"]:
        assert score_corpus._norm(m["text"]) in text, m["label"]


def test_gold_against_itself_is_perfect(gold):
    counts = score_corpus.score(gold, _as_parsed(gold))
    rates = score_corpus.rates_of(counts)
    assert rates["measure_recall"] == rates["measure_precision"] == 100.0
    assert rates["amount_recall"] in (100.0, None)
    assert rates["floor_recall"] in (100.0, None)
    assert rates["rate_recall"] in (100.0, None)
    assert rates["front_matter"] in (100.0, None)
    assert counts["missed_measures"] == counts["extra_measures"] == []


def test_removed_measure_lowers_recall_not_precision(gold):
    parsed = _as_parsed(gold)
    gone = parsed["clauses"].pop(1)
    counts = score_corpus.score(gold, parsed)
    n = len(gold["measures"])
    assert counts["measures_matched"] == n - 1
    assert score_corpus.rates_of(counts)["measure_precision"] == 100.0
    assert counts["missed_measures"] == [gone["label"]]
    assert counts["amounts_found"] == counts["amounts"] - len(gold["measures"][1]["amounts"])


def test_extra_measure_lowers_precision_only(gold):
    parsed = _as_parsed(gold)
    parsed["clauses"].append({"label": "99", "number": 99, "kind": "measure", "title": None,
                              "text": "本办法自印发之日起施行。", "amounts": []})
    counts = score_corpus.score(gold, parsed)
    n = len(gold["measures"])
    assert counts["measures_matched"] == n
    assert score_corpus.rates_of(counts)["measure_precision"] == round(100.0 * n / (n + 1), 1)
    assert counts["extra_measures"] == ["99"]


def test_a_wrong_value_and_a_lost_unit_are_counted():
    gold = score_corpus.load_gold(score_corpus.GOLD_DIR / "jilin-liuhe-tourism.yaml")
    parsed = _as_parsed(gold)
    flowers = next(c for c in parsed["clauses"] if c["text"] == "花卉基地建设")
    flowers["amounts"][0]["value"] = 0.0       # 100元/亩 read as 0
    flowers["amounts"][1]["unit_text"] = "元"  # 200元/亩 read as a lump sum
    counts = score_corpus.score(copy.deepcopy(gold), parsed)
    assert counts["amounts_found"] == counts["amounts"] - 1
    assert counts["rates_found"] == counts["rates"] - 2


def test_decimal_yuan_is_not_rounded():
    assert score_corpus._same_value(0.1, 0.1)
    assert not score_corpus._same_value(0.1, 0.0)
    assert score_corpus._label_key("第 1 0 条") == score_corpus._label_key("第10条")


def test_front_matter_counts_only_stated_fields(gold):
    parsed = _as_parsed(gold)
    stated = [f for f in score_corpus.FRONT if gold["front_matter"].get(f) not in (None, [], "")]
    parsed["document"]["title"] = "某网站首页"
    counts = score_corpus.score(gold, parsed)
    assert counts["front"] == len(stated)
    assert counts["front_right"] == len(stated) - (1 if "title" in stated else 0)
