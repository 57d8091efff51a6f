"""Structure parser: decoding, normalisation, sections, clauses, metadata, spans.

Expected values for the seed (杭高新〔2024〕16号) were read off the document itself; the other
documents are invented fixtures under tests/fixtures/docs/ (see the README there).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from policykg.errors import ParseError
from policykg.ingest.parse import ParsedDocument, parse_bytes, parse_file
from policykg.ingest.text import cn_numeral_to_int, decode, match_numbering, normalise

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "policykg" / "data" / "seeds" / "binjiang-2024-16.md"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "docs"
ARTICLES = FIXTURES / "articles-chapters.txt"
HALFWIDTH = FIXTURES / "halfwidth-items.md"


@pytest.fixture(scope="module")
def seed() -> ParsedDocument:
    return parse_file(SEED)


def local(doc: ParsedDocument, item_id: str) -> str:
    """The part of an id after the document id."""
    prefix = doc.document.id + ":"
    assert item_id.startswith(prefix)
    return item_id[len(prefix):]


def by_id(doc: ParsedDocument) -> dict[str, object]:
    return {local(doc, x.id): x for x in [*doc.sections, *doc.clauses]}


def assert_spans(doc: ParsedDocument) -> None:
    text = doc.document.text
    for s in doc.sections:
        assert 0 <= s.span[0] <= s.span[1] <= len(text)
        assert text[s.span[0]:s.span[1]] == s.title
        if s.text is None:
            assert s.text_span is None
        else:
            assert text[s.text_span[0]:s.text_span[1]] == s.text
    previous_end = -1
    for c in doc.clauses:
        assert 0 <= c.span[0] <= c.span[1] <= len(text)
        assert text[c.span[0]:c.span[1]] == c.text
        assert c.span[0] > previous_end  # in document order, not overlapping
        previous_end = c.span[1]


# ---------------------------------------------------------------------------------------------
# The seed
# ---------------------------------------------------------------------------------------------

SEED_SECTIONS = [
    # local id, label, title, parent, level
    ("s1", "一", "目标任务", None, 1),
    ("s2", "二", "政策措施", None, 1),
    ("s2.1", "（一）", "强化创新驱动发展，促进科技成果转移转化", "s2", 2),
    ("s2.2", "（二）", "强化重点产业扶持，推动核心产业集聚集群", "s2", 2),
    ("s2.3", "（三）", "强化企业梯队培育，助推全域企业提质提级", "s2", 2),
    ("s2.4", "（四）", "强化双招双引力度，助力产业发展蓄势蓄能", "s2", 2),
    ("s2.5", "（五）", "强化全链产业服务，完善要素支撑保质保量", "s2", 2),
    ("s3", "三", "附则", None, 1),
]

# measure numbers per group （一）…（五）, counted in the document
SEED_GROUPS = {"s2.1": range(1, 5), "s2.2": range(5, 12), "s2.3": range(12, 18),
               "s2.4": range(18, 21), "s2.5": range(21, 25)}


def test_seed_sections(seed):
    got = [(local(seed, s.id), s.label, s.title, s.parent and local(seed, s.parent), s.level)
           for s in seed.sections]
    assert got == SEED_SECTIONS


def test_seed_section_own_text(seed):
    s = by_id(seed)
    goals = s["s1"].text
    assert goals.startswith("聚焦“一园三谷五镇”产业新布局")
    assert "“1+5+N”现代产业体系。" in goals
    assert goals.endswith("强化创新赋能等产业培育扶持工作。")
    assert "\n" not in goals
    for sid in ("s2", "s2.1", "s2.2", "s2.3", "s2.4", "s2.5", "s3"):
        assert s[sid].text is None and s[sid].text_span is None


def test_seed_measures_and_annex(seed):
    measures = [c for c in seed.clauses if c.kind == "measure"]
    annex = [c for c in seed.clauses if c.kind == "annex"]
    assert len(seed.clauses) == 29
    assert [c.number for c in measures] == list(range(1, 25))
    assert [c.number for c in annex] == [1, 2, 3, 4, 5]
    assert seed.clauses == measures + annex  # measures first, in order
    assert [c.ordinal for c in seed.clauses] == list(range(1, 30))
    assert [local(seed, c.id) for c in measures] == [f"m{i}" for i in range(1, 25)]
    assert [local(seed, c.id) for c in annex] == [f"a{i}" for i in range(1, 6)]
    assert [c.label for c in measures] == [str(i) for i in range(1, 25)]
    for sid, numbers in SEED_GROUPS.items():
        assert [c.number for c in measures if local(seed, c.section) == sid] == list(numbers)
    assert all(local(seed, c.section) == "s3" for c in annex)


def test_seed_clause_titles(seed):
    m = {c.number: c for c in seed.clauses if c.kind == "measure"}
    a = {c.number: c for c in seed.clauses if c.kind == "annex"}
    assert m[1].title == "鼓励企业加大创新投入"
    assert m[5].title == "培育新一代人工智能产业"
    assert m[6].title == "壮大新制造业"
    assert m[11].title == "支持现代服务业"
    assert m[16].title == "吸引优质企业集聚"
    assert m[22].title == "发挥科创产业基金引导作用"
    assert m[24].title == "打造国际一流营商环境"
    assert a[1].title is None  # the first sentence is longer than 30 characters
    assert a[4].title is None
    assert m[5].text.startswith("培育新一代人工智能产业。每年安排预算不少于 3 亿元，")


@pytest.mark.parametrize("kind, number, joined", [
    ("measure", 5, "全力打造全省计算产业高地、算力成本洼地"),
    ("measure", 8, "拓展电子竞技等文化产业发展新赛道"),
    ("measure", 11, "丰富文体娱乐服务业态，推动服务业高端化"),
    ("measure", 16, "每年安排预算不少于5亿元，聚焦战略性新兴产业和未来产业"),
    ("measure", 19, "坚持以科技创新塑造发展新优势"),
    ("annex", 3, "同一奖项在低等次已作资助（奖励）的，晋升到高等次时补足差额部分。"),
])
def test_seed_page_breaks_repaired(seed, kind, number, joined):
    clause = next(c for c in seed.clauses if c.kind == kind and c.number == number)
    assert joined in clause.text
    assert joined in seed.document.text


def test_seed_clause_texts_are_single_paragraphs(seed):
    assert all("\n" not in c.text for c in seed.clauses)
    lines = seed.document.text.split("\n")
    for fragment_start in ("全省计算产业高地", "文化产业发展新赛道", "务业态", "战略性新兴产业", "以科技创新",
                           "已作资助"):
        assert not any(line.startswith(fragment_start) for line in lines)


def test_seed_text_kept_faithful(seed):
    m = {c.number: c for c in seed.clauses if c.kind == "measure"}
    assert "每年安排预算不少于2亿元" in m[1].text
    assert "每年安排预算不少于 1 亿元" in m[3].text
    assert "MCN 机构" in m[9].text
    assert "常态化保持50亿元以上的产业基金规模" in m[22].text


def test_seed_inline_enumeration_is_not_clauses(seed):
    a4 = next(c for c in seed.clauses if c.kind == "annex" and c.number == 4)
    for marker in ("（1）研发资助", "（2）投资资助", "（3）项目资助", "（4）市场拓展资助"):
        assert marker in a4.text
    assert a4.text.endswith("按最高不超过实际发生费用的 50% 予以支持。")
    assert not any(c.label.startswith("（") for c in seed.clauses)


def test_seed_back_matter_not_in_clauses(seed):
    m24 = next(c for c in seed.clauses if c.kind == "measure" and c.number == 24)
    a5 = seed.clauses[-1]
    assert "抄送" not in m24.text
    assert m24.text.endswith("全力打造成为效率最高、服务最优、保障最强的营商环境最优区。")
    assert a5.text == "本意见自 2024 年 11 月 25 日施行。此前发布的有关文件，凡与本意见不一致的，按照本意见执行。"
    for c in seed.clauses:
        assert "抄送" not in c.text and "印发" not in c.text and "此件公开发布" not in c.text
        assert "杭州市滨江区人民政府" not in c.text


def test_seed_metadata(seed):
    d = seed.document
    assert d.doc_number == "杭高新〔2024〕16号"
    assert d.title == "杭州高新开发区（滨江）管委会政府关于发展新质生产力加快建设世界领先科技园区的若干政策意见"
    assert d.issuers == ["杭州高新技术产业开发区管理委员会", "杭州市滨江区人民政府"]
    assert d.issued_date == "2024-10-24"
    assert d.effective_date == "2024-11-25"
    assert d.source == str(SEED)
    assert d.sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert d.id == "doc-" + hashlib.sha256(d.text.encode("utf-8")).hexdigest()[:12]


def test_seed_spans(seed):
    assert_spans(seed)
    text = seed.document.text
    m5 = next(c for c in seed.clauses if c.number == 5)
    assert text[m5.span[0] - 3:m5.span[0]] == "5. "  # the span starts after the label and separator
    s21 = by_id(seed)["s2.1"]
    assert text[s21.span[0] - 3:s21.span[0]] == "（一）"


def test_seed_deterministic(seed):
    again = parse_bytes(SEED.read_bytes(), str(SEED))
    assert again.to_dict() == seed.to_dict()
    assert [c.id for c in again.clauses] == [c.id for c in seed.clauses]
    assert [s.id for s in again.sections] == [s.id for s in seed.sections]
    json.dumps(seed.to_dict(), ensure_ascii=False)  # plain JSON-able data
    assert isinstance(seed.to_dict()["clauses"][0]["span"], list)


def test_seed_normalised_text(seed):
    text = seed.document.text
    assert text == normalise(SEED.read_text(encoding="utf-8"))
    lines = text.split("\n")
    assert all(line and line == line.strip() for line in lines)  # no blank lines, stripped
    assert "\r" not in text
    assert not any(line.startswith("#") or line.startswith("---") for line in lines)
    assert lines[:3] == ["杭州高新技术产业开发区管理委员会 杭州市滨江区人民政府 文件", "杭高新〔2024〕16号",
                         "杭州高新开发区（滨江）管委会 政府 关于发展新质生产力 加快建设世界领先科技 园区的若干政策意见"]
    assert "杭州高新技术产业开发区管理委员会\n杭州市滨江区人民政府\n2024 年 10 月 24 日\n" in text


def test_seed_same_text_from_other_renderings(seed):
    """The same document as plain GB18030 text with indented lines, or as CRLF Markdown with a BOM
    and no blank lines, normalises to the same text and parses to the same structure."""
    md = SEED.read_text(encoding="utf-8")
    plain = "\n".join("\u3000\u3000" + re.sub(r"^#+\s*", "", line).rstrip()
                      for line in md.splitlines() if line.strip() != "---")
    crlf = md.replace("\n\n", "\n").replace("\n", "\r\n")
    for data, name in [(plain.encode("gb18030"), "seed.txt"), (b"\xef\xbb\xbf" + crlf.encode("utf-8"), "seed.md")]:
        other = parse_bytes(data, name)
        assert other.document.text == seed.document.text
        assert other.document.id == seed.document.id
        assert [c.to_dict() for c in other.clauses] == [c.to_dict() for c in seed.clauses]
        assert [s.to_dict() for s in other.sections] == [s.to_dict() for s in seed.sections]
        assert other.document.title == seed.document.title
        assert other.document.issuers == seed.document.issuers


# ---------------------------------------------------------------------------------------------
# Fixture: 第N条 articles in chapters, plain text
# ---------------------------------------------------------------------------------------------

def check_articles(doc: ParsedDocument) -> None:
    assert [(local(doc, s.id), s.label, s.title, s.parent, s.level) for s in doc.sections] == [
        ("s1", "第一章", "总\u3000则", None, 1),
        ("s2", "第二章", "扶持措施", None, 1),
        ("s3", "第三章", "附\u3000则", None, 1),
    ]
    assert [c.number for c in doc.clauses] == list(range(1, 13))
    assert [c.kind for c in doc.clauses] == ["item"] * 2 + ["measure"] * 7 + ["annex"] * 3
    assert [local(doc, c.id) for c in doc.clauses] == [
        "c1", "c2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "a10", "a11", "a12"]
    labels = [c.label for c in doc.clauses]
    assert labels[0] == "第一条" and labels[3] == "第 4 条" and labels[11] == "第十二条"
    assert [local(doc, c.section) for c in doc.clauses] == ["s1"] * 2 + ["s2"] * 7 + ["s3"] * 3
    c = {x.number: x for x in doc.clauses}
    assert c[3].title == "研发投入补助"
    assert c[3].text.endswith("最高不超过200万元。")  # page break repaired
    assert c[4].title == "首台套奖励"
    assert c[4].text == ("首台套奖励。对认定为首台（套）产品的，给予一次性奖励：\n"
                         "（一）国家级首台套，奖励100万元；\n（二）省级首台套，奖励50万元。")
    assert c[12].text == "本办法自二〇二三年十二月一日起施行，有效期三年。"
    d = doc.document
    assert d.doc_number == "示例科〔2023〕7号"
    assert d.title == "示例区科技企业培育扶持办法（试行）"
    assert d.issuers == ["示例市示例区科学技术局", "示例市示例区财政局"]
    assert d.issued_date == "2023-11-01"
    assert d.effective_date == "2023-12-01"
    assert "\u3000\u3000第一条" not in d.text  # indentation stripped
    assert_spans(doc)


def test_articles_and_chapters():
    doc = parse_file(ARTICLES)
    check_articles(doc)
    assert doc.document.sha256 == hashlib.sha256(ARTICLES.read_bytes()).hexdigest()


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_gbk_file(tmp_path, codec):
    utf8 = parse_file(ARTICLES)
    path = tmp_path / "articles-gbk.txt"
    path.write_bytes(ARTICLES.read_text(encoding="utf-8").encode(codec))
    doc = parse_file(path)
    check_articles(doc)
    assert doc.document.text == utf8.document.text
    assert doc.document.id == utf8.document.id  # same text, same id, whatever the encoding
    assert doc.document.sha256 != utf8.document.sha256


def test_utf8_bom_crlf_and_utf16():
    utf8 = parse_file(ARTICLES)
    raw = ARTICLES.read_text(encoding="utf-8")
    for data in (b"\xef\xbb\xbf" + raw.replace("\n", "\r\n").encode("utf-8"),
                 raw.encode("utf-16")):  # Python's utf-16 writes a BOM
        doc = parse_bytes(data, "articles.txt")
        assert doc.document.text == utf8.document.text
        assert [c.to_dict() for c in doc.clauses] == [c.to_dict() for c in utf8.clauses]


# ---------------------------------------------------------------------------------------------
# Fixture: half-width (一), items 1、 restarting per section, Markdown
# ---------------------------------------------------------------------------------------------

def test_halfwidth_sections_and_items():
    doc = parse_file(HALFWIDTH)
    assert [(local(doc, s.id), s.label, s.title, s.parent and local(doc, s.parent), s.level)
            for s in doc.sections] == [
        ("s1", "一", "总体目标", None, 1),
        ("s2", "二", "支持措施", None, 1),
        ("s2.1", "(一)", "培育数字产业主体", "s2", 2),
        ("s2.2", "(二)", "推动数字化转型", "s2", 2),
        ("s3", "三", "附则", None, 1),
    ]
    assert by_id(doc)["s1"].text == "到2026年，全县数字经济核心产业增加值年均增长10%以上。"
    # numbering restarts in each group, so measure ids carry the section path
    assert [local(doc, c.id) for c in doc.clauses] == ["m2.1-1", "m2.1-2", "m2.2-1", "m2.2-2", "a1", "a2"]
    assert [(c.label, c.number, c.kind) for c in doc.clauses] == [
        ("1", 1, "measure"), ("2", 2, "measure"), ("1", 1, "measure"), ("2", 2, "measure"),
        ("1", 1, "annex"), ("2", 2, "annex")]
    c = doc.clauses
    assert c[0].title == "支持企业上规升级"
    assert c[1].text.endswith("执行：\n（1）研发投入500万元以上的，补助50万元；\n（2）研发投入100万元至500万元的，补助20万元。")
    assert c[2].text.endswith("按设备投资额的10%给予补助，最高不超过300万元。")  # page number line dropped, break repaired
    assert "— 2 —" not in doc.document.text
    assert c[3].text.endswith("(1)基础云服务；(2)行业云服务。")  # inline enumeration stays in the clause
    assert "抄送" not in c[5].text and "示例县人民政府办公室" not in c[5].text
    d = doc.document
    assert d.doc_number == "示政办发[2024]3号"
    assert d.title == "示例县人民政府办公室关于促进数字经济高质量发展的若干措施"
    assert d.issuers == ["示例县人民政府办公室"]
    assert d.issued_date == "2024-03-05"
    assert d.effective_date == "2024-04-01"
    assert "**" not in d.text and not d.text.startswith("#")
    assert_spans(doc)


def test_no_markdown_parsing_for_txt():
    # a .txt is read without Markdown rules: a leading "#" is text, not a heading mark
    doc = parse_bytes("#1 标签\n一、总则\n1. 第一项。\n".encode(), "plain.txt")
    assert doc.document.text.startswith("#1 标签\n")
    assert [c.text for c in doc.clauses] == ["第一项。"]


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, reason", [
    ("empty.txt", "empty input"),
    ("binary.txt", "binary input"),
    ("no-numbers.txt", "no numbered items found"),
])
def test_bad_fixture_files(name, reason):
    path = FIXTURES / name
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert err.value.reason == reason
    assert err.value.file == str(path)
    assert reason in str(err.value)


@pytest.mark.parametrize("data, reason", [
    (b"", "empty input"),
    (b" \r\n\t\n", "empty input"),
    (b"\xef\xbb\xbf\n", "empty input"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary input"),
    (bytes(range(1, 32)) * 4 + "一、总则".encode(), "binary input"),
    ("1. abc".encode("utf-16-le"), "binary input"),  # NUL bytes, no BOM
    (b"caf\xe9 cr\xe8me\n1. abc\n", "undecodable text"),  # Latin-1, neither UTF-8 nor GB18030
    (b"\x81\x30\x81\x30" * 20, "undecodable text"),  # valid GB18030, but only four-byte codes
])
def test_bad_bytes(data, reason):
    with pytest.raises(ParseError) as err:
        parse_bytes(data, "input.txt")
    assert err.value.reason == reason
    assert err.value.file == "input.txt"


def test_unsupported_format(tmp_path):
    path = tmp_path / "policy.doc"  # old binary Word; .pdf/.docx/.html have readers (tests/test_formats.py)
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert err.value.reason == "unsupported format"


def test_decode_prefers_utf8_then_gb18030():
    text = "第一条　示例。"
    assert decode(text.encode("utf-8"), "a") == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8"), "a") == text
    assert decode(text.encode("gb2312"), "a") == text
    assert decode(text.encode("gb18030"), "a") == text


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("s, n", [("12", 12), ("１２", 12), ("十", 10), ("十二", 12), ("二十四", 24),
                                  ("九十九", 99), ("一百零五", 105), ("二〇二四", 2024), ("〇", 0)])
def test_cn_numerals(s, n):
    assert cn_numeral_to_int(s) == n


@pytest.mark.parametrize("line, kind, label, number, rest", [
    ("一、目标任务", "sec1", "一", 1, "目标任务"),
    ("（十二）示例", "sec2", "（十二）", 12, "示例"),
    ("(一)示例", "sec2", "(一)", 1, "示例"),
    ("5. 培育", "item1", "5", 5, "培育"),
    ("1．示例", "item1", "1", 1, "示例"),
    ("3、示例", "item1", "3", 3, "示例"),
    ("（1）示例", "item2", "（1）", 1, "示例"),
    ("第3条 示例", "article", "第3条", 3, "示例"),
    ("第 1 条　示例", "article", "第 1 条", 1, "示例"),
    ("第十二条　示例", "article", "第十二条", 12, "示例"),
    ("第一章　总则", "chapter", "第一章", 1, "总则"),
])
def test_numbering(line, kind, label, number, rest):
    num = match_numbering(line)
    assert (num.kind, num.label, num.number, line[num.end:]) == (kind, label, number, rest)


@pytest.mark.parametrize("line", ["2.5亿元用于", "2024年10月24日", "第三条规定的企业", "一是加强", "聚焦"])
def test_not_numbering(line):
    assert match_numbering(line) is None


def test_normalise_rules():
    raw = ("## 一、总则  \r\n\r\n第一段没有句号\r\n\r\n接着写完。\r\n---\r\n"
           "（一）标题\r\n正文一段。\r\n**2\\.** 加粗\r\n— 3 —\r\n")
    assert normalise(raw) == "一、总则\n第一段没有句号接着写完。\n（一）标题\n正文一段。\n2. 加粗"
    # Latin words split by a break keep a space; CJK joins with nothing
    assert normalise("see the high\nperformance note\n中文断\n开了。") == "see the high performance note中文断开了。"


# ---------------------------------------------------------------------------------------------
# Genre variants written inline
# ---------------------------------------------------------------------------------------------

def test_sections_as_items_when_no_item_numbering():
    """一、 groups whose （一） paragraphs carry the content: the （一） paragraphs are the items."""
    raw = ("示例市人民政府\n关于加快发展先进制造业的若干意见\n各区人民政府，市政府各部门：\n"
           "为加快发展先进制造业，提出如下意见。\n"
           "一、总体要求。坚持创新驱动，\n推动高质量发展。\n"
           "（一）指导思想。以新发展理念为指导。\n（二）发展目标。到2025年，制造业占比稳定。\n"
           "二、主要任务\n（三）加强企业培育。对首次上规企业给予奖励。\n"
           "（四）推进数字化改造。对技改项目给予补助。\n"
           "三、保障措施\n（五）加强组织领导。建立工作专班。\n示例市人民政府\n")
    doc = parse_bytes(raw.encode(), "opinion.txt")
    assert [(local(doc, s.id), s.title, s.text) for s in doc.sections] == [
        ("s1", "总体要求", "坚持创新驱动，推动高质量发展。"),
        ("s2", "主要任务", None),
        ("s3", "保障措施", None),
    ]
    assert [(local(doc, c.id), c.label, c.title) for c in doc.clauses] == [
        ("c1", "（一）", "指导思想"), ("c2", "（二）", "发展目标"), ("m3", "（三）", "加强企业培育"),
        ("m4", "（四）", "推进数字化改造"), ("c5", "（五）", "加强组织领导")]
    assert doc.clauses[-1].text == "加强组织领导。建立工作专班。"  # the undated signature is not part of it
    assert doc.document.title == "示例市人民政府关于加快发展先进制造业的若干意见"
    assert doc.document.issuers == ["示例市人民政府"]
    assert doc.document.issued_date is None and doc.document.effective_date is None
    assert doc.document.doc_number is None
    assert_spans(doc)


def test_sublist_inside_item_is_not_a_section():
    raw = ("关于支持科技创新的若干政策\n一、支持政策\n1. 支持研发。方式如下：\n（一）贷款贴息；\n（二）项目资助。\n"
           "2. 支持人才。对引进人才给予补贴。\n1、不属于新条目的子项。\n3. 支持载体。\n")
    doc = parse_bytes(raw.encode(), "flat.txt")
    assert [s.title for s in doc.sections] == ["支持政策"]
    assert [c.number for c in doc.clauses] == [1, 2, 3]
    assert doc.clauses[0].text == "支持研发。方式如下：\n（一）贷款贴息；\n（二）项目资助。"
    assert doc.clauses[1].text.endswith("\n1、不属于新条目的子项。")
    assert all(c.kind == "measure" for c in doc.clauses)
    assert_spans(doc)
