"""`policykg load`: validation, rejects with reasons, idempotent loads — on both real backends."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policykg.errors import ParseError
from policykg.ingest.load import fund_id, load_paths
from policykg.ingest.synth import synth

pytestmark = pytest.mark.backend

FIXTURES = Path(__file__).parent / "fixtures" / "tabular"
BIN = Path(sys.executable).with_name("policykg")
A, B, C, D = "91330108XY000CT79H", "91330108XYDGG0WB3D", "91330108XYU20KYF40", "91330108XY9JG81K7Y"


def seed_id() -> str:
    from policykg.ingest.parse import parse_bytes
    from policykg.ingest.policy import SEED, seed_bytes

    return parse_bytes(seed_bytes(), SEED).document.id


def good(tmp_path: Path) -> Path:
    """A copy of the good tables (rejects files are written beside the inputs)."""
    dest = tmp_path / "good"
    shutil.copytree(FIXTURES / "good", dest)
    template = dest / "grants.csv.template"
    (dest / "grants.csv").write_text(template.read_text(encoding="utf-8").replace("{seed}", seed_id()),
                                     encoding="utf-8")
    template.unlink()
    return dest


def corpus(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / "corpus"
    dest.mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "corpus" / name, dest / name)
    return dest / name


def rejects(path: str | Path) -> list[dict[str, str]]:
    raw = Path(path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "rejects files are UTF-8 with BOM"
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def one(backend, cypher: str, **params):
    return backend.read_cypher(cypher, params).rows


def assert_adds_up(report) -> None:
    for t in report.tables:
        assert t.read == t.loaded + t.rejected, t
        if t.rejected:
            assert t.rejects_file and len(rejects(t.rejects_file)) == t.rejected
        else:
            assert t.rejects_file is None
    assert report.read == report.loaded + report.rejected


# --------------------------------------------------------------------------------------------
# Good tables
# --------------------------------------------------------------------------------------------

def test_good_tables_load_with_their_values(backend, tmp_path):
    report = load_paths(backend, [good(tmp_path)])
    assert_adds_up(report)
    assert report.ok
    assert report.by_kind() == {
        "enterprises": {"read": 4, "loaded": 4, "rejected": 0, "duplicates": 0},
        "funds": {"read": 2, "loaded": 2, "rejected": 0, "duplicates": 0},
        "investments": {"read": 3, "loaded": 3, "rejected": 0, "duplicates": 0},
        "selections": {"read": 3, "loaded": 3, "rejected": 0, "duplicates": 0},
        "grants": {"read": 2, "loaded": 2, "rejected": 0, "duplicates": 0},
    }
    assert any("seed policy" in r for r in report.reference)  # grants refer to its clauses
    counts = backend.counts()
    assert counts["nodes"]["Enterprise"] == 4 and counts["nodes"]["Investment"] == 3
    assert counts["nodes"]["Grant"] == 2 and counts["nodes"]["Financial"] == 5
    assert counts["nodes"]["Industry"] > 20  # the taxonomy was put in place

    rows = one(backend, "MATCH (e:Enterprise {id: $id}) RETURN e.name, e.founded, e.registered_capital, e.currency, "
                        "e.registered_capital_cny, e.employees, e.revenue_cny, e.rd_spend_cny, e.figures_year, "
                        "e.listed", id=A)
    assert rows == [["测试企业甲（虚构）", "2015-03-02", 50_000_000.0, "CNY", 50_000_000, 120, 120_000_000, 9_000_000,
                     2024, False]]
    rows = one(backend, "MATCH (e:Enterprise {id: $id}) RETURN e.founded, e.registered_capital, e.currency, "
                        "e.registered_capital_cny, e.revenue_cny, e.figures_year", id=B)
    assert rows == [["2019-07-01", 1000.0, "USD", None, 23_000_000, 2024]]
    rows = one(backend, "MATCH (e:Enterprise {id: $id})-[:REPORTED]->(f:Financial) RETURN f.id, f.year, f.revenue_cny, "
                        "f.rd_spend_cny ORDER BY f.year", id=C)
    assert rows == [[f"{C}:2023", 2023, 500_000_000, None], [f"{C}:2024", 2024, 600_000_000, 30_000_000]]
    assert one(backend, "MATCH (e:Enterprise {id: $id}) RETURN e.employees, e.listed, e.ticker", id=C) == [
        [1200, True, "SYN0001"]]
    rows = one(backend, "MATCH (e:Enterprise)-[:IN_INDUSTRY]->(i:Industry) RETURN e.id, i.id")
    assert sorted(map(tuple, rows)) == sorted([(A, "ind-integrated-circuits"), (A, "ind-intelligent-iot"),
                                               (C, "ind-biomedicine"), (B, "ind-integrated-circuits")])
    rows = one(backend, "MATCH (e:Enterprise)-[l:LOCATED_IN]->(p:Place) RETURN e.id, l.kind, p.id")
    assert sorted(map(tuple, rows)) == sorted([
        (A, "address+tax", "place-binjiang"), (B, "address", "place-smart-manufacturing-supply-town"),
        (B, "tax", "place-jiangbei-block"), (C, "address", "place-binfu-zone")])
    rows = one(backend, "MATCH (e:Enterprise)-[h:HAS_TIER]->(t:Tier) RETURN e.id, t.id, h.year, h.issuer")
    assert sorted(map(tuple, rows), key=str) == sorted([
        (A, "tier-gazelle", 2023, "区科技局"), (A, "tier-specialised-sme", 2024, None),
        (B, "tier-tech-sme", 2024, None), (C, "tier-listed", 2021, "证监会"),
        (C, "tier-leading-enterprise", 2022, None)], key=str)
    # funds: a taxonomy fund keeps the taxonomy's id and English name
    rows = one(backend, "MATCH (f:Fund {id: 'fund-sci-tech-industry'}) RETURN f.name, f.name_en IS NOT NULL, f.size_cny")
    assert rows == [["科创产业基金", True, 5_000_000_000]]
    fid = fund_id("测试基金一号（虚构）")
    assert fid.startswith("fund-")
    rows = one(backend, "MATCH (f:Fund)-[:MADE]->(i:Investment)-[:INVESTED_IN]->(e:Enterprise) "
                        "RETURN f.id, e.id, i.amount, i.currency, i.amount_cny, i.date, i.round")
    assert sorted(map(tuple, rows), key=str) == sorted([
        (fid, A, 30_000_000.0, "CNY", 30_000_000, "2023-05-06", "B轮"),
        ("fund-sci-tech-industry", C, 100_000_000.0, "CNY", 100_000_000, "2022-01-15", "战略投资"),
        ("fund-5050-talent-direct", B, 2_000_000.0, "USD", None, "2024-02-01", "天使轮")], key=str)
    # SELECTED_IN is identified by its endpoints: the later year replaced the earlier one
    rows = one(backend, "MATCH (e:Enterprise)-[s:SELECTED_IN]->(p:Programme) RETURN e.id, p.id, s.category, s.year")
    assert sorted(map(tuple, rows), key=str) == sorted([(A, "prog-5050", "A类", 2023),
                                                        (B, "prog-qinglian", None, 2024)], key=str)
    rows = one(backend, "MATCH (e:Enterprise)-[:RECEIVED]->(g:Grant)-[:GRANTED_UNDER]->(c:Clause) "
                        "RETURN e.id, c.id, g.amount_cny, g.year")
    sid = seed_id()
    assert sorted(map(tuple, rows)) == sorted([(A, f"{sid}:m16", 500_000, 2023), (C, f"{sid}:m13", 3_000_000, 2024)])


def test_loading_twice_changes_nothing(backend, tmp_path):
    folder = good(tmp_path)
    load_paths(backend, [folder])
    first = backend.counts()
    props = one(backend, "MATCH (e:Enterprise) RETURN e ORDER BY e.id")
    again = load_paths(backend, [folder])
    assert again.ok and again.loaded == again.read == 14
    assert backend.counts() == first
    assert one(backend, "MATCH (e:Enterprise) RETURN e ORDER BY e.id") == props


def test_small_chunks_give_the_same_graph(backend, tmp_path):
    """Chunk boundaries (duplicates and references across chunks) change nothing."""
    folder = good(tmp_path)
    shutil.copy(FIXTURES / "corpus" / "enterprises-duplicates.csv", folder / "enterprises-dups.csv")
    report = load_paths(backend, [folder], chunk_size=1)
    assert_adds_up(report)
    assert report.rejected == 1 and report.loaded == 17
    assert backend.counts()["nodes"]["Enterprise"] == 6


# --------------------------------------------------------------------------------------------
# The malformed corpus: each file gives its own reason, and the counts add up
# --------------------------------------------------------------------------------------------

CORPUS = {
    "enterprises-bad-dates.csv": (1, [
        ("2", "founded", "'2019-13-01' is not a date"),
        ("3", "founded", "'2019/02/30' is not a date"),
        ("4", "founded", "2099-01-01 is in the future")]),
    "enterprises-negative-capital.csv": (1, [
        ("2", "registered_capital", "negative amount not allowed: '-500万元'")]),
    "enterprises-unknown-industry.csv": (1, [
        ("2", "industries", "unknown industry '量子烹饪'")]),
    "enterprises-duplicates.csv": (3, [
        ("4", "uscc", "duplicate key 91330108XYP40U3P9L with different values: the record at line 2 is the one loaded")]),
    "enterprises-truncated.csv": (1, [
        ("3", "", "truncated last line")]),
    "enterprises-no-uscc.csv": (0, [
        ("2", "uscc", "the header has no uscc (统一社会信用代码) column"),
        ("3", "uscc", "the header has no uscc (统一社会信用代码) column")]),
    "enterprises-bad-uscc.csv": (1, [
        ("2", "uscc", "must have 18 characters"),
        ("3", "uscc", "character 18 'I' is not allowed"),
        ("4", "uscc", "check character is 'M', GB 32100-2015 gives 'L'")]),
    "investments-unknown-references.csv": (1, [
        ("2", "uscc", "enterprise 91330108XYF81AC83B not found"),
        ("4", "fund", "fund '不存在的基金（虚构）' not found"),
        ("5", "amount", "not an amount: '一百块'")]),
    "selections-unknown-programme.csv": (1, [
        ("2", "programme", "unknown programme '不存在的计划'")]),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_corpus(backend, tmp_path, name):
    loaded, expected = CORPUS[name]
    load_paths(backend, [good(tmp_path) / "enterprises.csv"])  # what the references point at
    path = corpus(tmp_path, name)
    report = load_paths(backend, [path])
    assert_adds_up(report)
    (t,) = report.tables
    assert (t.read, t.loaded, t.rejected) == (loaded + len(expected), loaded, len(expected))
    assert Path(t.rejects_file) == path.with_name(path.stem + ".rejects.csv")
    got = rejects(t.rejects_file)
    assert [(r["line"], r["field"]) for r in got] == [(line, field) for line, field, _ in expected]
    for r, (_, _, reason) in zip(got, expected, strict=True):
        assert reason in r["reason"], (r["reason"], reason)
        assert r["file"] == name
    # the original record follows, under its own header
    with open(path, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert list(got[0])[:4] == ["file", "line", "field", "reason"]
    assert list(got[0])[4:] == header
    assert not report.ok


def test_reasons_reach_the_records_that_refer_to_a_rejected_enterprise(backend, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "enterprises.csv").write_text(
        "uscc,name,registered_capital\n"
        f"{A},甲（虚构）,-1\n"                       # line 2: rejected, valid code
        f"{B[:17]}Q,乙（虚构）,100\n",               # line 3: rejected, corrupted check character
        encoding="utf-8")
    (folder / "selections.csv").write_text(
        f"uscc,programme,year\n{A},5050计划,2023\n{B},5050计划,2023\n{D},5050计划,2023\n", encoding="utf-8")
    report = load_paths(backend, [folder])
    assert_adds_up(report)
    sel = rejects(folder / "selections.rejects.csv")
    assert [r["reason"] for r in sel] == [
        f"enterprise {A} was rejected at enterprises.csv line 2",
        f"enterprise {B} was rejected at enterprises.csv line 3 (written there as {B[:17]}Q)",
        f"enterprise {D} not found (neither in the enterprises loaded now nor in the graph)",
    ]


def test_grants_need_clauses_that_exist(backend, tmp_path):
    load_paths(backend, [good(tmp_path) / "enterprises.csv"])
    path = tmp_path / "grants.csv"
    sid = seed_id()
    path.write_text("uscc,clause,amount,year\n"
                    f"{A},{sid}:m3,10万元,2024\n"
                    f"{A},{sid}:m99,10万元,2024\n"
                    f"{A},doc-000000000000:m1,10万元,2024\n"
                    f"{A},第3条,10万元,2024\n", encoding="utf-8")
    report = load_paths(backend, [path])
    assert_adds_up(report)
    assert report.loaded == 1
    got = rejects(tmp_path / "grants.rejects.csv")
    assert [(r["line"], r["field"]) for r in got] == [("3", "clause"), ("4", "clause"), ("5", "clause")]
    assert f"document {sid} has no such clause" in got[0]["reason"]
    assert "document doc-000000000000 is not in the graph" in got[1]["reason"]
    assert "is not a clause id" in got[2]["reason"]
    assert backend.counts()["nodes"]["PolicyDocument"] == 1  # the seed, put in place for the first


# --------------------------------------------------------------------------------------------
# Encodings and formats
# --------------------------------------------------------------------------------------------

def test_chinese_headers_in_gb18030_with_a_unit_in_the_header(backend, tmp_path):
    text = (FIXTURES / "corpus" / "企业名录.csv").read_text(encoding="utf-8")
    path = tmp_path / "企业名录.csv"
    path.write_bytes(text.encode("gb18030"))
    report = load_paths(backend, [path])
    assert_adds_up(report)
    assert report.ok and report.loaded == 2
    assert report.tables[0].kind == "enterprises" and report.tables[0].ignored_columns == ["备注"]
    rows = one(backend, "MATCH (e:Enterprise) RETURN e.id, e.name, e.registered_capital_cny, e.founded ORDER BY e.id")
    assert sorted(map(tuple, rows)) == [("91330108XYBA1HGG8Q", "中文表头乙（虚构）", 10_000_000, "2020-06-30"),
                                        ("91330108XYWQGXEC0Q", "中文表头甲（虚构）", 5_000_000, "2018-03-01")]


def test_utf8_with_bom_and_crlf(backend, tmp_path):
    text = (FIXTURES / "good" / "enterprises.csv").read_text(encoding="utf-8").replace("\n", "\r\n")
    path = tmp_path / "enterprises.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    report = load_paths(backend, [path])
    assert report.ok and report.loaded == 4


def test_a_line_in_another_encoding_is_rejected_alone(backend, tmp_path):
    lines = (FIXTURES / "good" / "enterprises.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "enterprises.csv"
    path.write_bytes(b"".join(line.encode("gbk" if i == 2 else "utf-8") for i, line in enumerate(lines)))
    report = load_paths(backend, [path])
    assert_adds_up(report)
    assert (report.loaded, report.rejected) == (3, 1)
    (r,) = rejects(tmp_path / "enterprises.rejects.csv")
    assert r["line"] == "3" and "line 3 is not valid UTF-8" in r["reason"] and "GB18030" in r["reason"]


def test_utf16_is_refused_naming_the_file(backend, tmp_path):
    path = tmp_path / "enterprises.csv"
    path.write_bytes((FIXTURES / "good" / "enterprises.csv").read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(ParseError, match="enterprises.csv: UTF-16"):
        load_paths(backend, [path])
    assert backend.counts()["nodes"]["Enterprise"] == 0


def test_json_lines(backend, tmp_path):
    path = tmp_path / "enterprises.jsonl"
    lines = [
        {"uscc": A, "name": "甲（虚构）", "industries": ["智能物联", "数据要素"],
         "tiers": [{"tier": "瞪羚企业", "year": 2023, "issuer": "区科技局"}],
         "revenue": {"2023": 1000000, "2024": "200万元"}, "注册资本(万元)": 300},
        {"统一社会信用代码": B, "企业名称": "乙（虚构）", "tiers": "专精特新:2024", "employees": 12},
        {"uscc": C, "name": "丙（虚构）", "founded": "2020-02-30"},
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n" + '{"uscc": "' + D + '", "na'
    path.write_text(text, encoding="utf-8")
    report = load_paths(backend, [path])
    assert_adds_up(report)
    assert (report.read, report.loaded, report.rejected) == (4, 2, 2)
    got = rejects(tmp_path / "enterprises.rejects.csv")
    assert [(r["line"], r["field"]) for r in got] == [("3", "founded"), ("5", "")]
    assert "truncated last line" in got[1]["reason"] and got[1]["record"].startswith('{"uscc"')
    rows = one(backend, "MATCH (e:Enterprise {id: $id}) RETURN e.revenue_cny, e.figures_year, e.registered_capital_cny",
               id=A)
    assert rows == [[2_000_000, 2024, 3_000_000]]
    assert backend.counts()["relationships"]["HAS_TIER"] == 2


def test_xlsx_with_a_title_row_and_two_sheets(backend, tmp_path):
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业"
    ws.append(["2024年企业名录（虚构）"])
    ws.append(["统一社会信用代码", "企业名称", "成立日期", "注册资本(万元)", "所属行业", "从业人数"])
    ws.append([A, "甲（虚构）", dt.datetime(2016, 5, 4), 800, "集成电路", 35])
    ws.append([B, "乙（虚构）", "2016/5/4", 80.5, "不存在的行业", None])
    ws.append([None, None, None, None, None, None])
    ws.append([C, "丙（虚构）", None, None, None, -3])
    inv = wb.create_sheet("investments")
    inv.append(["fund", "uscc", "amount", "date"])
    inv.append(["科创产业基金", A, "1000万元", dt.date(2023, 1, 2)])
    path = tmp_path / "registry.xlsx"
    wb.save(path)
    report = load_paths(backend, [path])
    assert_adds_up(report)
    kinds = [(t.file, t.kind, t.read, t.loaded, t.rejected) for t in report.tables]
    assert kinds == [("registry.xlsx[企业]", "enterprises", 3, 1, 2),
                     ("registry.xlsx[investments]", "investments", 1, 1, 0)]
    got = rejects(report.tables[0].rejects_file)
    assert [(r["line"], r["field"]) for r in got] == [("4", "industries"), ("6", "employees")]
    assert one(backend, "MATCH (e:Enterprise {id: $id}) RETURN e.founded, e.registered_capital_cny, e.employees",
               id=A) == [["2016-05-04", 8_000_000, 35]]
    assert backend.counts()["nodes"]["Investment"] == 1


# --------------------------------------------------------------------------------------------
# Files that cannot be read at all: one clear message naming the file, nothing loaded
# --------------------------------------------------------------------------------------------

def test_file_errors_name_the_file(backend, tmp_path):
    with pytest.raises(ParseError, match="nothere.csv: no such file"):
        load_paths(backend, [tmp_path / "nothere.csv"])
    odd = tmp_path / "misc.csv"
    odd.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ParseError, match="misc.csv: cannot tell which kind of table"):
        load_paths(backend, [good(tmp_path), odd])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ParseError, match="the folder has no .csv"):
        load_paths(backend, [empty])
    xls = tmp_path / "enterprises.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(ParseError, match=r"old binary Excel \(.xls\)"):
        load_paths(backend, [xls])
    assert backend.counts()["nodes"]["Enterprise"] == 0


def test_headers_alone_tell_the_kind(backend, tmp_path):
    path = tmp_path / "export-2024.csv"
    path.write_text("fund,uscc,amount\n科创产业基金,91330108XY000CT79H,10万元\n", encoding="utf-8")
    load_paths(backend, [good(tmp_path) / "enterprises.csv"])
    report = load_paths(backend, [path])
    assert report.tables[0].kind == "investments" and report.ok


# --------------------------------------------------------------------------------------------
# The synthetic registry, loaded; corrupted check characters
# --------------------------------------------------------------------------------------------

def test_synthetic_registry_loads_whole_and_twice_changes_nothing(backend, tmp_path):
    made = synth(1000, seed=11, out_dir=tmp_path / "syn")
    report = load_paths(backend, [tmp_path / "syn"])
    assert_adds_up(report)
    assert report.ok
    files = made["files"]
    for kind, f in files.items():
        assert report.by_kind()[kind]["loaded"] == f["rows"]
    counts = backend.counts()
    assert counts["nodes"]["Enterprise"] == 1000
    assert counts["nodes"]["Investment"] == files["investments"]["rows"]
    assert counts["relationships"]["SELECTED_IN"] == files["selections"]["rows"]
    assert counts["nodes"]["Grant"] == files["grants"]["rows"]
    assert one(backend, "MATCH (e:Enterprise) WHERE e.synthetic RETURN count(e)") == [[1000]]
    load_paths(backend, [tmp_path / "syn"])
    assert backend.counts() == counts


def corrupt(folder: Path, k: int) -> list[tuple[int, str]]:
    """Corrupt the check character of k enterprises that other files refer to; return (line, code)."""
    path = folder / "enterprises.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    referred = set()
    for name in ("investments.csv", "selections.csv", "grants.csv"):
        with open(folder / name, encoding="utf-8", newline="") as f:
            referred.update(r["uscc"] for r in csv.DictReader(f))
    picked = []
    for n, line in enumerate(lines[1:], start=2):
        code = line.split(",", 1)[0]
        if code in referred:
            picked.append((n, code))
        if len(picked) == k:
            break
    for n, code in picked:
        bad = code[:17] + ("A" if code[17] != "A" else "B")
        lines[n - 1] = bad + lines[n - 1][18:]
    path.write_text("".join(lines), encoding="utf-8")
    return picked


def test_corrupted_check_characters_reject_exactly_those_enterprises(backend, tmp_path):
    folder = tmp_path / "syn"
    synth(1000, seed=5, out_dir=folder)
    picked = corrupt(folder, 3)
    codes = {code for _, code in picked}
    report = load_paths(backend, [folder])
    assert_adds_up(report)
    assert not report.ok
    ent = rejects(folder / "enterprises.rejects.csv")
    assert [int(r["line"]) for r in ent] == [n for n, _ in picked]
    assert all(r["field"] == "uscc" and "check character" in r["reason"] for r in ent)
    assert backend.counts()["nodes"]["Enterprise"] == 997
    line_of = {code: n for n, code in picked}
    referring = 0
    for name in ("investments", "selections", "grants"):
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
            expect = sum(1 for r in csv.DictReader(f) if r["uscc"] in codes)
        path = folder / f"{name}.rejects.csv"
        got = rejects(path) if path.exists() else []
        assert len(got) == expect
        for r in got:
            assert r["reason"].startswith(f"enterprise {r['uscc']} was rejected at enterprises.csv line "
                                          f"{line_of[r['uscc']]}")
        referring += expect
    assert referring >= 3
    assert report.rejected == 3 + referring


# --------------------------------------------------------------------------------------------
# The command, on both backends
# --------------------------------------------------------------------------------------------

def run(args, env, check=None):
    proc = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=600)
    if check is not None:
        assert proc.returncode == check, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_synth_then_load_gives_the_same_counts_on_both_backends(env_for, neo4j_uri, tmp_path):
    from policykg.graph import open_backend
    from tests.conftest import neo4j_settings

    with open_backend(neo4j_settings(neo4j_uri)) as b:
        b.clear()
    run(["synth", "--enterprises", "1000", "--seed", "2", "--out", str(tmp_path / "syn")], env_for("embedded"), 0)
    stats = {}
    for name in ("embedded", "neo4j"):
        env = env_for(name)
        first = json.loads(run(["load", str(tmp_path / "syn"), "--json"], env, 0).stdout)
        assert first["ok"] and first["read"] == first["loaded"] and first["kinds"]["enterprises"]["loaded"] == 1000
        before = json.loads(run(["stats", "--json"], env, 0).stdout)
        again = run(["load", str(tmp_path / "syn")], env, 0)
        assert "read " in again.stdout and "rejected 0" in again.stdout
        after = json.loads(run(["stats", "--json"], env, 0).stdout)
        assert before == after
        assert after["nodes"]["Enterprise"] == 1000
        stats[name] = (after["nodes"], after["relationships"])
    assert stats["embedded"] == stats["neo4j"]


def test_load_command_exits_non_zero_on_rejects_and_names_bad_files(env_for, tmp_path):
    env = env_for("embedded")
    folder = tmp_path / "syn"
    run(["synth", "--enterprises", "200", "--seed", "4", "--out", str(folder)], env, 0)
    picked = corrupt(folder, 2)
    proc = run(["load", str(folder), "--json"], env, 1)
    data = json.loads(proc.stdout)
    assert data["kinds"]["enterprises"] == {"read": 200, "loaded": 198, "rejected": 2, "duplicates": 0}
    assert data["read"] == data["loaded"] + data["rejected"]
    assert (folder / "enterprises.rejects.csv").exists()
    assert [int(r["line"]) for r in rejects(folder / "enterprises.rejects.csv")] == [n for n, _ in picked]
    proc = run(["load", str(tmp_path / "missing.csv")], env, 2)
    assert "missing.csv: no such file or folder" in proc.stderr and "Traceback" not in proc.stderr


def test_a_clean_reload_removes_the_stale_rejects_file(backend, tmp_path):
    path = corpus(tmp_path, "enterprises-negative-capital.csv")
    assert load_paths(backend, [path]).rejected == 1
    rejected = path.with_name(path.stem + ".rejects.csv")
    assert rejected.exists()
    path.write_text(path.read_text(encoding="utf-8").replace("-500万元", "500万元"), encoding="utf-8")
    report = load_paths(backend, [path])
    assert report.ok and not rejected.exists()
    # a folder load never reads rejects files as input
    assert [t.file for t in load_paths(backend, [path.parent]).tables] == [path.name]


def test_import_formats_match_the_schema():
    """Every `Label.property` an import column maps to is declared in schema.yaml."""
    import re

    from policykg.graph.schema import load_schema
    from policykg.ingest.tabular import KINDS, load_formats

    schema = load_schema()
    formats = load_formats()
    assert tuple(formats) == KINDS
    for fmt in formats.values():
        assert fmt.required and all(c in fmt.columns for c in fmt.key)
        for col in fmt.columns.values():
            for label, prop in re.findall(r"\b([A-Z][a-z]+)\.([a-z_]+)", col.maps_to):
                assert prop in schema.node(label).properties, (fmt.kind, col.name, label, prop)
            for rel in re.findall(r"\b([A-Z]+(?:_[A-Z]+)+|MADE|REPORTED|RECEIVED)\b", col.maps_to):
                schema.rel(rel)
