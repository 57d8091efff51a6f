"""Format readers: HTML (UTF-8 and GBK-declared), DOCX and text-based PDF give the same document.

The document below is an INVENTED TEST FIXTURE (示例区, 示例府〔2024〕9号, its dates and amounts are
made up); it imitates the genre. The HTML, DOCX and PDF files are made here, in the test, with
python-docx (DOCX) and reportlab (PDF, with its built-in CID font STSong-Light, which needs no font
file); reportlab and Pillow are test-only dependencies.
"""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path

import pytest

from policykg.errors import ParseError
from policykg.ingest.parse import ParsedDocument, parse_bytes, parse_file
from policykg.ingest.readers import md_escape

# --------------------------------------------------------------------------------------------
# The fixture (invented)
# --------------------------------------------------------------------------------------------

DOCNUM = "示例府〔2024〕9号"
TITLE = "示例区人民政府关于支持示例产业高质量发展的若干政策"
ADDRESSEE = "各街道办事处，区级各部门："
PREAMBLE = "为推动示例产业高质量发展，加快建设示例产业高地，结合本区实际，特制定如下政策。"
BODY = [
    ("h", "一、目标任务"),
    ("p", "聚焦示例产业新布局，进一步壮大示例产业集群。每年从财政支出中安排不低于10%的资金用于支持研发投入、"
          "培育企业梯队、完善产业生态等产业扶持工作。"),
    ("h", "二、政策措施"),
    ("p", "1. 支持研发创新。每年安排预算不少于 1 亿元，鼓励企业加大研发投入，对企业研发投入按最高 30% 予以支持，"
          "支持企业建设研发中心、工程技术中心和重点实验室等创新载体，推动关键核心技术攻关。"),
    ("p", "2. 推动企业集聚。每年安排预算不少于5000万元。对新引进注册资本 5000 万元人民币或 800 万美元以上的项目，"
          "可按实到注册资本 5%—10% 予以支持。"),
    ("p", "3. 发挥基金作用。常态化保持20亿元以上的产业基金规模，完善基金运作模式，放大基金产业引导作用。"),
    ("h", "三、附则"),
    ("p", "1. 同一项目获得多项资助（奖励）的，按“从优、从高、不重复”原则进行资助（奖励）。"),
    ("p", "2. 本政策自 2024 年 3 月 1 日施行。此前发布的有关文件，凡与本政策不一致的，按照本政策执行。"),
]
SIGNATURE = ["示例区人民政府", "2024 年 2 月 1 日"]

EXPECTED_FLOORS = {"m1": 100_000_000, "m2": 50_000_000, "m3": None}


def paragraphs() -> list[tuple[str, str]]:
    """(kind, text): t title, d document number, p paragraph, h heading-like paragraph, s signature."""
    return [("d", DOCNUM), ("t", TITLE), ("p", ADDRESSEE), ("p", PREAMBLE), *BODY,
            *(("s", s) for s in SIGNATURE)]


# --------------------------------------------------------------------------------------------
# Making the files
# --------------------------------------------------------------------------------------------

def make_html(charset: str) -> bytes:
    parts = [f'<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">',
             "<title>示例区人民政府门户网站</title><style>p { text-indent: 2em; }</style>",
             "<script>var notText = '每年安排预算不少于99亿元';</script></head><body>",
             '<div style="display:none">隐藏的文字不少于99亿元</div>',
             '<div class="article">']
    for kind, text in paragraphs():
        t = html.escape(text)
        if kind == "t":
            parts.append(f"<h1>{t}</h1>")
        elif kind == "d":
            parts.append(f'<p style="text-align:center">{t}</p>')
        else:
            # pretty-printed source: a line break inside the paragraph between two CJK characters
            if len(t) > 30 and "\n" not in t:
                cut = next(i for i in range(20, len(t)) if "\u4e00" <= t[i - 1] <= "\u9fff" and "\u4e00" <= t[i] <= "\u9fff")
                t = t[:cut] + "\n      " + t[cut:]
            parts.append(f"<p>\n      {t}\n    </p>")
    parts.append("</div><!-- 页脚 不少于 88 亿元 --></body></html>")
    return "\n".join(parts).encode("gbk" if charset.lower() in ("gbk", "gb2312") else "utf-8")


def make_docx() -> bytes:
    import docx

    d = docx.Document()
    for kind, text in paragraphs():
        if kind == "t":
            d.add_heading(text, level=1)
        elif kind == "h" and text.startswith("三"):
            # the annex heading sits in a one-cell layout table, as some offices lay documents out
            d.add_table(rows=1, cols=1).cell(0, 0).text = text
        else:
            d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _wrap(text: str, width: float, first_indent: float, font: str, size: float) -> list[tuple[float, str]]:
    """Greedy line breaking as a word processor does for Chinese: any character boundary, except
    inside a Latin word or number; returns (x offset, line)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    lines, start, indent = [], 0, first_indent
    while start < len(text):
        end = start
        while end < len(text) and stringWidth(text[start:end + 1], font, size) <= width - indent:
            end += 1
        if end < len(text):
            while end - 1 > start and text[end - 1].isascii() and text[end].isascii() and \
                    text[end - 1].isalnum() and text[end].isalnum():
                end -= 1
        lines.append((indent, text[start:end]))
        start, indent = end, 0.0
    return lines


def make_pdf(lines_per_page: int = 11, paras: list[tuple[str, str]] | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    font, size, lead = "STSong-Light", 12.0, 20.0
    left, right = 72.0, A4[0] - 72.0
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    page = 1
    y = A4[1] - 72
    count = 0

    def newline() -> None:
        nonlocal y, count, page
        count += 1
        y -= lead
        if count >= lines_per_page:  # a page break, with a page number, mid-paragraph when it falls so
            c.setFont(font, 10)
            c.drawCentredString(A4[0] / 2, 40, f"— {page} —")
            c.showPage()
            page += 1
            y, count = A4[1] - 72, 0

    for kind, text in paras or paragraphs():
        c.setFont(font, size)
        if kind in ("t", "d"):
            c.drawCentredString(A4[0] / 2, y, text)
            newline()
            continue
        if kind == "s":
            c.drawRightString(right, y, text)
            newline()
            continue
        indent = 0.0 if text == ADDRESSEE else 2 * size
        for x, line in _wrap(text, right - left, indent, font, size):
            c.setFont(font, size)
            c.drawString(left + x, y, line)
            newline()
    c.setFont(font, 10)
    c.drawCentredString(A4[0] / 2, 40, f"— {page} —")
    c.showPage()
    c.save()
    return buf.getvalue()


def make_scanned_pdf() -> bytes:
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (400, 200), 255)
    draw = ImageDraw.Draw(img)
    for i in range(8):  # strokes standing in for scanned writing
        draw.line((20, 20 + 20 * i, 380, 20 + 20 * i), fill=0, width=3)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for _ in range(2):
        c.drawImage(ImageReader(img), 72, 400, width=400, height=200)
        c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Same document from every format
# --------------------------------------------------------------------------------------------

def summary(doc: ParsedDocument) -> dict[str, object]:
    return {
        "doc_number": doc.document.doc_number,
        "title": doc.document.title,
        "issued": doc.document.issued_date,
        "effective": doc.document.effective_date,
        "sections": [(s.label, s.title, s.text) for s in doc.sections],
        "clauses": [(c.label, c.kind, c.text, c.budget_floor_cny, c.budget_period, c.fund_scale_cny,
                     [(a.kind, a.value, a.currency, a.qualifier, a.quote) for a in c.amounts],
                     [(p.kind, p.value, p.low, p.high, p.base, p.quote) for p in c.percentages],
                     [(k.field, k.operator, k.value, k.unit) for k in c.conditions]) for c in doc.clauses],
        "rules": [(r.kind, r.policy, r.quote) for r in doc.rules],
    }


@pytest.fixture(scope="module")
def reference() -> ParsedDocument:
    """The fixture as plain text: what every format must give."""
    raw = "\n".join(text for _, text in paragraphs())
    return parse_bytes(raw.encode("utf-8"), "reference.txt")


def assert_spans(doc: ParsedDocument) -> None:
    text = doc.document.text
    items = [x for c in doc.clauses for x in (*c.amounts, *c.percentages, *c.conditions)]
    items += [x for s in doc.sections for x in (*s.amounts, *s.percentages, *s.conditions)]
    items += list(doc.rules)
    assert items
    for x in items:
        assert text[x.span[0]:x.span[1]] == x.quote


def test_reference_fixture(reference):
    doc = reference
    assert doc.document.doc_number == DOCNUM
    assert doc.document.title == TITLE
    assert doc.document.effective_date == "2024-03-01"
    local = {c.id.split(":")[1]: c for c in doc.clauses}
    assert {k: local[k].budget_floor_cny for k in EXPECTED_FLOORS} == EXPECTED_FLOORS
    assert local["m3"].fund_scale_cny == 2_000_000_000
    assert [(k.field, k.operator, k.value, k.unit) for k in local["m2"].conditions] == [
        ("registered_capital", ">=", 50_000_000.0, "CNY"), ("registered_capital", ">=", 8_000_000.0, "USD")]
    goals = doc.sections[0]
    assert [(p.kind, p.value, p.base) for p in goals.percentages] == [("share", 0.1, "财政支出")]
    assert [(r.kind, r.policy) for r in doc.rules] == [("stacking", "highest_once"), ("override", "this_prevails")]
    assert_spans(doc)


@pytest.mark.parametrize("charset", ["utf-8", "GBK", "gb2312"])
def test_html(tmp_path, reference, charset):
    path = tmp_path / f"policy-{charset}.html"
    path.write_bytes(make_html(charset))
    doc = parse_file(path)
    assert summary(doc) == summary(reference)
    assert doc.document.text == reference.document.text
    assert "99" not in doc.document.text and "88" not in doc.document.text  # script, hidden, comment
    assert_spans(doc)


def test_html_without_declared_charset_is_detected(reference):
    data = make_html("utf-8").replace(b'<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', b"")
    gbk = data.decode("utf-8").encode("gb18030")
    for raw in (data, gbk):
        assert summary(parse_bytes(raw, "nometa.htm")) == summary(reference)


def test_html_wrong_declared_charset_falls_back(reference):
    data = make_html("utf-8").replace(b"charset=utf-8", b"charset=gbk")  # says GBK, is UTF-8
    assert summary(parse_bytes(data, "wrong.html")) == summary(reference)


def test_html_tables_and_breaks():
    page = ("<html><body><table><tr><td>示例区关于支持示例产业的若干政策</td></tr>"
            "<tr><td><p>1. 支持研发。每年安排预算不少于 2 亿元。</p><p>2. 支持人才。<br>对人才给予最高 50 万元奖励。</p></td></tr>"
            "</table></body></html>").encode()
    doc = parse_bytes(page, "table.html")
    assert [c.text for c in doc.clauses] == ["支持研发。每年安排预算不少于 2 亿元。", "支持人才。\n对人才给予最高 50 万元奖励。"]
    assert doc.clauses[0].budget_floor_cny == 200_000_000
    assert [(a.kind, a.value) for a in doc.clauses[1].amounts] == [("cap", 500_000.0)]


def test_docx(tmp_path, reference):
    path = tmp_path / "policy.docx"
    path.write_bytes(make_docx())
    doc = parse_file(path)
    assert summary(doc) == summary(reference)
    assert doc.document.text == reference.document.text
    assert_spans(doc)


def test_docx_table_rows():
    import docx

    d = docx.Document()
    d.add_paragraph("示例区关于支持示例产业的若干政策")
    d.add_paragraph("1. 支持研发。每年安排预算不少于 2 亿元。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "项目", "金额"
    t.cell(1, 0).text, t.cell(1, 1).text = "研发资助", "最高 300 万元"
    buf = io.BytesIO()
    d.save(buf)
    doc = parse_bytes(buf.getvalue(), "rows.docx")
    assert doc.clauses[0].text == "支持研发。每年安排预算不少于 2 亿元。\n项目 金额\n研发资助 最高 300 万元"
    assert [(a.kind, a.value) for a in doc.clauses[0].amounts] == [("budget_floor", 200_000_000.0), ("cap", 3_000_000.0)]


@pytest.mark.parametrize("lines_per_page", [11, 8, 13, 100])  # page breaks inside and between paragraphs
def test_pdf(tmp_path, reference, lines_per_page):
    data = make_pdf(lines_per_page)
    path = tmp_path / "policy.pdf"
    path.write_bytes(data)
    doc = parse_file(path)
    assert summary(doc) == summary(reference)
    assert doc.document.text == reference.document.text
    assert_spans(doc)


def test_seed_typeset_as_pdf():
    """The seed, typeset as a PDF with page breaks inside paragraphs, gives the same facts."""
    seed = parse_file(Path(__file__).resolve().parents[1] / "policykg" / "data" / "seeds" / "binjiang-2024-16.md")
    paras = [("t" if i < 3 else "p", line) for i, line in enumerate(seed.document.text.split("\n"))]
    doc = parse_bytes(make_pdf(37, paras), "seed.pdf")

    def facts(d: ParsedDocument) -> object:
        return ([(c.id.split(":")[1], c.budget_floor_cny, c.budget_period, c.fund_scale_cny,
                  [(p.kind, p.value, p.low, p.high, p.base) for p in c.percentages],
                  [(k.field, k.operator, k.value, k.unit) for k in c.conditions]) for c in d.clauses],
                [(r.kind, r.policy, r.name, r.rate_low, r.rate_high, r.base) for r in d.rules],
                d.document.doc_number, d.document.effective_date)

    assert facts(doc) == facts(seed)
    assert_spans(doc)


def test_pdf_text_extracts_back():
    """reportlab's STSong-Light CID font round-trips Chinese text through pdfminer."""
    from policykg.ingest.readers import read_pdf
    text = read_pdf(make_pdf(lines_per_page=100), "one-page.pdf")
    assert "每年安排预算不少于 1 亿元" in text
    assert "按“从优、从高、不重复”原则" in text
    assert "5%—10%" in text


def test_md_escape_round_trip():
    from policykg.ingest.text import normalise
    for line in ["**不是粗体**", "- 不是列表", "# 不是标题", "a\\b", "x_y_z", "== 等号", "+ 加号"]:
        assert normalise(md_escape(line)) == line.strip()
    assert normalise(md_escape("标题 #", heading=True)) == "标题 #"


# --------------------------------------------------------------------------------------------
# Bad files
# --------------------------------------------------------------------------------------------

def test_scanned_pdf_needs_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_scanned_pdf())
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert err.value.reason == "no text layer"
    assert "no text layer (scanned?)" in str(err.value) and "OCR" in str(err.value) and "scan.pdf" in str(err.value)
    assert err.value.file == str(path)


@pytest.mark.parametrize("name, data", [
    ("truncated.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
    ("garbage.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 8),
    ("not-a-pdf.pdf", b"hello, this is not a PDF"),
    ("empty.pdf", b""),
])
def test_corrupt_pdf(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert err.value.file == str(path)
    assert err.value.reason in ("corrupt file", "empty input")
    assert (name in str(err.value) and "PDF" in str(err.value)) or "empty" in str(err.value)


def test_cut_pdf_is_refused_or_read(tmp_path):
    """A PDF cut in half: pdfminer may recover some pages; either way no crash, and a clear error if not."""
    data = make_pdf()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 3])
    try:
        parse_file(path)
    except ParseError as exc:
        assert exc.file == str(path)
        assert exc.reason in ("corrupt file", "no text layer", "no numbered items found")


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


@pytest.mark.parametrize("name, data, words", [
    ("cut.docx", None, "corrupt"),
    ("not-zip.docx", b"just some text, not a zip", "not a DOCX"),
    ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".doc"),
    ("wrong-zip.docx", _zip({"hello.txt": b"hi"}), "corrupt"),
    ("bad-xml.docx", None, "corrupt"),
])
def test_corrupt_docx(tmp_path, name, data, words):
    if name == "cut.docx":
        whole = make_docx()
        data = whole[: len(whole) // 2]
    elif name == "bad-xml.docx":
        with zipfile.ZipFile(io.BytesIO(make_docx())) as z:
            files = {n: z.read(n) for n in z.namelist()}
        files["word/document.xml"] = b"<w:document><unclosed"
        data = _zip(files)
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert err.value.reason == "corrupt file"
    assert err.value.file == str(path)
    assert words in str(err.value) and name in str(err.value)


@pytest.mark.parametrize("name, data, reason", [
    ("empty.html", b"", "empty input"),
    ("blank.html", b"<html><body><script>var a = 1;</script>  </body></html>", "empty input"),
    ("pdf-named.html", b"%PDF-1.7\n1 0 obj", "binary input"),
])
def test_bad_html(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert err.value.reason == reason
    assert err.value.file == str(path)


def test_unknown_suffix_still_unsupported(tmp_path):
    path = tmp_path / "policy.xlsx"
    path.write_bytes(_zip({"a": b"b"}))
    with pytest.raises(ParseError) as err:
        parse_file(Path(path))
    assert err.value.reason == "unsupported format"


def _add_numbering(document, abstract_id: int, num_id: int, levels: list[tuple[str, str]]) -> None:
    """Add a Word list definition: levels as (numFmt, lvlText)."""
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                   f'<w:suff w:val="nothing"/></w:lvl>' for i, (fmt, text) in enumerate(levels))
    root = document.part.numbering_part.element
    abstract = parse_xml(f'<w:abstractNum {ns} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>')
    first_num = root.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
    first_num.addprevious(abstract)
    root.append(parse_xml(f'<w:num {ns} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))


def _numbered(paragraph, num_id: int, level: int) -> None:
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {ns}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def test_docx_automatic_numbering():
    """Numbers that Word draws (一、 / 1. / （1）) are not in the paragraphs' text; the reader writes them out."""
    import docx

    d = docx.Document()
    _add_numbering(d, 90, 90, [("chineseCounting", "%1、"), ("decimal", "%2. "), ("decimal", "（%3）")])
    d.add_paragraph("示例区关于支持示例产业的若干政策")
    plain = ["示例区关于支持示例产业的若干政策"]
    for text, level, label in [
        ("目标任务", 0, "一、"), ("政策措施", 0, "二、"), ("支持研发。每年安排预算不少于 2 亿元。", 1, "1. "),
        ("方式如下：", 2, None), ("支持人才。每年安排预算不少于5000万元。", 1, "2. "), ("附则", 0, "三、"),
        ("本政策自 2024 年 3 月 1 日施行。", 1, "1. "),
    ]:
        _numbered(d.add_paragraph(text), 90, level)
        plain.append((label or "（1）") + text)
    d.add_paragraph("示例区人民政府")  # not numbered
    plain.append("示例区人民政府")
    buf = io.BytesIO()
    d.save(buf)
    doc = parse_bytes(buf.getvalue(), "numbered.docx")
    ref = parse_bytes("\n".join(plain).encode(), "numbered.txt")
    assert doc.document.text == ref.document.text
    assert [(s.label, s.title) for s in doc.sections] == [("一", "目标任务"), ("二", "政策措施"), ("三", "附则")]
    assert [(c.label, c.kind, c.budget_floor_cny) for c in doc.clauses] == [
        ("1", "measure", 200_000_000), ("2", "measure", 50_000_000), ("1", "annex", None)]
    assert doc.clauses[0].text == "支持研发。每年安排预算不少于 2 亿元。\n（1）方式如下："


def test_docx_list_number_style():
    import docx

    d = docx.Document()
    d.add_paragraph("示例区关于支持示例产业的若干政策")
    for text in ["支持研发。每年安排预算不少于 2 亿元。", "支持人才。给予最高 50 万元奖励。"]:
        d.add_paragraph(text, style="List Number")
    buf = io.BytesIO()
    d.save(buf)
    doc = parse_bytes(buf.getvalue(), "list-number.docx")
    assert [(c.label, c.text) for c in doc.clauses] == [
        ("1", "支持研发。每年安排预算不少于 2 亿元。"), ("2", "支持人才。给予最高 50 万元奖励。")]
