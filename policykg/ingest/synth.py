"""A synthetic enterprise registry, in exactly the import formats: ``policykg synth``.

No real registry can be shipped, so this makes one that is realistic enough to exercise loading,
matching and gap analysis at scale. Everything is invented, and says so: every enterprise is
named ``合成测试企业0000001号（虚构）``, every fund ``合成测试基金01号（虚构）``, every enterprise
row has ``synthetic = true``, tickers start with ``SYN``, and the USCCs (valid per GB 32100-2015,
unique) use an organisation-code series starting ``XY``, which real codes do not use.

What it makes (CSV, English headers, UTF-8), for ``n`` enterprises, with figures that hang together
(the rules, each written once, are in ``synth_rules``):

- ``enterprises.csv``: industries skewed (the first industry of the taxonomy, 智能物联, holds
  about 40%; the others follow a Zipf law), places skewed toward the district. Headcount grows with
  age; revenue is headcount times a revenue per employee within the band of the industry's kind;
  R&D a share of revenue typical of that kind; 2023 follows 2024 by a bounded growth; registered
  capital follows headcount and revenue. Some young biotech and AI firms are pre-revenue: no or
  tiny revenue, R&D paid from capital. Each firm is drawn for tiers in realistic proportions (about
  70% with none), shaped to fit them, and holds only those whose definition it meets (a 总部企业
  also its category). Each optional column empty in about 10% of rows; capital partly written with
  units (``1200万元``) and partly in foreign currency, as real exports do.
- ``investments.csv``: about 11% of enterprises (more of young tech firms and of 瞪羚 / 专精特新 /
  拟上市), rounds by the firm's stage, amounts by round.
- ``funds.csv``: made as the deals need them (at least a dozen): a deal is 0.1–20% of its fund, and
  no fund invests beyond its size, so their number grows with ``n``.
- ``selections.csv``: about 3% of enterprises: talent programmes take firms within three years of
  founding and still small, enterprise programmes large established firms.
- ``grants.csv``: about 5% of enterprises, under measures of the packaged seed policy.

The output depends only on ``n`` and ``seed``: the same arguments give the same bytes. It streams
(one pass, constant memory), so its time grows with ``n`` and its memory does not.
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
from policykg.ingest import synth_rules as R
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
ISSUERS = ["区科技局", "区经信局", "市经信局", "省经信厅", "市科技局"]
CATEGORIES = {"5050计划": ["A类", "B类", "C类", "D类"], "青链行动": ["青链人才"]}
# industries that name a class of industries, not a line of business: no enterprise is put in them
CLASS_INDUSTRIES = {"战略性新兴产业", "未来产业", "高技术产业"}
INVESTED = 0.063     # base chance that a firm has taken fund investment (scaled by INVEST_BOOST)
INVEST_BOOST = {"ai": 1.8, "biotech": 1.8, "electronics": 1.4, "software": 1.2, "manufacturing": 1.0,
                "commerce": 0.5, "services": 0.4}
SELECTED = 0.03      # chance that a firm a talent programme could select was selected
SELECTED_ENTERPRISE = 0.04
BOOSTED = {"瞪羚企业", "专精特新企业", "拟上市企业"}  # tiers whose holders draw investors
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
        self.industry_kind = [R.INDUSTRY_PROFILE.get(e.id, R.DEFAULT_PROFILE) for e in inds]
        places = [e for e in tax.entries("place") if e.get("kind") != "layout"]
        self.places = [e.name for e in places]
        self.place_cum = _cum(_zipf(len(places), 1.3))
        tiers = {e.name: e for e in tax.entries("tier")}
        self.tier_forms = {name: [name, *e.synonyms] for name, e in tiers.items()}
        self.tiers = [(name, rule) for name, rule in R.TIERS.items() if name in tiers]
        self.hq_kinds = [(name, rule) for name, rule in R.HQ_KINDS.items() if name in tiers]
        progs = [e for e in tax.entries("programme") if e.get("kind") in R.PROGRAMME_RULES]
        self.programmes = {kind: [e.name for e in progs if e.get("kind") == kind] for kind in R.PROGRAMME_RULES}
        self.programme_cum = {kind: _cum(_zipf(len(names), 1.0)) for kind, names in self.programmes.items()}


def _name_fund(index: int) -> str:
    return f"合成测试基金{index + 1:02d}号（虚构）"


def _firm(rng: random.Random, fy: int, intents: list[tuple[str, R.TierRule]], kind: str
          ) -> R.Firm:
    """The true figures of a firm founded in ``fy``, of industry kind ``kind``, shaped so that it can hold
    the tiers it was drawn for (whether it does is decided by R.holds afterwards)."""
    rand, gauss = rng.random, rng.gauss
    prof = R.PROFILES[kind]
    age = R.LAST_YEAR - fy
    rules = [r for _, r in intents]
    # bounds from the tiers drawn for (most firms have none: no bounds)
    scale, max_emp, min_rev, max_rev, min_growth, min_rd, min_cap = 1.0, None, 0.0, None, 0.0, 0.0, 0.0
    if rules:
        scale = max(r.scale for r in rules)
        max_emp = min((r.max_employees for r in rules if r.max_employees is not None), default=None)
        min_rev = max(r.min_revenue or 0 for r in rules)
        max_rev = min((r.max_revenue for r in rules if r.max_revenue is not None), default=None)
        min_growth = max(r.min_growth or 0 for r in rules)
        min_rd = max(r.min_rd or 0 for r in rules)
        min_cap = max(r.min_capital or 0 for r in rules)
    pre = (prof.pre_revenue > 0 and age <= R.PRE_REVENUE_MAX_AGE and rand() < prof.pre_revenue
           and all(r.pre_revenue_ok for r in rules))
    emp = max(1, min(80_000, int(math.exp(gauss(math.log(5) + 0.09 * min(age, 20), 1.0)) * scale ** 0.8)))
    if max_emp is not None and emp > max_emp:
        emp = max(1, int(max_emp * (0.3 + 0.6 * rand())))
    rev: dict[int, int | None] = {R.FIRST_YEAR: None, R.LAST_YEAR: None}
    rd: dict[int, int | None] = {R.FIRST_YEAR: None, R.LAST_YEAR: None}
    has_first = fy < R.FIRST_YEAR
    if pre:
        # revenue none or tiny; R&D paid from capital, per researcher
        rd[R.LAST_YEAR] = int(emp * (150_000 + 450_000 * rand()))
        if has_first:
            rd[R.FIRST_YEAR] = int(rd[R.LAST_YEAR] / math.exp(gauss(0.15, 0.2)))
        if rand() < 0.5:  # a first sale, below PRE_REVENUE_TINY and below the year's R&D
            rev[R.LAST_YEAR] = int(10_000 + rand() * (min(R.PRE_REVENUE_TINY - 10_000, rd[R.LAST_YEAR] / 2) - 10_000))
            if has_first and rand() < 0.5:
                rev[R.FIRST_YEAR] = int(min(rev[R.LAST_YEAR], rd[R.FIRST_YEAR]) / (1.2 + rand()))
    else:
        rpe = _lognormal(rng, prof.rpe, 0.5, prof.rpe_lo, prof.rpe_hi)
        if emp * rpe < min_rev:
            emp = math.ceil(min_rev * (1.05 + 1.5 * rand()) / rpe)
        if max_rev is not None and emp * rpe > max_rev:
            emp = max(1, int(max_rev * (0.4 + 0.55 * rand()) / rpe))
        r24 = int(emp * rpe)
        top = 4.0 if fy >= R.FIRST_YEAR - 1 else 2.5  # a firm in its first full years may grow faster
        g = min(top, max(0.6, math.exp(gauss(0.10, 0.22))))
        if min_growth:
            g = min(top, max(g, 1 + min_growth + 0.02 + 0.4 * rand()))
        share = _lognormal(rng, prof.rd_share, 0.6, 0.003, 0.25)
        need = max((R.required_rd_share(r, r24) for r in rules), default=0.0) if rules else 0.0
        if need:
            share = max(share, need + 0.003 + 0.03 * rand())
        if min_rd and share * r24 < min_rd:
            share = min_rd * (1.05 + 0.5 * rand()) / r24
        share = min(share, 0.6)
        rev[R.LAST_YEAR], rd[R.LAST_YEAR] = r24, int(r24 * share)
        if has_first:
            r23 = int(r24 / g)
            s23 = min(0.6, max(need + 0.001 if need else 0.0, share * math.exp(gauss(0, 0.1))))  # each year meets it
            rev[R.FIRST_YEAR], rd[R.FIRST_YEAR] = r23, int(r23 * s23)
    base = 80_000 * emp + 0.1 * (rev[R.LAST_YEAR] or 0)
    cap = _lognormal(rng, base, 0.7, base / 4, base * 4)
    if pre:
        cap = max(cap, rd[R.LAST_YEAR] * (2 + 3 * rand()))
    if min_cap:
        cap = max(cap, min_cap * (1 + rand()))
    cap = max(10_000, math.ceil(cap / 10_000) * 10_000)
    return R.Firm(fy, emp, rev, rd, int(cap), any(r.listed for r in rules), pre)


def _lognormal(rng: random.Random, median: float, sigma: float, lo: float, hi: float) -> float:
    """Log-normal around ``median``, kept within [lo, hi] by drawing again (a clip would pile firms on
    the bounds); after a few misses, the nearer bound."""
    for _ in range(6):
        x = median * math.exp(rng.gauss(0, sigma))
        if lo <= x <= hi:
            return x
    return min(hi, max(lo, x))


def _tiers(tx: _Taxo, firm: R.Firm, intents: list[tuple[str, R.TierRule]]) -> list[str]:
    """The tiers among ``intents`` that ``firm`` holds by their definitions (and its 总部 category)."""
    held = [t for t, r in intents if R.holds(r, firm)]
    if firm.listed and not any(R.TIERS[t].listed for t in held):
        firm.listed = False
        held = [t for t, r in intents if R.holds(r, firm)]
    held = [t for t in held if not any(o in held for o in R.TIERS[t].not_with)]
    if "总部企业" in held:
        held.extend(next(([h] for h, r in tx.hq_kinds if R.holds(r, firm)), []))
    return held


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
    funds = R.FundPool(rng, 12)
    round_names = list(R.ROUNDS)
    talent, talent_cum = tx.programmes.get("talent", []), tx.programme_cum.get("talent", [])
    bigs, bigs_cum = tx.programmes.get("enterprise", []), tx.programme_cum.get("enterprise", [])
    talent_rule, big_rule = R.PROGRAMME_RULES["talent"], R.PROGRAMME_RULES["enterprise"]
    last = R.LAST_YEAR

    files = {k: open(out / f"{k}.csv", "w", encoding="utf-8", newline="") for k in COLUMNS}
    try:
        w = {k: csv.writer(f, lineterminator="\n") for k, f in files.items()}
        for k, cols in COLUMNS.items():
            w[k].writerow(cols)

        bar = _bar(progress, n)
        ent_w, inv_w, sel_w, grant_w = w["enterprises"], w["investments"], w["selections"], w["grants"]
        rand, gauss = rng.random, rng.gauss
        for i in range(1, n + 1):
            code = synthetic_uscc(i - 1, offset)
            name = f"合成测试企业{i:0{width}d}号（虚构）"
            # founded: most firms are young; then the tiers it is drawn for, which may bound its age
            fy = max(1985, last - int(rng.expovariate(1 / 7)))
            intents = [(t, r) for t, r in tx.tiers if rand() < r.share]
            if intents:
                lo = max(r.min_age for _, r in intents)
                hi = min((r.max_age for _, r in intents if r.max_age is not None), default=None)
                if last - fy < lo:
                    fy = last - lo - int(rng.expovariate(1 / 3))
                if hi is not None and hi >= lo and last - fy > hi:
                    fy = last - lo - int(rand() * (hi - lo + 1))
                fy = max(1985, fy)
            founded = _date(rng, fy, (last, 6, 30))
            # industries: one (mostly), sometimes two, written as name or synonym; the first sets the kind
            r = rand()
            k = 0 if r < MISSING else 2 if r > 0.95 else 1
            inds: list[str] = []
            kind = R.DEFAULT_PROFILE
            for _ in range(k):
                at = bisect.bisect_right(tx.industry_cum, rand() * tx.industry_cum[-1])
                forms = tx.industry_forms[at]
                form = forms[0] if len(forms) == 1 or rand() < 0.85 else forms[1 + int(rand() * (len(forms) - 1))]
                if not inds:
                    kind = tx.industry_kind[at]
                if form not in inds:
                    inds.append(form)
            firm = _firm(rng, fy, intents, kind)
            held = _tiers(tx, firm, intents) if intents else []
            cap = firm.capital
            if rand() < 0.03:
                currency = "USD"
                cap_text = str(int(round(cap / 7 / 10_000) * 10_000 or 10_000))
            else:
                currency = "CNY" if rand() < 0.6 else ""
                cap_text = _money(rng, cap)
            cells_fin = [firm.revenue[R.FIRST_YEAR], firm.revenue[last], firm.rd[R.FIRST_YEAR], firm.rd[last]]
            place = _pick(rng, tx.places, tx.place_cum)
            r = rand()
            tax_place = place if r < 0.80 else "" if r < 0.90 else _pick(rng, tx.places, tx.place_cum)
            tiers_cell = []
            for t in held:
                forms = tx.tier_forms[t]
                form = forms[0] if rand() < 0.8 else forms[-1]
                rule = R.TIERS.get(t) or R.TIERS["总部企业"]
                year = rng.randint(max(fy + rule.min_age, 2016), last)
                tiers_cell.append(f"{form}:{year}:{rng.choice(ISSUERS)}" if rand() < 0.7 else f"{form}:{year}")
            listed = firm.listed
            row = [
                code, name,
                founded if rand() >= MISSING else "",
                cap_text if rand() >= MISSING else "",
                currency,
                str(firm.employees) if rand() >= MISSING else "",
                *["" if c is None or rand() < MISSING else str(c) for c in cells_fin],
                ";".join(inds),
                place if rand() >= MISSING else "",
                tax_place,
                ";".join(tiers_cell),
                ("true" if listed else "false") if rand() >= MISSING else "",
                f"SYN{i:07d}" if listed else "",
                "true",
            ]
            ent_w.writerow(row)

            # investments: rounds fit the firm's stage; each deal fits its fund (see synth_rules.FundPool)
            age = last - fy
            p = INVESTED * INVEST_BOOST.get(kind, 1.0) * (1.5 if age <= 8 else 0.6)
            if any(t in BOOSTED for t in held):
                p *= 3
            if rand() < p:
                rounds = 1 + (rand() < 0.25) + (rand() < 0.08)
                stage = _stage(firm, rand)
                first_year = max(fy, 2015)
                for j in range(rounds):
                    rname = "战略投资" if firm.listed else round_names[min(6, stage + j)]
                    lo_amt, hi_amt, kinds = R.ROUNDS[rname]
                    amount = max(10_000, round(lo_amt * (hi_amt / lo_amt) ** rand() / 10_000) * 10_000)
                    fund = funds.place(kinds, amount)
                    date = max(founded, _date(rng, min(last, first_year + j + int(rand() * 3))))
                    inv_w.writerow([_name_fund(fund), code, name, _money(rng, amount),
                                    "CNY" if rand() < 0.5 else "", date, rname])
                    counts["investments"] += 1
            # programme selections: talent programmes take young small firms, enterprise ones large firms
            if talent and fy >= 2012 and rand() < SELECTED and R.selectable(talent_rule, firm):
                prog = _pick(rng, talent, talent_cum)
                cats = CATEGORIES.get(prog)
                year = min(last, fy + int(rand() * (talent_rule.max_age_at_selection + 1)))
                sel_w.writerow([code, name, prog, rng.choice(cats) if cats else "入选", year])
                counts["selections"] += 1
            elif bigs and rand() < SELECTED_ENTERPRISE and R.selectable(big_rule, firm):
                prog = _pick(rng, bigs, bigs_cum)
                sel_w.writerow([code, name, prog, "入选", rng.randint(max(fy + big_rule.min_age, 2016), last)])
                counts["selections"] += 1
            # grants received: about 5%, under measures of the seed policy
            if rand() < 0.05:
                picked = rng.sample(clauses, 2 if rand() < 0.2 else 1)
                for clause in picked:
                    amount = max(10_000.0, round(math.exp(gauss(math.log(5e5), 1.0)) / 10_000) * 10_000)
                    grant_w.writerow([code, name, clause, _money(rng, amount), "",
                                      rng.randint(max(fy, 2020), last)])
                    counts["grants"] += 1
            if bar is not None and i % 10_000 == 0:
                bar[0].update(bar[1], completed=i)
        # funds last: they are made as the deals need them
        fund_w = w["funds"]
        for j, (fkind, size) in enumerate(funds.rows):
            fund_w.writerow([_name_fund(j), f"{round(size / 1e8, 2):g}亿元", "CNY",
                             f"合成测试基金管理有限公司{j // 8 + 1:02d}号（虚构）", fkind])
        counts["funds"] = len(funds.rows)
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


def _stage(firm: R.Firm, rand: Any) -> int:
    """The index in R.ROUNDS of a firm's first round: by its revenue (by its age when pre-revenue)."""
    if firm.pre_revenue:
        return min(3, firm.age // 2)
    r = firm.revenue[R.LAST_YEAR] or 0
    stage = 0 if r < 5_000_000 else 1 if r < 30_000_000 else 2 if r < 100_000_000 else 3 if r < 500_000_000 else 4
    return min(6, stage + int(rand() * 2))


def _bar(progress: bool | None, n: int) -> tuple[Any, Any] | None:
    if not (sys.stderr.isatty() if progress is None else progress):
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    p = Progress(TextColumn("synth"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                 console=Console(stderr=True))
    p.start()
    return p, p.add_task("synth", total=n)
