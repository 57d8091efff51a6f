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

N = 20_000


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
    assert tiers["领军企业"] <= 60
    assert 0.01 * N <= tiers["专精特新企业"] + tiers["专精特新"] + tiers["专精特新中小企业"] <= 0.03 * N
    assert 0.008 * N <= tiers["瞪羚企业"] <= 0.025 * N
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
    # funds are made as deals need them: at least the first dozen, and a fund makes several deals
    assert 12 <= files["funds"]["rows"] <= files["investments"]["rows"] / 5
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


# --------------------------------------------------------------------------------------------
# Figures that hang together: each invariant checked on every row of the 20k registry, with the
# thresholds written here from the definitions (not read from the generator's tables).
# --------------------------------------------------------------------------------------------

WAN, YI = 10_000, 100_000_000


def yuan(text: str) -> int | None:
    if not text:
        return None
    for unit, factor in (("亿元", YI), ("万元", WAN)):
        if text.endswith(unit):
            return round(float(text[: -len(unit)]) * factor)
    return int(text)


def canonical() -> dict[str, str]:
    """Every surface form of a tier or programme -> its name."""
    from policykg.ingest.taxonomy import load_taxonomy

    tax = load_taxonomy()
    return {form: e.name for kind in ("tier", "programme") for e in tax.entries(kind) for form in (e.name, *e.synonyms)}


class Ent:
    def __init__(self, row: dict[str, str], names: dict[str, str]) -> None:
        self.row = row
        self.founded = row["founded"] or None
        self.fy = int(row["founded"][:4]) if row["founded"] else None
        self.age = 2024 - self.fy if self.fy is not None else None
        self.emp = int(row["employees"]) if row["employees"] else None
        self.rev = {y: yuan(row[f"revenue_{y}"]) for y in (2023, 2024)}
        self.rd = {y: yuan(row[f"rd_spend_{y}"]) for y in (2023, 2024)}
        # registered capital in yuan, when it is written in yuan
        self.cap = yuan(row["registered_capital"]) if row["currency"] != "USD" else None
        self.tiers = {}
        for item in filter(None, row["tiers"].split(";")):
            form, year, *_ = item.split(":")
            self.tiers[names[form]] = int(year)

    @property
    def pre_revenue(self) -> bool:
        """R&D above revenue: only a firm that has no real sales yet (a blank cell tells nothing)."""
        return any(self.rd[y] is not None and self.rev[y] is not None and self.rd[y] > self.rev[y]
                   for y in (2023, 2024))

    def share(self) -> float | None:
        """R&D / revenue over the years where both are written (None: no such year)."""
        years = [y for y in (2023, 2024) if self.rev[y] and self.rd[y] is not None]
        if not years or self.rev[2024] is None:
            return None
        return sum(self.rd[y] for y in years) / sum(self.rev[y] for y in years)


@pytest.fixture(scope="module")
def ents(made):
    out, _ = made
    names = canonical()
    return [Ent(r, names) for r in rows(out / "enterprises.csv")]


def test_rd_within_revenue_unless_pre_revenue(ents):
    pre = [e for e in ents if e.pre_revenue]
    assert 0 < len(pre) < 0.05 * N
    for e in pre:
        # no real sales yet: revenue none or tiny, a young firm, its R&D paid from its capital
        assert all(e.rev[y] is None or e.rev[y] < 50 * WAN for y in (2023, 2024)), e.row
        assert e.age is None or e.age <= 6, e.row
        assert e.cap is None or e.rd[2024] is None or e.cap >= e.rd[2024], e.row
    for e in ents:
        for y in (2023, 2024):
            if e.rev[y] is not None and e.rd[y] is not None and not e.pre_revenue:
                assert e.rd[y] <= e.rev[y], e.row
    shares = [e.rd[2024] / e.rev[2024] for e in ents if e.rev[2024] and e.rd[2024] is not None and not e.pre_revenue]
    assert sum(1 for s in shares if 0.01 <= s <= 0.15) > 0.7 * len(shares)
    # high-tech tiers spend more on R&D than firms without a tier
    hnte = sorted(s for e in ents if "高新技术企业" in e.tiers and (s := e.share()) is not None)
    plain = sorted(s for e in ents if not e.tiers and (s := e.share()) is not None)
    assert hnte[len(hnte) // 2] > plain[len(plain) // 2]


def test_revenue_per_employee_within_the_industry_band(ents):
    software = {"新一代信息技术", "数据要素", "人工智能", "新一代人工智能", "现代服务业", "文化产业", "文化创意",
                "数字创意", "未来网络"}
    manufacturing = {"高端装备", "高端装备制造", "新材料", "新能源", "节能环保", "智能制造", "新制造业", "绿色能源"}
    per = {"software": [], "manufacturing": []}
    checked = 0
    for e in ents:
        rev, emp = e.rev[2024], e.emp
        if rev is None or emp is None or e.pre_revenue or (rev < 50 * WAN and e.rd[2024] is None):
            continue
        checked += 1
        # bounded tails: no firm sells less than 30万 or more than 2000万 a head
        assert 30 * WAN * emp - 1 <= rev <= 2000 * WAN * emp, e.row
        first = e.row["industries"].split(";")[0]
        if first in software:
            assert rev <= 300 * WAN * emp, e.row
            per["software"].append(rev / emp)
        elif first in manufacturing:
            per["manufacturing"].append(rev / emp)
    assert checked > 0.7 * N
    med = {k: sorted(v)[len(v) // 2] for k, v in per.items()}
    assert med["manufacturing"] > med["software"], med


def test_financial_years_are_consistent(ents):
    grown = []
    for e in ents:
        if e.fy is not None:
            # no figures for a year before the firm was founded
            if e.rev[2023] is not None or e.rd[2023] is not None:
                assert e.fy <= 2022, e.row
            for year in e.tiers.values():
                assert year >= e.fy, e.row
        if e.rev[2023] and e.rev[2024] and not e.pre_revenue:
            g = e.rev[2024] / e.rev[2023]
            assert 0.6 <= g <= 4.0, e.row
            grown.append(g)
            if e.rd[2023] is not None and e.rd[2024] is not None and e.rd[2023] and e.rd[2024]:
                ratio = (e.rd[2024] / e.rev[2024]) / (e.rd[2023] / e.rev[2023])
                assert 0.4 < ratio < 2.5, e.row  # the R&D share moves, it is not drawn anew
    assert len(grown) > 0.5 * N
    assert 1.0 < sorted(grown)[len(grown) // 2] < 1.3


def _hnte_share(revenue: int) -> float:
    """国科发火〔2016〕32号 第十一条(五)."""
    return 0.05 if revenue <= 5000 * WAN else 0.04 if revenue <= 2 * YI else 0.03


def test_every_tier_holder_meets_the_tier_definition(ents):
    held = Counter(t for e in ents for t in e.tiers)
    for tier in ("科技型中小企业", "高新技术企业", "专精特新企业", "瞪羚企业", "拟上市企业", "上市企业", "总部企业",
                 "领军企业"):
        assert held[tier] >= 10, (tier, held)
    for e in ents:
        t, rev, rd, emp, cap, age, share = e.tiers, e.rev[2024], e.rd[2024], e.emp, e.cap, e.age, e.share()
        if "科技型中小企业" in t:  # 国科发政〔2017〕115号: ≤500 staff, ≤2亿 sales, R&D score above 0
            assert emp is None or emp <= 500, e.row
            assert rev is None or rev <= 2 * YI, e.row
            assert e.pre_revenue or share is None or share >= 0.02, e.row
        if "高新技术企业" in t:  # 国科发火〔2016〕32号: a year old, R&D share by sales band
            assert not e.pre_revenue and (e.fy is None or t["高新技术企业"] >= e.fy + 1), e.row
            assert share is None or rev is None or share >= _hnte_share(rev), e.row
        if "专精特新企业" in t:  # 工信部企业〔2022〕63号: an SME, 2 years on, R&D ≥ 100万 and ≥ 3%, sales ≥ 1000万
            assert emp is None or emp < 1000, e.row
            assert rev is None or 1000 * WAN <= rev < 4 * YI, e.row
            assert rd is None or rd >= 100 * WAN, e.row
            assert share is None or share >= 0.03, e.row
            assert age is None or age >= 2, e.row
        if "瞪羚企业" in t:  # young and growing fast
            assert age is None or age <= 10, e.row
            assert rev is None or rev >= 1000 * WAN, e.row
            if rev is not None and e.rev[2023] is not None:
                assert rev >= 1.2 * e.rev[2023], e.row
        if "上市企业" in t:  # 股本 ≥ 3000万元, three years of business
            assert e.row["listed"] in ("true", "") and e.row["ticker"], e.row
            assert cap is None or cap >= 3000 * WAN, e.row
            assert age is None or age >= 3, e.row
        if e.row["listed"] == "true" or e.row["ticker"]:
            assert "上市企业" in t, e.row
        if "拟上市企业" in t:
            assert "上市企业" not in t and e.row["listed"] != "true", e.row
            assert (rev is None or rev >= YI) and (age is None or age >= 3), e.row
        kinds = [k for k in ("规模型总部", "研发型总部", "上市企业总部", "其他总部") if k in t]
        if "总部企业" in t:  # a large firm, in exactly one category
            assert (cap is None or cap >= 5000 * WAN) and (rev is None or rev >= YI), e.row
            assert len(kinds) == 1, e.row
        else:
            assert not kinds, e.row
        if "规模型总部" in t:
            assert (rev is None or rev >= 10 * YI) and (emp is None or emp >= 50), e.row
        if "研发型总部" in t:
            assert rd is None or rd >= 5000 * WAN, e.row
        if "上市企业总部" in t:
            assert "上市企业" in t, e.row
        if "领军企业" in t:
            assert rev is None or rev >= 5 * YI, e.row
        if "链主企业" in t:
            assert rev is None or rev >= 10 * YI, e.row
        if "新型研发机构" in t:
            assert e.pre_revenue or share is None or share >= 0.30, e.row
        if "科技型企业" in t:
            assert e.pre_revenue or share is None or share >= 0.01, e.row


def test_registered_capital_follows_size(ents):
    small = sorted(e.cap for e in ents if e.cap and e.emp is not None and e.emp <= 10)
    large = sorted(e.cap for e in ents if e.cap and e.emp is not None and e.emp >= 100)
    assert small[len(small) // 2] * 5 < large[len(large) // 2]
    for e in ents:
        if e.cap and e.emp is not None and e.emp <= 10 and not e.pre_revenue and not e.tiers:
            assert e.cap <= 5000 * WAN, e.row


def test_funds_never_invest_beyond_their_size(made, ents):
    out, _ = made
    size = {f["name"]: yuan(f["size"]) for f in rows(out / "funds.csv")}
    founded = {e.row["uscc"]: e.founded for e in ents}
    invested = Counter()
    for r in rows(out / "investments.csv"):
        amount = yuan(r["amount"])
        invested[r["fund"]] += amount
        # a deal is 0.1%–20% of its fund
        assert 0.001 * size[r["fund"]] <= amount <= 0.2 * size[r["fund"]], r
        if r["round"] == "天使轮":
            assert amount <= 500 * WAN, r
        if r["round"] in ("D轮", "Pre-IPO", "战略投资"):
            assert amount >= 5000 * WAN, r
        if founded[r["uscc"]]:
            assert r["date"] >= founded[r["uscc"]], r
    assert invested and all(invested[f] <= size[f] for f in invested)
    # funds are used: the typical fund makes several deals
    deals = Counter(r["fund"] for r in rows(out / "investments.csv"))
    assert sorted(deals.values())[len(deals) // 2] >= 5


def test_programmes_select_plausible_firms(made, ents):
    out, _ = made
    by_code = {e.row["uscc"]: e for e in ents}
    names = canonical()
    talent = {"5050计划", "青链行动", "天堂硅谷人才行动", "滨朋远至·江成大业"}
    seen = Counter()
    for r in rows(out / "selections.csv"):
        e, prog, year = by_code[r["uscc"]], names[r["programme"]], int(r["year"])
        seen[prog in talent] += 1
        if e.fy is not None:
            assert e.fy <= year <= 2024, r
        if prog in talent:  # start-ups of talents: selected in their first years, still small
            assert e.fy is None or year - e.fy <= 3, r
            assert e.emp is None or e.emp <= 100, r
        else:  # 领军企业跨越发展计划: established, large firms
            assert e.rev[2024] is None or e.rev[2024] >= YI, r
    assert seen[True] > 10 * seen[False] > 0
