"""The parser on the genre: invented documents written the way Chinese local industrial-policy documents are
(若干政策 / 实施意见 / 若干措施 / 管理办法 / 实施细则; district, city, county and provincial), in several layouts.

Every fixture under tests/fixtures/genre/ is an INVENTED test fixture (see the README there). Beside each one,
``NAME.expected.json`` gives what a reader finds in it: the numbered measures in order (label as printed, number,
kind), every money amount in the measures and the chapters' own text in document order (value in base units,
currency), and the metadata. They were written by reading the text, not from the parser's output.

Checked per fixture: exactly the expected clauses (nothing from the back matter, the attachments or inline
（1） sub-items), amount recall and precision (no year, count or area read as money), the span invariant for
every extracted item, and doc number / title / issuers / dates.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from policykg.ingest.parse import ParsedDocument, parse_bytes, parse_file

GENRE = Path(__file__).resolve().parent / "fixtures" / "genre"
EXPECTED = sorted(GENRE.glob("*.expected.json"))

RECALL_MIN = 0.95
PRECISION_MIN = 0.95


def expected(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# DOCX with Word automatic numbering, built from a spec
# --------------------------------------------------------------------------------------------

_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def build_docx(spec: Path) -> bytes:
    """A .docx from a spec file (see the spec's header): the list numbers are Word's, not the text's."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml

    d = docx.Document()
    levels = [("chineseCounting", "%1、", "nothing"), ("chineseCounting", "（%2）", "nothing"),
              ("decimal", "%3.", "space")]
    lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                   f'<w:suff w:val="{suff}"/></w:lvl>' for i, (fmt, text, suff) in enumerate(levels))
    root = d.part.numbering_part.element
    abstract = parse_xml(f'<w:abstractNum {_W_NS} w:abstractNumId="77">{lvls}</w:abstractNum>')
    first_num = root.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        root.append(abstract)
    root.append(parse_xml(f'<w:num {_W_NS} w:numId="77"><w:abstractNumId w:val="77"/></w:num>'))

    rows: list[list[str]] = []

    def flush_table() -> None:
        if rows:
            table = d.add_table(rows=len(rows), cols=len(rows[0]))
            for r, cells in enumerate(rows):
                for c, cell in enumerate(cells):
                    table.cell(r, c).text = cell
            rows.clear()

    for line in spec.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, text = line.partition(" ")
        if code == "R":
            rows.append([c.strip() for c in text.split("|")])
            continue
        flush_table()
        if code == "T":
            d.add_paragraph(text, style="Title")
        elif code in ("P", "C", "S"):
            p = d.add_paragraph(text)
            if code == "C":
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif code == "S":
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif code.startswith("L"):
            p = d.add_paragraph(text)
            p._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {_W_NS}><w:ilvl w:val="{int(code[1:])}"/><w:numId w:val="77"/></w:numPr>'))
        else:
            raise ValueError(f"unknown spec line: {line!r}")
    flush_table()
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


_CACHE: dict[str, ParsedDocument] = {}


def parsed(exp: dict) -> ParsedDocument:
    name = exp["fixture"]
    if name not in _CACHE:
        path = GENRE / name
        if exp.get("build") == "docx":
            _CACHE[name] = parse_bytes(build_docx(path), str(path.with_suffix("")))
        else:
            _CACHE[name] = parse_file(path)
    return _CACHE[name]


# --------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------

def amounts_in_order(doc: ParsedDocument) -> list:
    items = [a for owner in [*doc.sections, *doc.clauses] for a in owner.amounts]
    return sorted(items, key=lambda a: a.span)


def match_amounts(want: list[tuple[float, str]], got: list[tuple[float, str]]) -> int:
    """How many expected amounts were found with their value and currency (a longest common subsequence,
    so that each found amount answers for one expected amount at most, in document order)."""
    n, m = len(want), len(got)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            w, g = want[i], got[j]
            same = w[1] == g[1] and abs(w[0] - g[0]) <= 1e-6 * max(1.0, abs(w[0]))
            table[i][j] = table[i + 1][j + 1] + 1 if same else max(table[i + 1][j], table[i][j + 1])
    return table[0][0]


def amount_scores(exp: dict, doc: ParsedDocument) -> tuple[float, float, list, list]:
    want = [(float(v), c) for v, c in exp["amounts"]]
    found = amounts_in_order(doc)
    got = [(a.value, a.currency) for a in found]
    hit = match_amounts(want, got)
    recall = hit / len(want) if want else 1.0
    precision = hit / len(got) if got else 1.0
    missing = list((Counter(want) - Counter(got)).elements())
    extra = [a.quote for a in found if Counter(got)[(a.value, a.currency)] > Counter(want)[(a.value, a.currency)]]
    return recall, precision, missing, extra


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_measures_exactly(path):
    exp = expected(path)
    doc = parsed(exp)
    got = [[c.label, c.number, c.kind] for c in doc.clauses]
    assert got == exp["clauses"]
    assert [c.ordinal for c in doc.clauses] == list(range(1, len(doc.clauses) + 1))
    assert len({c.id for c in doc.clauses}) == len(doc.clauses)


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_amounts_recall_and_precision(path):
    exp = expected(path)
    doc = parsed(exp)
    recall, precision, missing, extra = amount_scores(exp, doc)
    assert recall >= RECALL_MIN, f"recall {recall:.3f}, missing {missing}"
    assert precision >= PRECISION_MIN, f"precision {precision:.3f}, extra {extra}"


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_spans(path):
    doc = parsed(expected(path))
    text = doc.document.text
    for s in doc.sections:
        assert text[s.span[0]:s.span[1]] == s.title
        if s.text_span is not None:
            assert text[s.text_span[0]:s.text_span[1]] == s.text
    end = -1
    for c in doc.clauses:
        assert text[c.span[0]:c.span[1]] == c.text
        assert c.span[0] > end
        end = c.span[1]
    n = 0
    for owner in [*doc.sections, *doc.clauses]:
        for x in [*owner.amounts, *owner.percentages, *owner.conditions]:
            assert text[x.span[0]:x.span[1]] == x.quote, x
            n += 1
        for x in [*owner.industries, *owner.tiers, *owner.places, *owner.programmes, *owner.funds,
                  *owner.instruments, *owner.unlinked]:
            assert text[x["span"][0]:x["span"][1]] == x["quote"], x
    for r in doc.rules:
        assert text[r.span[0]:r.span[1]] == r.quote
        if r.name_span is not None:
            assert text[r.name_span[0]:r.name_span[1]] == r.name
        if r.base_span is not None:
            assert text[r.base_span[0]:r.base_span[1]] == r.base
    assert n > 0


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_metadata(path):
    exp = expected(path)
    d = parsed(exp).document
    got = {"doc_number": d.doc_number, "title": d.title, "issuers": d.issuers, "issued_date": d.issued_date,
           "effective_date": d.effective_date}
    assert got == {k: exp[k] for k in got}


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_no_back_matter_or_page_furniture_in_clauses(path):
    doc = parsed(expected(path))
    for c in doc.clauses:
        for marker in ("抄送", "印发", "此件公开发布", "附件", "— ", "- 1 -", "- 2 -", "行政规范性文件",
                       "相关解读", "打印本页", "主办单位"):
            assert marker not in c.text, (c.label, marker)
    for line in doc.document.text.split("\n"):
        assert not re.fullmatch(r"[—\-－]+\s*\d+\s*[—\-－]+|\d{1,3}", line), line  # no page numbers


# --------------------------------------------------------------------------------------------
# Layout details
# --------------------------------------------------------------------------------------------

def by_name(name: str) -> ParsedDocument:
    return parsed(expected(GENRE / f"{name}.expected.json"))


def test_hard_wrapped_paragraphs_are_rejoined():
    doc = by_name("district-policies-pdfcopy")
    c = {x.number: x for x in doc.clauses}
    assert c[2].text.endswith("每家企业每年最高200万元。")
    assert "巨人”企业、省级专精特新中小企业" in c[3].text  # across a page number
    assert c[4].text == ("支持企业上市。对在境内外证券交易所首发上市的企业，分阶段给予奖励：\n"
                         "（1）完成股份制改造并在示例证监局辅导备案的，奖励100万元；\n"
                         "（2）首发上市申请材料获受理的，奖励150万元；\n（3）成功上市的，奖励250万元。\n"
                         "以上奖励合计不超过500万元。")
    assert c[13].text.startswith("本政策由区经济和信息化局会同区财政局负责解释，自2024年6月1日起施行")
    assert [s.title for s in doc.sections] == ["支持企业做大做强", "推动产业转型升级", "强化要素保障", "附则"]


def test_article_reference_at_a_line_start_does_not_split():
    doc = by_name("city-rules-articles-pdfcopy")
    c = {x.number: x for x in doc.clauses}
    assert c[8].text.endswith("具体申报要求按照本细则第九条执行。")
    assert c[9].text.startswith("申报补助的企业应当于每年5月31日前")
    assert "按增量部分的10%给予额外奖励" in c[5].text  # a percentage split by the wrap
    assert "示例市科学技术局行政规范性文件" not in doc.document.text  # the running header
    assert [p.value for p in c[5].percentages] == [0.2, 0.1]


def test_sub_items_stay_inside_their_measure():
    doc = by_name("city-opinions-biomed")
    c = {x.number: x for x in doc.clauses}
    assert c[7].text.endswith("（3）市级平台，最高资助300万元。")
    assert c[6].title == "强化产业化落地"
    assert c[6].text.startswith("强化产业化落地\n对新建生物医药产业化项目")
    assert "5亿元（含）以上 300万元" in c[8].text  # the Markdown table, one row per line


def test_attachments_after_the_signature_are_not_measures():
    doc = by_name("city-measures-items-annexes")
    assert doc.clauses[-1].text.startswith("本措施自2024年9月1日起施行")
    assert "申报指南" not in "".join(c.text for c in doc.clauses)
    assert [s.label for s in doc.sections] == ["一", "二", "三", "四"]


def test_chinese_full_width_and_ranges():
    doc = by_name("county-opinions-gbk")
    c = {x.number: x for x in doc.clauses}
    assert [(a.value, a.quote) for a in c[5].amounts] == [(300.0, "300元"), (100_000.0, "10万"), (500_000.0, "50万元")]
    assert [a.value for a in c[6].amounts] == [200_000.0, 500_000.0, 20_000.0]
    assert [p.value for p in c[8].percentages] == [0.5]
    assert [(p.value, p.low, p.high) for p in c[9].percentages] == [(0.3, None, None), (None, 0.01, 0.03)]


def test_web_page_cruft_is_not_content():
    doc = by_name("city-rules-software-web")
    text = doc.document.text
    assert "99亿元" not in text
    assert doc.clauses[-1].text.endswith("最高不超过1000万元。")
    assert not any("一图读懂" in c.text for c in doc.clauses)


def test_flat_measures_with_inner_enumeration():
    doc = by_name("city-foreign-trade-flat")
    c = {x.number: x for x in doc.clauses}
    assert c[3].text.endswith("按设备价值的10%给予补助。")
    assert "（一）经认定为国家级外资研发中心的" in c[3].text
    assert c[8].text.endswith("可同时申请。")  # "第七条" in the text does not start a clause


def test_report(capsys):
    """Measured recall and precision per fixture (run with -s to see them)."""
    rows = []
    for path in EXPECTED:
        exp = expected(path)
        try:
            doc = parsed(exp)
        except Exception as exc:  # noqa: BLE001 - the report lists failures, the other tests assert
            rows.append(f"{exp['fixture']:48} ERROR {exc}")
            continue
        recall, precision, _, _ = amount_scores(exp, doc)
        ok = [[c.label, c.number, c.kind] for c in doc.clauses] == exp["clauses"]
        rows.append(f"{exp['fixture']:48} measures {'exact' if ok else 'WRONG':5} "
                    f"({len(exp['clauses'])})  amounts {len(exp['amounts']):3}  recall {recall:.3f}  "
                    f"precision {precision:.3f}")
    with capsys.disabled():
        print("\n" + "\n".join(rows))


# --------------------------------------------------------------------------------------------
# The same documents, re-typeset as a copy of a PDF at other widths
# --------------------------------------------------------------------------------------------

_NO_LINE_START = set("，。；：、）》”’！？…%％")


def _display_width(s: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def retypeset(text: str, width: int, lines_per_page: int, indent: str) -> str:
    """Paragraphs (one a line) hard-wrapped at ``width`` display columns, as a copy of a typeset PDF gives
    them: the first line indented by ``indent``, a page number after every ``lines_per_page`` lines."""
    out: list[str] = []
    count, page = 0, 1
    for para in text.split("\n"):
        cur = indent
        pieces = []
        for ch in para:
            if _display_width(cur + ch) > width and cur.strip() and ch not in _NO_LINE_START:
                pieces.append(cur)
                cur = ""
            cur += ch
        pieces.append(cur)
        for piece in pieces:
            out.append(piece)
            count += 1
            if count == lines_per_page:
                out += ["", f"{' ' * 20}— {page} —", ""]
                page, count = page + 1, 0
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("width, lines_per_page, indent", [(56, 22, "\u3000\u3000"), (44, 17, ""), (64, 30, "    ")])
@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_same_facts_when_retypeset_as_a_pdf_copy(path, width, lines_per_page, indent):
    exp = expected(path)
    doc = parsed(exp)
    again = parse_bytes(retypeset(doc.document.text, width, lines_per_page, indent).encode("utf-8"), "copy.txt")
    assert [[c.label, c.number, c.kind] for c in again.clauses] == exp["clauses"]
    recall, precision, missing, extra = amount_scores(exp, again)
    assert (recall, precision) == (1.0, 1.0) or (recall >= RECALL_MIN and precision >= PRECISION_MIN), (missing, extra)
    assert again.document.doc_number == exp["doc_number"]
    assert again.document.effective_date == exp["effective_date"]


@pytest.mark.parametrize("name", ["city-opinions-biomed", "city-rules-articles-pdfcopy", "county-opinions-gbk"])
def test_same_facts_from_a_pdf(name):
    """The fixture typeset as a PDF (reportlab; the PDF reader rebuilds paragraphs from the layout)."""
    from tests.test_formats import make_pdf

    exp = expected(GENRE / f"{name}.expected.json")
    doc = parsed(exp)
    paras = [("t" if i == 0 else "p", line) for i, line in enumerate(doc.document.text.split("\n"))]
    again = parse_bytes(make_pdf(23, paras), f"{name}.pdf")
    assert [[c.label, c.number, c.kind] for c in again.clauses] == exp["clauses"]
    assert amount_scores(exp, again)[:2] == (1.0, 1.0)


# --------------------------------------------------------------------------------------------
# Shapes of the genre, written inline (invented text)
# --------------------------------------------------------------------------------------------

def shape(text: str, name: str = "inline.txt") -> ParsedDocument:
    return parse_bytes(text.encode("utf-8"), name)


def measures(doc: ParsedDocument) -> list[tuple[str, str]]:
    return [(c.label, c.kind) for c in doc.clauses]


def test_heading_chapters_with_body_paragraphs_beside_an_annex_with_items():
    doc = shape("示例市关于促进民营经济发展的若干措施\n一、支持企业上规升级\n对首次纳入规模以上统计的企业，给予一次性奖励10万元。\n"
                "二、支持企业技术改造\n对技术改造项目，按设备投资额的10%给予补助，最高500万元。\n"
                "三、附则\n（一）本措施自2024年1月1日起施行。\n（二）本措施由市经信局负责解释。\n")
    assert measures(doc) == [("一", "measure"), ("二", "measure"), ("（一）", "annex"), ("（二）", "annex")]
    assert [a.value for c in doc.clauses for a in c.amounts] == [100_000.0, 5_000_000.0]


def test_cover_letter_listing_its_attachments():
    doc = shape("示例市人民政府办公室关于印发示例市促进会展业发展若干措施的通知\n示政办发〔2024〕5号\n各区人民政府，市政府各部门：\n"
                "经市政府同意，现将有关文件印发给你们，请认真贯彻执行。\n附件：1.示例市促进会展业发展若干措施\n2.示例市会展项目申报指南\n"
                "示例市人民政府办公室\n2024年3月1日\n附件1\n示例市促进会展业发展若干措施\n"
                "一、对新引进的国际性展会，给予最高300万元补助。\n二、对连续举办三届以上的品牌展会，给予50万元奖励。\n"
                "三、本措施自2024年4月1日起施行。\n附件2\n示例市会展项目申报指南\n一、申报条件\n（一）在本市注册的会展企业。\n")
    assert measures(doc) == [("一", "measure"), ("二", "measure"), ("三", "measure")]
    assert doc.document.title == "示例市促进会展业发展若干措施"
    assert doc.document.issuers == ["示例市人民政府办公室"] and doc.document.issued_date == "2024-03-01"


def test_bold_headings_over_sub_items_after_a_lead_in():
    doc = shape("# 示例区关于支持企业上市的若干措施\n**（一）支持企业股改**\n对完成股份制改造的企业，按以下标准给予奖励：\n"
                "1. 注册资本5000万元以上的，奖励50万元；\n2. 注册资本5000万元以下的，奖励30万元。\n"
                "**（二）支持企业成功上市**\n对成功上市的企业，一次性奖励300万元。\n", "bold.md")
    assert measures(doc) == [("（一）", "measure"), ("（二）", "measure")]
    assert [a.value for a in doc.clauses[0].amounts] == [50_000_000.0, 500_000.0, 50_000_000.0, 300_000.0]


def test_bare_headings_over_sentences_after_a_lead_in():
    doc = shape("示例市关于支持企业发展的若干措施\n一、支持企业做大做强\n对符合条件的企业，按以下标准给予支持：\n"
                "（一）对首次纳入规模以上统计的企业，给予10万元奖励。\n（二）对营业收入首次突破1亿元的企业，给予50万元奖励。\n"
                "二、支持企业创新\n（三）对新认定的高新技术企业，给予30万元奖励。\n")
    assert measures(doc) == [("（一）", "measure"), ("（二）", "measure"), ("（三）", "measure")]


def test_items_under_chapters_with_sub_items_and_conditions_chapter():
    doc = shape("示例市工业企业技术改造专项资金实施细则\n一、支持方向\n1. 设备更新。对企业购置先进设备的，按设备投资额给予补助：\n"
                "（1）设备投资500万元以上的，按10%补助；\n（2）设备投资1000万元以上的，按12%补助。\n"
                "2. 智能化改造。对企业实施智能化改造的，按以下标准补助：\n（1）智能车间，补助100万元；\n（2）智能工厂，补助300万元。\n"
                "二、申报条件\n1. 在本市注册的规上工业企业。\n2. 项目已竣工投产。\n三、附则\n1. 本细则自2024年1月1日起施行。\n")
    assert measures(doc) == [("1", "measure"), ("2", "measure"), ("1", "item"), ("2", "item"), ("1", "annex")]


def test_numbering_restarting_under_unnumbered_sub_headings():
    doc = shape("示例区关于支持产业发展的若干政策\n**专项一　支持先进制造业**\n1. 支持技改。对技改项目给予最高500万元补助。\n"
                "2. 支持上规。对上规企业奖励10万元。\n**专项二　支持现代服务业**\n1. 支持总部。对总部企业给予最高1000万元奖励。\n"
                "2. 支持品牌。对品牌企业奖励20万元。\n", "special.md")
    assert [(c.label, c.number) for c in doc.clauses] == [("1", 1), ("2", 2), ("1", 1), ("2", 2)]


def test_enclosed_numerals_and_parts():
    doc = shape("示例县关于加快发展服务业的实施意见\n第一部分　总体要求\n㈠指导思想。坚持新发展理念。\n"
                "第二部分　政策措施\n㈡支持企业做大。对首次突破1亿元的企业奖励50万元：\n⑴首次突破的，奖励50万元；\n⑵再次增长的，奖励10万元。\n"
                "㈢支持品牌建设。对获中国驰名商标的企业奖励20万元。\n")
    assert [(s.label, s.title) for s in doc.sections] == [("第一部分", "总体要求"), ("第二部分", "政策措施")]
    assert [(c.label, c.number, c.kind) for c in doc.clauses] == [
        ("㈠", 1, "item"), ("㈡", 2, "measure"), ("㈢", 3, "measure")]


def test_html_ordered_lists_are_numbered():
    page = ("<html><body><h1>示例区关于支持企业发展的若干措施</h1><p>一、支持企业做大</p>"
            "<ol><li>对首次上规企业奖励10万元。<ol><li>子项甲；</li><li>子项乙。</li></ol></li>"
            "<li>对营收突破1亿元的企业奖励50万元。</li></ol><p>二、支持创新</p>"
            "<ol start=\"3\"><li>对新认定的高新技术企业奖励20万元。</li></ol></body></html>")
    doc = parse_bytes(page.encode(), "ol.html")
    assert "1. 对首次上规企业奖励10万元。\n（1）子项甲；\n（2）子项乙。" in doc.document.text
    assert [(c.label, [a.value for a in c.amounts]) for c in doc.clauses] == [
        ("1", [100_000.0]), ("2", [100_000_000.0, 500_000.0]), ("3", [200_000.0])]


def test_a_sentence_heading_keeps_its_money():
    doc = shape("示例市关于支持产业发展的若干意见\n一、政策措施\n（一）支持研发\n1. 对研发投入给予补助，最高200万元。\n"
                "二、申报程序\n（一）对通过审核的企业，由市财政一次性拨付50万元启动资金。\n")
    sec = next(s for s in doc.sections if s.label == "（一）" and s.parent and s.parent.endswith(":s2"))
    assert [a.value for a in sec.amounts] == [500_000.0]
    assert doc.document.text[sec.text_span[0]:sec.text_span[1]] == sec.text


def test_links_to_other_documents_before_the_article():
    page = ("<html><body><div class='side'><h3>热点文件</h3><ul><li>1.示例市人民政府关于印发示例市促进消费若干措施的通知</li>"
            "<li>2.《示例市数据条例》（2023-05-01）</li></ul></div><div class='main'>"
            "<h2>示例区关于支持企业发展的若干措施</h2><p>一、对首次上规企业奖励10万元。</p>"
            "<p>二、对营收突破1亿元的企业奖励50万元。</p><p>示例区人民政府</p><p>2024年1月5日</p></div></body></html>")
    doc = parse_bytes(page.encode(), "side.html")
    assert doc.document.title == "示例区关于支持企业发展的若干措施"
    assert [(c.label, [a.value for a in c.amounts]) for c in doc.clauses] == [
        ("一", [100_000.0]), ("二", [100_000_000.0, 500_000.0])]
