"""A synthetic enterprise registry, in exactly the import formats: ``policykg synth``.

No real registry can be shipped, so this makes one that is realistic enough to exercise loading,
matching and gap analysis at scale. Everything is invented, and says so: every enterprise is
named ``合成测试企业0000001号（虚构）``, every fund ``合成测试基金01号（虚构）``, every enterprise
row has ``synthetic = true``, tickers start with ``SYN``, and the USCCs (valid per GB 32100-2015,
unique) use an organisation-code series starting ``XY``, which real codes do not use.

What it makes (CSV, English headers, UTF-8), for ``n`` enterprises:

- ``enterprises.csv``: industries skewed (the first industry of the taxonomy, 智能物联, holds
  about 40%; the others follow a Zipf law), places skewed toward the district; tiers in
  realistic proportions (领军企业 about 0.1%, 专精特新 about 2%, 瞪羚企业 about 1.5%, about 70%
  with none); registered capital, employees, revenue (2023, 2024) and R&D spend log-normal
  (heavy-tailed); each optional column empty in about 10% of rows; capital partly written with
  units (``1200万元``) and partly in foreign currency, as real exports do.
- ``funds.csv``: a few dozen funds, sizes heavy-tailed.
- ``investments.csv``: about 15% of enterprises, amounts heavy-tailed, funds Zipf-distributed.
- ``selections.csv``: about 3% of enterprises, in the taxonomy's programmes.
- ``grants.csv``: about 5% of enterprises, under measures of the packaged seed policy.

The output depends only on ``n`` and ``seed``: the same arguments give the same bytes. It streams
(one pass, constant memory), so a million enterprises take seconds, not gigabytes.
"""

from __future__ import annotations

import bisect
import csv
import math
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from policykg.errors import PolicyKGError
from policykg.ingest.uscc import ALPHABET, check_character

__all__ = ["COLUMNS", "synth"]

#: the columns written, per file (the English names of policykg/graph/imports.yaml)
COLUMNS: dict[str, list[str]] = {
    "enterprises": ["uscc", "name", "founded", "registered_capital", "currency", "employees", "revenue_2023",
                    "revenue_2024", "rd_spend_2023", "rd_spend_2024", "industries", "place", "tax_place", "tiers",
                    "listed", "ticker", "synthetic"],
    "funds": ["name", "size", "currency", "manager", "kind"],
    "investments": ["fund", "uscc", "enterprise_name", "amount", "currency", "date", "round"],
    "selections": ["uscc", "enterprise_name", "programme", "category", "year"],
    "grants": ["uscc", "enterprise_name", "clause", "amount", "currency", "year"],
}

MISSING = 0.10  # share of empty cells in each optional column
# Tier shares (independent draws; about 70% of enterprises end with none). Names as in the taxonomy.
TIER_SHARES = {
    "科技型中小企业": 0.18, "高新技术企业": 0.08, "科技型企业": 0.04, "外贸企业": 0.03, "专精特新企业": 0.02,
    "瞪羚企业": 0.015, "拟上市企业": 0.005, "上市企业": 0.003, "总部企业": 0.003, "领军企业": 0.001,
    "链主企业": 0.0005, "新型研发机构": 0.0005,
}
# How much bigger (revenue, capital) an enterprise of a tier is than one without.
TIER_SCALE = {"领军企业": 40.0, "链主企业": 30.0, "上市企业": 25.0, "总部企业": 15.0, "拟上市企业": 8.0,
              "瞪羚企业": 5.0, "专精特新企业": 4.0, "高新技术企业": 2.0}
ISSUERS = ["区科技局", "区经信局", "市经信局", "省经信厅", "市科技局"]
ROUNDS = ["天使轮", "Pre-A轮", "A轮", "B轮", "C轮", "D轮", "Pre-IPO", "战略投资"]
FUND_KINDS = ["政府引导基金", "产业投资基金", "创业投资基金", "天使投资基金", "并购基金"]
CATEGORIES = {"5050计划": ["A类", "B类", "C类", "D类"], "青链行动": ["青链人才"]}
# industries that name a class of industries, not a line of business: no enterprise is put in them
CLASS_INDUSTRIES = {"战略性新兴产业", "未来产业", "高技术产业"}
REGION = "330108"  # 杭州市滨江区
LAST_DAY = (2024, 12, 31)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_SPACE = 31 ** 6


def _org_check(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def synthetic_uscc(i: int, offset: int = 0) -> str:
    """The ``i``-th synthetic USCC (0 <= i < 31**6): 91 + 330108 + XY…, check characters valid."""
    k = (i * 387_420_489 + offset) % _SPACE  # a bijection of [0, 31**6): codes are unique
    digits = []
    for _ in range(6):
        k, r = divmod(k, 31)
        digits.append(ALPHABET[r])
    body = "XY" + "".join(reversed(digits))
    first17 = "91" + REGION + body + _org_check(body)
    return first17 + check_character(first17)


def _cum(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, items: Sequence[Any], cum: list[float]) -> Any:
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _zipf(n: int, s: float = 1.1) -> list[float]:
    return [1.0 / (r ** s) for r in range(1, n + 1)]


def _money(rng: random.Random, yuan: float) -> str:
    """An amount as exports write it: mostly whole yuan, sometimes 万元 / 亿元."""
    r = rng.random()
    if r < 0.70 or yuan < 10_000:
        return str(int(round(yuan)))
    if r < 0.95 or yuan < 100_000_000:
        return f"{round(yuan / 10_000, 2):g}万元"
    return f"{round(yuan / 100_000_000, 4):g}亿元"


def _date(rng: random.Random, year: int, last: tuple[int, int, int] = LAST_DAY) -> str:
    month = rng.randint(1, 12 if year < last[0] else last[1])
    day = rng.randint(1, 28)
    return f"{year:04d}-{month:02d}-{day:02d}"


def _seed_clauses() -> list[str]:
    from policykg.ingest.parse import parse_bytes
    from policykg.ingest.policy import SEED, seed_bytes

    doc = parse_bytes(seed_bytes(), SEED)
    measures = [c.id for c in doc.clauses if c.kind == "measure"]
    return measures or [c.id for c in doc.clauses]


class _Taxo:
    """What the generator needs from the taxonomy, with the skews applied."""

    def __init__(self) -> None:
        from policykg.ingest.taxonomy import load_taxonomy

        tax = load_taxonomy()
        inds = [e for e in tax.entries("industry") if e.name not in CLASS_INDUSTRIES]
        if not inds:
            raise PolicyKGError("synth: the taxonomy has no industries")
        # ~40% in the first (the "1" industry), the rest Zipf over the others in file order
        rest = _zipf(len(inds) - 1)
        total = sum(rest) or 1.0
        self.industries = inds
        self.industry_cum = _cum([0.40] + [0.60 * w / total for w in rest])
        self.industry_forms = [[e.name, *e.synonyms] for e in inds]
        places = [e for e in tax.entries("place") if e.get("kind") != "layout"]
        self.places = [e.name for e in places]
        self.place_cum = _cum(_zipf(len(places), 1.3))
        tiers = {e.name: e for e in tax.entries("tier")}
        self.tiers = [(name, share, [tiers[name].name, *tiers[name].synonyms])
                      for name, share in TIER_SHARES.items() if name in tiers]
        progs = tax.entries("programme")
        progs = [e for e in progs if e.get("kind") != "frame"] or progs
        self.programmes = [e.name for e in progs]
        self.programme_cum = _cum(_zipf(len(progs), 1.0))


def synth(n: int, seed: int = 0, out_dir: Path | str = "synthetic", *, progress: bool | None = None
          ) -> dict[str, Any]:
    """Write a synthetic registry of ``n`` enterprises to ``out_dir``; return its files and counts.

    ``{"seed": s, "enterprises": n, "seconds": t, "files": {kind: {"path": ..., "rows": ...}}}``.
    """
    if n < 1:
        raise PolicyKGError("synth: --enterprises must be at least 1")
    if n > _SPACE:
        raise PolicyKGError(f"synth: at most {_SPACE} enterprises")
    started = time.perf_counter()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PolicyKGError(f"synth: cannot create {out}: {exc.strerror}") from None
    rng = random.Random(seed)
    tx = _Taxo()
    clauses = _seed_clauses()
    offset = rng.randrange(_SPACE)
    width = max(5, len(str(n)))
    counts = {k: 0 for k in COLUMNS}

    files = {k: open(out / f"{k}.csv", "w", encoding="utf-8", newline="") for k in COLUMNS}
    try:
        w = {k: csv.writer(f, lineterminator="\n") for k, f in files.items()}
        for k, cols in COLUMNS.items():
            w[k].writerow(cols)

        # --- funds: a few dozen, sizes heavy-tailed (about 1亿 to 100亿) ---------------------
        n_funds = max(12, min(60, 12 + n // 20_000))
        funds = [f"合成测试基金{j:02d}号（虚构）" for j in range(1, n_funds + 1)]
        for j, name in enumerate(funds, 1):
            size = math.exp(rng.gauss(math.log(1.5e9), 1.0))
            w["funds"].writerow([name, f"{round(size / 1e8, 2):g}亿元", "CNY",
                                 f"合成测试基金管理有限公司{(j - 1) % 7 + 1:02d}号（虚构）", rng.choice(FUND_KINDS)])
        counts["funds"] = n_funds
        fund_cum = _cum(_zipf(n_funds, 1.0))

        bar = _bar(progress, n)
        ent_w, inv_w, sel_w, grant_w = w["enterprises"], w["investments"], w["selections"], w["grants"]
        rand, gauss = rng.random, rng.gauss
        for i in range(1, n + 1):
            code = synthetic_uscc(i - 1, offset)
            name = f"合成测试企业{i:0{width}d}号（虚构）"
            # founded: most firms are young
            fy = max(1985, 2024 - int(rng.expovariate(1 / 7)))
            founded = _date(rng, fy, (2024, 6, 30))
            # tiers
            held = []
            scale = 1.0
            for tname, share, forms in tx.tiers:
                if rand() < share:
                    held.append((tname, forms))
                    scale = max(scale, TIER_SCALE.get(tname, 1.0))
            # registered capital (yuan), currency
            cap = math.exp(gauss(math.log(3e6), 1.3)) * math.sqrt(scale)
            cap = max(10_000.0, round(cap / 10_000) * 10_000)
            if rand() < 0.03:
                currency = "USD"
                cap_text = str(int(round(cap / 7 / 10_000) * 10_000 or 10_000))
            else:
                currency = "CNY" if rand() < 0.6 else ""
                cap_text = _money(rng, cap)
            employees = max(1, int(math.exp(gauss(math.log(12), 1.2)) * math.sqrt(scale)))
            # revenue and R&D spend: log-normal; young firms have no 2023 figures
            rev24 = math.exp(gauss(math.log(4e6), 1.8)) * scale
            rev23 = rev24 / math.exp(gauss(0.12, 0.3))
            rd_share = 0.01 + 0.12 * rand()
            cells_fin = [
                str(int(rev23)) if fy < 2023 else "",
                str(int(rev24)),
                str(int(rev23 * rd_share)) if fy < 2023 else "",
                str(int(rev24 * rd_share)),
            ]
            # industries: one (mostly), sometimes two, written as name or synonym
            r = rand()
            k = 0 if r < MISSING else 2 if r > 0.95 else 1
            inds = []
            for _ in range(k):
                forms = tx.industry_forms[bisect.bisect_right(tx.industry_cum, rand() * tx.industry_cum[-1])]
                form = forms[0] if len(forms) == 1 or rand() < 0.85 else forms[1 + int(rand() * (len(forms) - 1))]
                if form not in inds:
                    inds.append(form)
            place = _pick(rng, tx.places, tx.place_cum)
            r = rand()
            tax_place = place if r < 0.80 else "" if r < 0.90 else _pick(rng, tx.places, tx.place_cum)
            tiers_cell = []
            for _tname, forms in held:
                form = forms[0] if rand() < 0.8 else forms[-1]
                year = rng.randint(max(fy, 2016), 2024)
                tiers_cell.append(f"{form}:{year}:{rng.choice(ISSUERS)}" if rand() < 0.7 else f"{form}:{year}")
            listed = any(t == "上市企业" for t, _ in held)
            row = [
                code, name,
                founded if rand() >= MISSING else "",
                cap_text if rand() >= MISSING else "",
                currency,
                str(employees) if rand() >= MISSING else "",
                *[c if rand() >= MISSING else "" for c in cells_fin],
                ";".join(inds),
                place if rand() >= MISSING else "",
                tax_place,
                ";".join(tiers_cell),
                ("true" if listed else "false") if rand() >= MISSING else "",
                f"SYN{i:07d}" if listed else "",
                "true",
            ]
            ent_w.writerow(row)

            # investments: about 15% of enterprises, 1-3 rounds each
            if rand() < 0.115:
                rounds = 1 + (rand() < 0.25) + (rand() < 0.08)
                start = rng.randrange(3)
                first_year = max(fy, 2015)
                for j in range(rounds):
                    fund = funds[bisect.bisect_right(fund_cum, rand() * fund_cum[-1])]
                    amount = math.exp(gauss(math.log(8e6), 1.2)) * (1.6 ** j)
                    amount = max(100_000.0, round(amount / 10_000) * 10_000)
                    year = min(2024, first_year + j + int(rand() * 3))
                    inv_w.writerow([fund, code, name, _money(rng, amount), "CNY" if rand() < 0.5 else "",
                                    _date(rng, year), ROUNDS[min(len(ROUNDS) - 1, start + j)]])
                    counts["investments"] += 1
            # programme selections: about 3%
            if rand() < 0.03:
                prog = _pick(rng, tx.programmes, tx.programme_cum)
                cats = CATEGORIES.get(prog)
                sel_w.writerow([code, name, prog, rng.choice(cats) if cats else "入选",
                                rng.randint(max(fy, 2012), 2024)])
                counts["selections"] += 1
            # grants received: about 5%, under measures of the seed policy
            if rand() < 0.05:
                picked = rng.sample(clauses, 2 if rand() < 0.2 else 1)
                for clause in picked:
                    amount = max(10_000.0, round(math.exp(gauss(math.log(5e5), 1.0)) / 10_000) * 10_000)
                    grant_w.writerow([code, name, clause, _money(rng, amount), "",
                                      rng.randint(max(fy, 2020), 2024)])
                    counts["grants"] += 1
            if bar is not None and i % 10_000 == 0:
                bar[0].update(bar[1], completed=i)
        counts["enterprises"] = n
        if bar is not None:
            bar[0].update(bar[1], completed=n)
            bar[0].stop()
    finally:
        for f in files.values():
            f.close()
    return {
        "seed": seed, "enterprises": n, "seconds": round(time.perf_counter() - started, 3),
        "files": {k: {"path": str(out / f"{k}.csv"), "rows": counts[k]} for k in COLUMNS},
    }


def _bar(progress: bool | None, n: int) -> tuple[Any, Any] | None:
    if not (sys.stderr.isatty() if progress is None else progress):
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    p = Progress(TextColumn("synth"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                 console=Console(stderr=True))
    p.start()
    return p, p.add_task("synth", total=n)
