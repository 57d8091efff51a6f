"""The synthetic registry: deterministic, in the import formats, plainly synthetic, realistically skewed."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import pytest

from policykg.ingest import uscc
from policykg.ingest.synth import COLUMNS, synth
from policykg.ingest.tabular import find_tables, load_formats

N = 2000


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    return out, synth(N, seed=7, out_dir=out)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, made):
    out, _ = made
    synth(N, seed=7, out_dir=tmp_path / "again")
    assert digest(tmp_path / "again") == digest(out)
    synth(N, seed=8, out_dir=tmp_path / "other")
    assert digest(tmp_path / "other")["enterprises.csv"] != digest(out)["enterprises.csv"]


def test_files_and_counts(made):
    out, result = made
    assert result["enterprises"] == N
    for kind, cols in COLUMNS.items():
        f = result["files"][kind]
        assert Path(f["path"]) == out / f"{kind}.csv"
        data = rows(out / f"{kind}.csv")
        assert len(data) == f["rows"]
        assert list(data[0]) == cols


def test_headers_are_exactly_the_import_formats(made):
    """Every column synth writes is a declared English column name (or a yearly form of one)."""
    out, _ = made
    formats = load_formats()
    for t in find_tables([out]):
        assert t.kind in COLUMNS
        assert t.hmap.ignored == [] and t.hmap.missing == []
        for key in t.hmap.keys():
            name = key[0] if isinstance(key, tuple) else key
            assert name in formats[t.kind].columns


def test_everything_is_marked_synthetic_and_codes_are_valid(made):
    out, _ = made
    ents = rows(out / "enterprises.csv")
    assert all(e["name"].startswith("合成测试企业") and e["name"].endswith("（虚构）") for e in ents)
    assert all(e["synthetic"] == "true" for e in ents)
    assert all(f["name"].endswith("（虚构）") for f in rows(out / "funds.csv"))
    codes = [e["uscc"] for e in ents]
    assert len(set(codes)) == N and all(uscc.is_valid(c) for c in codes)


def test_realistic_skews(made):
    out, result = made
    ents = rows(out / "enterprises.csv")
    # industries: one holds about 40% of the firms that name one
    firsts = Counter(e["industries"].split(";")[0] for e in ents if e["industries"])
    top_share = firsts.most_common(1)[0][1] / sum(firsts.values())
    assert 0.33 < top_share < 0.48, firsts.most_common(3)
    assert len(firsts) >= 15
    # tiers: about 70% with none, few 领军企业, more 专精特新 and 瞪羚企业
    tiers = Counter()
    for e in ents:
        for item in filter(None, e["tiers"].split(";")):
            tiers[item.split(":")[0]] += 1
    none = sum(1 for e in ents if not e["tiers"]) / N
    assert 0.62 < none < 0.78
    assert tiers["领军企业"] <= 12
    assert 15 <= tiers["专精特新企业"] + tiers["专精特新"] <= 70
    assert 10 <= tiers["瞪羚企业"] <= 60
    # about 10% missing in each optional column
    for col in ("founded", "registered_capital", "employees", "place"):
        share = sum(1 for e in ents if not e[col]) / N
        assert 0.06 < share < 0.14, (col, share)
    # heavy tails: the largest capital is far above the median
    caps = sorted(float(e["registered_capital"]) for e in ents
                  if e["registered_capital"].isdigit() and e["currency"] != "USD")
    assert caps[-1] > 50 * caps[len(caps) // 2]
    # funds, investments (~15% of firms), selections (~3%), grants (~5%)
    files = result["files"]
    assert 12 <= files["funds"]["rows"] <= 60
    invested = {r["uscc"] for r in rows(out / "investments.csv")}
    assert 0.09 < len(invested) / N < 0.16
    assert 0.10 < files["investments"]["rows"] / N < 0.22
    assert 0.015 < files["selections"]["rows"] / N < 0.05
    granted = {r["uscc"] for r in rows(out / "grants.csv")}
    assert 0.03 < len(granted) / N < 0.07


def test_references_point_at_what_exists(made):
    out, _ = made
    codes = {e["uscc"] for e in rows(out / "enterprises.csv")}
    funds = {f["name"] for f in rows(out / "funds.csv")}
    for r in rows(out / "investments.csv"):
        assert r["uscc"] in codes and r["fund"] in funds
    for kind in ("selections", "grants"):
        assert all(r["uscc"] in codes for r in rows(out / f"{kind}.csv"))
    from policykg.ingest.parse import parse_bytes
    from policykg.ingest.policy import SEED, seed_bytes

    clause_ids = {c.id for c in parse_bytes(seed_bytes(), SEED).clauses}
    assert all(r["clause"] in clause_ids for r in rows(out / "grants.csv"))


def test_synth_command(tmp_path):
    import json
    import subprocess
    import sys

    bin_ = Path(sys.executable).with_name("policykg")
    proc = subprocess.run([str(bin_), "synth", "--enterprises", "50", "--seed", "1", "--out", str(tmp_path / "s"),
                           "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["files"]["enterprises"]["rows"] == 50
    assert (tmp_path / "s" / "enterprises.csv").exists()
