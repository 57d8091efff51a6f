"""The columnar fast path of `policykg load` gives what the per-record path gives — on both backends.

Same graph (counts and a digest of every node's and relationship's properties), byte-identical
rejects files, equal reports; over the synthetic registry with corrupted rows mixed in, the
malformed corpus, the good tables and a GB18030 file (which the fast path leaves to the
per-record reader).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from policykg.ingest.load import load_paths
from policykg.ingest.synth import synth
from tests.test_load import FIXTURES, good, seed_id

pytestmark = pytest.mark.backend


def digest(backend) -> dict[str, str]:
    """Per label and relationship type: the count and a hash of every property of every element."""
    out = {}
    for label in backend.schema.nodes:
        rows = backend.read_cypher(f"MATCH (n:{label}) RETURN n", max_rows=10**7, timeout=300).rows
        items = sorted(json.dumps({k: v for k, v in r[0].items() if not k.startswith("_")}, sort_keys=True,
                                  ensure_ascii=False, default=str) for r in rows)
        out[label] = f"{len(items)}:" + hashlib.sha256("\n".join(items).encode()).hexdigest()
    for rel_type in backend.schema.relationships:
        rows = backend.read_cypher(f"MATCH (a)-[r:{rel_type}]->(b) RETURN a.id, b.id, r", max_rows=10**7,
                                   timeout=300).rows
        items = sorted(json.dumps([r[0], r[1], {k: v for k, v in r[2].items() if not k.startswith("_")}],
                                  sort_keys=True, ensure_ascii=False, default=str) for r in rows)
        out[rel_type] = f"{len(items)}:" + hashlib.sha256("\n".join(items).encode()).hexdigest()
    return out


def _edit(path: Path, edits: dict[int, dict[str, str]], extra: list[dict[str, str]] = (), encoding="utf-8") -> None:
    """Set cells (line number -> column -> text) of a CSV file, and append rows."""
    import csv
    import io

    with open(path, encoding=encoding, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for line, cells in edits.items():
        for col, text in cells.items():
            rows[line - 1][header.index(col)] = text
    for cells in extra:
        rows.append([cells.get(h, "") for h in header])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding=encoding)


def make_registry(folder: Path) -> None:
    """The synthetic registry (2,000 firms) with corrupted rows mixed in, the malformed corpus,
    the good tables and a GB18030 file with Chinese headers and a unit in the header."""
    synth(2000, seed=3, out_dir=folder)
    import csv

    with open(folder / "enterprises.csv", encoding="utf-8", newline="") as f:
        ents = list(csv.DictReader(f))
    code = [e["uscc"] for e in ents]
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code[20])
    _edit(folder / "enterprises.csv", {
        2: {"uscc": code[0][:17] + ("A" if code[0][17] != "A" else "B")},  # bad check character
        3: {"founded": "2023-02-30"}, 4: {"founded": "2023/3/1"}, 5: {"founded": "2999-01-01"},
        6: {"founded": "20200105"}, 7: {"registered_capital": "5000万元"}, 8: {"registered_capital": "１２３４"},
        9: {"registered_capital": "12.5"}, 10: {"registered_capital": "-5"}, 11: {"registered_capital": "abc"},
        12: {"registered_capital": "300", "currency": "美元"}, 13: {"registered_capital": "1000万美元", "currency": "CNY"},
        14: {"name": "  名字有空格  "}, 15: {"name": " "}, 16: {"industries": "不存在的产业"},
        17: {"revenue_2023": "100万元"}, 18: {"revenue_2024": "1.5"}, 19: {"rd_spend_2024": "abc"},
        20: {"employees": "1,200"}, 21: {"employees": "12人", "listed": "是"}, 22: {"uscc": full_width},
        23: {"uscc": code[21].lower()}, 24: {"tiers": "不存在:2020"}, 25: {"tiers": "专精特新企业:1800"},
        26: {"place": "火星"}, 27: {"currency": "XYZ"}, 28: {"employees": "-3"}, 29: {"listed": "maybe"},
        30: {"revenue_2023": "１２３"}, 31: {"ticker": " SYN9 "}, 32: {"uscc": ""},
        33: {"uscc": "91330108XY000CT79"},
    }, extra=[
        dict(ents[100]),  # the same record again: a duplicate, loaded once
        {**ents[101], "name": "另一个名字（虚构）"},  # the same key, other values: rejected
        {k: "" for k in ents[0]},  # all empty: skipped
    ])
    # a second enterprises file: keys seen in the first file, same and different values
    with open(folder / "enterprises_more.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(ents[0]), lineterminator="\n")
        w.writeheader()
        w.writerow(ents[200])
        w.writerow({**ents[201], "employees": "99999"})
        w.writerow({**ents[202], "uscc": ents[202]["uscc"]})
    with open(folder / "investments.csv", encoding="utf-8", newline="") as f:
        inv = list(csv.DictReader(f))
    _edit(folder / "investments.csv", {
        2: {"uscc": "91330108XY000CT79H"},  # not loaded, not in the graph
        3: {"uscc": code[0]},  # its enterprise was rejected
        4: {"fund": "不存在的基金（虚构）"}, 5: {"amount": "5000万美元", "currency": "CNY"}, 6: {"date": "2023-13-01"},
        7: {"amount": "12.34"}, 8: {"fund": ""}, 9: {"uscc": code[22].lower()},
    }, extra=[dict(inv[50]), {**inv[51], "round": "Z轮"}])
    _edit(folder / "selections.csv", {2: {"programme": "不存在的计划"}, 3: {"year": "1800"}, 4: {"uscc": code[0]}})
    with open(folder / "selections.csv", encoding="utf-8", newline="") as f:
        sel = list(csv.DictReader(f))
    _edit(folder / "selections.csv", {}, extra=[{**sel[10], "year": "2019"}, {**sel[11], "year": "2030"}])
    _edit(folder / "grants.csv", {2: {"clause": "doc-000000000000:m1"}, 3: {"clause": "xyz"},
                                  4: {"clause": f"{seed_id()}:m999"}, 5: {"amount": "30万元"},
                                  6: {"year": "去年"}, 7: {"uscc": code[0]}})
    # the malformed corpus and the good tables, each file under its own name
    for f in sorted((FIXTURES / "corpus").iterdir()):
        shutil.copy(f, folder / f"{f.stem}-corpus{f.suffix}")
    g = good(folder.parent / "good-src")
    for f in g.iterdir():
        shutil.copy(f, folder / f"{f.stem}-good{f.suffix}")
    # GB18030, Chinese headers, a unit in the header (the per-record reader reads it)
    lines = ["统一社会信用代码,企业名称,注册资本(万元),成立日期,所属产业",
             f"{code[300]},{ents[300]['name']},120,2020-01-01,集成电路",
             f"{code[301]},测试企业（虚构）,abc,2020-01-01,集成电路",
             f"{code[0][:17]}Q,坏代码（虚构）,5,2020-01-01,集成电路"]
    (folder / "企业名录_gb.csv").write_bytes(("\n".join(lines) + "\n").encode("gb18030"))


def run(backend, folder: Path, fast: bool, chunk_size: int | None = None):
    report = load_paths(backend, [folder], fast=fast, chunk_size=chunk_size)
    rep = report.to_dict()
    rep.pop("seconds")
    for t in rep["tables"]:
        t["rejects_file"] = t["rejects_file"] and Path(t["rejects_file"]).name
    rejected = {p.name: p.read_bytes() for p in sorted(folder.glob("*.rejects.csv"))}
    return rep, rejected, digest(backend)


def test_fast_path_equals_per_record_path(backend, tmp_path, monkeypatch):
    import policykg.ingest.load as load_module

    monkeypatch.setattr(load_module, "WRITE_ROWS", 1000)  # enterprises written in several bulk writes
    src = tmp_path / "src"
    make_registry(src)
    slow_dir, fast_dir = tmp_path / "slow", tmp_path / "fast"
    shutil.copytree(src, slow_dir)
    shutil.copytree(src, fast_dir)
    slow = run(backend, slow_dir, fast=False)
    backend.clear()
    fast = run(backend, fast_dir, fast=True, chunk_size=700)  # several chunks per table
    assert slow[0] == fast[0]
    assert slow[1].keys() == fast[1].keys()
    for name in slow[1]:
        assert slow[1][name] == fast[1][name], name
    assert slow[2] == fast[2]
    assert fast[0]["rejected"] > 50 and fast[0]["kinds"]["enterprises"]["duplicates"] >= 2
    # idempotent: the same files again change nothing; then the per-record path agrees too
    again = run(backend, fast_dir, fast=True)
    assert again[2] == fast[2] and again[1] == fast[1]
    assert run(backend, slow_dir, fast=False)[2] == fast[2]


def test_fast_path_updates_keys_already_in_the_graph(backend, tmp_path):
    """Loading into a graph that has some of the keys updates them as the per-record path does."""
    first, second = tmp_path / "first", tmp_path / "second"
    synth(600, seed=9, out_dir=first)
    synth(900, seed=10, out_dir=second)
    # the second registry changes values of firms of the first: same keys, new values
    import csv

    with open(first / "enterprises.csv", encoding="utf-8", newline="") as f:
        old = list(csv.DictReader(f))
    with open(second / "enterprises.csv", "a", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(old[0]), lineterminator="\n")
        for e in old[:200]:
            w.writerow({**e, "employees": "77", "tiers": "", "revenue_2024": "123"})
    results = []
    for fast in (False, True):
        backend.clear()
        load_paths(backend, [first], fast=fast)
        rep, rejected, dig = run(backend, second, fast=fast)
        results.append((rep, rejected, dig))
    assert results[0] == results[1]


def test_vectorised_uscc_check_agrees_with_the_validator():
    """The column-wise USCC check (one block of bytes, or a gather when lengths differ) accepts
    exactly the cells uscc.is_valid accepts as they stand, at any offset into the array."""
    import random

    import numpy as np
    import pyarrow as pa

    from policykg.ingest import uscc
    from policykg.ingest.columnar import _uscc_ok

    rnd = random.Random(7)
    good_codes = []
    for _ in range(3000):
        body = "".join(rnd.choice(uscc.ALPHABET) for _ in range(17))
        good_codes.append(body + uscc.check_character(body))
    bad = [good_codes[0][:17] + ("A" if good_codes[0][17] != "A" else "B"), good_codes[1].lower(),
           good_codes[2][:10], "９" + good_codes[3][1:], good_codes[4] + "X", "",
           good_codes[5][:5] + "I" + good_codes[5][6:], good_codes[6][:5] + "?" + good_codes[6][6:]]
    mixed = good_codes[:1000] + bad + good_codes[1000:]
    for cells in (good_codes, mixed, mixed[:1], []):
        col = pa.array(cells, pa.string())
        for part in (col, col.slice(3), col.slice(0, max(len(col) - 2, 0))):
            want = np.array([len(c) == 18 and uscc.is_valid(c) for c in part.to_pylist()], dtype=bool)
            assert (_uscc_ok(part, len(part)) == want).all()


def test_seed_put_in_place_by_a_load_equals_the_seed_ingested_first(backend, tmp_path):
    """A load whose grants refer to the seed policy writes it (on the writer thread, after the
    taxonomy, while the tables are read): the same graph as ingesting the seed first."""
    from policykg.ingest.policy import ingest_seed

    folder = tmp_path / "reg"
    synth(300, seed=12, out_dir=folder)
    first = load_paths(backend, [folder])
    assert any(r.startswith("seed policy") for r in first.reference) and first.ok
    put_by_load = digest(backend)
    backend.clear()
    ingest_seed(backend)
    second = load_paths(backend, [folder])
    assert not any(r.startswith("seed policy") for r in second.reference) and second.ok
    assert digest(backend) == put_by_load
    assert load_paths(backend, [folder]).ok and digest(backend) == put_by_load  # again: nothing changes
