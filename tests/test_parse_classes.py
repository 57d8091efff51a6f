"""Failure classes of the parser found on the evaluation corpus (corpus/FAILURES.md), one test each.

Every text below quotes a real public document word for word (the corpus documents, see
corpus/SOURCES.md); where a test joins sentences into a short document, the sentences are quoted
and only the frame (numbering around them) is ours.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.ingest.parse import parse_text
from policykg.ingest.text import match_numbering

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "documents"


def measures(doc):
    return [c for c in doc.clauses if c.kind == "measure"]


# ---------------------------------------------------------------------------------------------
# 1. Article numbers printed with spaces between the digits (a PDF copy)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "label", "number", "rest"), [
    # jilin-liuhe-2023-key-industries.txt (柳河县, 2023)
    ("第 1 0 条 鼓励企业标准创制和品牌建设。", "第 1 0 条", 10, "鼓励企业标准创制和品牌建设。"),
    ("第 2 6 条  本政策自发布之日起施行，暂定三年有效期。", "第 2 6 条", 26, "本政策自发布之日起施行，暂定三年有效期。"),
    ("第19条 对各乡镇(街道)招商引进落户到经济开发区的固定资产投资项目", "第19条", 19, "对各乡镇(街道)招商引进落户到经济开发区的固定资产投资项目"),
    ("第 十 二 条 鼓励企业逐年增加地方财政贡献。", "第 十 二 条", 12, "鼓励企业逐年增加地方财政贡献。"),
    ("第 1 0 章 附则", "第 1 0 章", 10, "附则"),
])
def test_spaced_article_numbers(line, label, number, rest):
    num = match_numbering(line)
    assert num is not None and num.label == label and num.number == number
    assert line[num.end:] == rest


def test_spaced_article_reference_is_no_article():
    # a reference written with spaces is still a reference, not a new article
    assert match_numbering("第 1 0 条规定的奖励") is None
    assert match_numbering("第 2 、3 条执行") is None


def test_spaced_articles_are_each_a_clause():
    text = (CORPUS / "jilin-liuhe-2023-key-industries.txt").read_text(encoding="utf-8")
    doc = parse_text(text, markdown=False)
    numbers = [c.number for c in doc.clauses]
    assert numbers == list(range(1, 27))
    tenth = next(c for c in doc.clauses if c.number == 10)
    assert tenth.label == "第 1 0 条"
    assert tenth.text.startswith("鼓励企业标准创制和品牌建设。")
    # 第 9 条 no longer swallows 第 1 0 条's seven awards
    ninth = next(c for c in doc.clauses if c.number == 9)
    assert "标准创制" not in ninth.text
    assert [a.value for a in tenth.amounts] == [1e6, 5e5, 3e5, 5e5, 5e5, 3e5, 1e5]
