"""Versions only on evidence, amendments and citations, on both backends.

The Jilin documents in tests/fixtures/versions are real public texts of 柳河县 (see corpus/SOURCES.md):
the 2023 policy, the earlier key-industry policy it repeals in general words (此前出台的…政策同时废止),
and the tourism policy the 2023 one cites as 《柳河县加快旅游业发展的若干意见》. All three copies begin
with the same mini-programme page label (加快重点产业实施意见), which the parser takes for their title.
Where a test needs a statement those texts do not make (a repeal naming a title, an amendment notice),
it edits a copy of a real text with wording of the genre, and says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.ingest.parse import parse_bytes
from policykg.ingest.policy import ingest_document, ingest_seed, seed_bytes, seed_document
from policykg.ingest.references import citations, reference_id, repeals, title_key

pytestmark = pytest.mark.backend

FIXTURES = Path(__file__).parent / "fixtures" / "versions"
SEED_TEXT = seed_bytes().decode("utf-8")
JILIN_2023 = (FIXTURES / "jilin-liuhe-2023-key-industries.txt").read_text(encoding="utf-8")
JILIN_EARLIER = (FIXTURES / "jilin-liuhe-key-industries-earlier.txt").read_text(encoding="utf-8")
TOURISM = (FIXTURES / "jilin-liuhe-tourism.txt").read_text(encoding="utf-8")
TOURISM_TITLE = "柳河县加快旅游业发展的若干意见"
# The tourism policy under the title the 2023 policy cites it by (its copy prints no title of its own).
TOURISM_TITLED = TOURISM_TITLE + "\n" + TOURISM.split("\n", 1)[1]
GENERAL_REPEAL = "此前出台的支持重点产业发展相关支持奖励政策同时废止。"


def _doc(text: str, name: str):
    return parse_bytes(text.encode("utf-8"), name)


def _ingest(backend, text: str, name: str) -> dict:
    report = ingest_document(backend, _doc(text, name))
    assert report["status"] == "created", report
    return report


def _edges(backend, rel: str) -> list[dict]:
    return backend.read_cypher(
        f"MATCH (a:PolicyDocument)-[r:{rel}]->(b:PolicyDocument) "
        "RETURN a.id AS newer, b.id AS older, r.basis AS basis, r.quote AS quote, r.span_start AS s, r.span_end AS e, "
        "r.source_doc AS src ORDER BY newer, older").records()


def _in_force(backend) -> set[str]:
    return {r["document"] for r in backend.query("clauses_in_force", {"as_of": "2030-01-01", "document": ""}).records()}


def _quote_is_evidence(backend, edge: dict) -> None:
    text = backend.read_cypher("MATCH (d:PolicyDocument) WHERE d.id = $id RETURN d.text AS t",
                               {"id": edge["src"]}).rows[0][0]
    assert text[edge["s"]:edge["e"]] == edge["quote"]


def test_same_number_supersedes_with_its_basis(backend):
    old = ingest_seed(backend)[0]["document"]
    revised = SEED_TEXT.replace("每年安排预算不少于2亿元，用于科技型企业培育", "每年安排预算不少于3亿元，用于科技型企业培育")
    new = _ingest(backend, revised, "seed-rev.md")["document"]
    assert [(e["newer"], e["older"], e["basis"]) for e in _edges(backend, "SUPERSEDES")] == [(new, old, "same_number")]
    assert _in_force(backend) == {new}


def test_same_issuers_and_title_with_dates_the_later_supersedes(backend):
    unnumbered = SEED_TEXT.replace("杭高新〔2024〕16号", "")
    later = unnumbered.replace("2024 年 10 月 24 日", "2025 年 3 月 1 日", 1)
    # the later text ingested first: the dates decide, not the order
    new = _ingest(backend, later, "later.md")
    old = _ingest(backend, unnumbered, "earlier.md")
    assert old["superseded_by"] == [new["document"]] and old["supersedes"] == []
    assert [(e["newer"], e["older"], e["basis"]) for e in _edges(backend, "SUPERSEDES")] == \
        [(new["document"], old["document"], "same_issuer_title_later_date")]
    assert _in_force(backend) == {new["document"]}


def test_same_title_without_dates_is_only_possible_and_both_stay_in_force(backend):
    undated = SEED_TEXT.replace("杭高新〔2024〕16号", "").replace("2024 年 10 月 24 日", "")
    other = undated.replace("每年安排预算不少于2亿元，用于科技型企业培育", "每年安排预算不少于3亿元，用于科技型企业培育")
    a = _ingest(backend, undated, "a.md")["document"]
    report = _ingest(backend, other, "b.md")
    b = report["document"]
    assert report["possibly_supersedes"] == [a] and report["supersedes"] == []
    assert _edges(backend, "SUPERSEDES") == []
    possible = _edges(backend, "POSSIBLY_SUPERSEDES")
    assert [(e["newer"], e["older"], e["basis"]) for e in possible] == [(b, a, "same_title")]
    reason = backend.read_cypher("MATCH ()-[r:POSSIBLY_SUPERSEDES]->() RETURN r.reason").rows[0][0]
    assert "issue dates unknown" in reason
    assert _in_force(backend) == {a, b}
    assert {d["id"] for d in backend.query("documents").records()} == {a, b}


def test_real_documents_with_the_same_page_label_all_stay_in_force(backend):
    """The three 柳河县 copies read as one title; only the 2023 policy's general repeal relates two of them,
    and without issuers or dates of the earlier one it is a possibility for review."""
    earlier = _ingest(backend, JILIN_EARLIER, "jilin-liuhe-key-industries-earlier.txt")["document"]
    tourism = _ingest(backend, TOURISM, "jilin-liuhe-tourism.txt")["document"]
    report = _ingest(backend, JILIN_2023, "jilin-liuhe-2023-key-industries.txt")
    new = report["document"]
    assert _edges(backend, "SUPERSEDES") == []
    assert _in_force(backend) == {earlier, tourism, new}
    possible = {(e["newer"], e["older"]): e for e in _edges(backend, "POSSIBLY_SUPERSEDES")}
    assert report["possibly_supersedes"] and set(report["possibly_supersedes"]) <= {earlier, tourism}
    edge = possible[(new, earlier)]
    assert edge["basis"] == "repeal_statement" and edge["quote"] == GENERAL_REPEAL
    _quote_is_evidence(backend, edge)


def test_the_seed_stays_in_force_beside_a_document_with_its_title_as_page_label(backend):
    """The tourism policy's body under a page label that is the seed's title (as the 柳河县 copies carry
    another document's title): the same title read, and nothing else in common."""
    seed_report = ingest_seed(backend)[0]
    label = seed_document().document.title
    report = _ingest(backend, label + "\n" + TOURISM.split("\n", 1)[1], "other.txt")
    assert report["supersedes"] == [] and report["possibly_supersedes"] == [seed_report["document"]]
    assert _edges(backend, "SUPERSEDES") == []
    assert _in_force(backend) == {seed_report["document"], report["document"]}


@pytest.mark.parametrize("new_first", [False, True], ids=["old-first", "new-first"])
def test_a_repeal_naming_the_old_title_supersedes_with_its_quote(backend, new_first):
    """An edited copy: the tourism policy's last sentence replaced by a commencement with a named repeal,
    worded as 本条例自2007年11月1日起施行。…《南京市犬类管理办法》同时废止 (南京市养犬管理条例 第五十三条)."""
    statement = "原《柳河县加快旅游业发展的若干意见》同时废止。"
    newer = TOURISM_TITLED.replace("自2019年1月1日起执行，暂定三年。", "自2022年1月1日起执行，暂定三年。" + statement)
    assert statement in newer
    texts = [(newer, "newer.txt"), (TOURISM_TITLED, "older.txt")]
    ids = [_ingest(backend, t, n)["document"] for t, n in (texts if new_first else texts[::-1])]
    new, old = ids if new_first else ids[::-1]
    edges = _edges(backend, "SUPERSEDES")
    assert [(e["newer"], e["older"], e["basis"], e["quote"]) for e in edges] == [(new, old, "repeal_statement", statement)]
    _quote_is_evidence(backend, edges[0])
    assert _edges(backend, "POSSIBLY_SUPERSEDES") == []
    assert _in_force(backend) == {new}
    assert {d["id"] for d in backend.query("documents", {"include_superseded": True}).records()} == {new, old}


@pytest.mark.parametrize("notice_first", [False, True], ids=["revised-first", "notice-first"])
def test_an_amendment_notice_amends_with_its_notes(backend, notice_first):
    """An amendment notice in the genre's form (关于修订《X》的通知, numbered change notes, the revised text)
    around a revised copy of the tourism policy."""
    notes = ["一、将第4条中“每间奖励2000元”修改为“每间奖励3000元”。", "二、删除第13条。"]
    revised = TOURISM_TITLED.split("\n", 1)[1].replace("自2019年1月1日起执行", "自2022年1月1日起执行")
    notice = ("关于修订《柳河县加快旅游业发展的若干意见》的通知\n各乡镇人民政府，县政府各部门：\n"
              "经县政府同意，现对《柳河县加快旅游业发展的若干意见》作如下修订：\n" + "\n".join(notes) + "\n"
              + TOURISM_TITLE + "\n" + revised)
    if notice_first:
        report = _ingest(backend, notice, "notice.txt")
        assert report["amends"] == [] and report["supersedes"] == []
        later = _ingest(backend, TOURISM_TITLED, "tourism.txt")
        old = later["document"]
        assert later["superseded_by"] == [report["document"]]
    else:
        old = _ingest(backend, TOURISM_TITLED, "tourism.txt")["document"]
        report = _ingest(backend, notice, "notice.txt")
        assert report["amends"] == [old] and report["supersedes"] == [old]
    rows = backend.read_cypher("MATCH (a:PolicyDocument)-[r:AMENDS]->(b:PolicyDocument) "
                               "RETURN a.id, b.id, r.notes, r.quote").rows
    assert rows == [[report["document"], old, notes, "关于修订《柳河县加快旅游业发展的若干意见》的通知"]]
    assert [e["basis"] for e in _edges(backend, "SUPERSEDES")] == ["repeal_statement"]


@pytest.mark.parametrize("cited_first", [False, True], ids=["reference-then-resolved", "cited-first"])
def test_a_citation_goes_to_the_ingested_title_or_a_reference_resolved_later(backend, cited_first):
    quote = "按照《柳河县加快旅游业发展的若干意见》相关规定"
    rid = reference_id(TOURISM_TITLE)
    if cited_first:
        tourism = _ingest(backend, TOURISM_TITLED, "tourism.txt")["document"]
    report = _ingest(backend, JILIN_2023, "jilin-2023.txt")
    policy = report["document"]
    if not cited_first:
        assert rid in report["references"]
        assert backend.read_cypher("MATCH (d:PolicyDocument)-[c:CITES]->(r:Reference) WHERE r.id = $id "
                                   "RETURN d.id, r.title, c.quote", {"id": rid}).rows == [[policy, TOURISM_TITLE, quote]]
        resolved = _ingest(backend, TOURISM_TITLED, "tourism.txt")
        tourism = resolved["document"]
        assert resolved["cited_by"] == [policy]
        assert backend.read_cypher("MATCH (r:Reference)-[:RESOLVES_TO]->(d:PolicyDocument) RETURN r.id, d.id").rows \
            == [[rid, tourism]]
    else:
        assert report["cites"] == [tourism] and rid not in report["references"]
    cites = backend.read_cypher("MATCH (a:PolicyDocument)-[c:CITES]->(b:PolicyDocument) "
                                "RETURN a.id, b.id, c.quote, c.span_start, c.span_end, c.source_doc").rows
    assert len(cites) == 1 and cites[0][:3] == [policy, tourism, quote]
    assert JILIN_2023 and _doc(JILIN_2023, "x").document.text[cites[0][3]:cites[0][4]] == quote
    # the law it cites is a Reference of kind law
    law = backend.read_cypher("MATCH (r:Reference) WHERE r.title = $t RETURN r.kind",
                              {"t": "吉林省促进中小企业发展条例"}).rows
    assert law == [["law"]]


def test_statements_are_read_with_their_spans():
    text = _doc(JILIN_2023, "x").document.text
    (rep,) = repeals(text)
    assert rep.kind == "repeal_generic" and rep.quote == GENERAL_REPEAL and text[rep.span[0]:rep.span[1]] == rep.quote
    cited = {title_key(t) for c in citations(text) for t in c.titles}
    # 《柳河县中小企业发展引导资金管理办法(试行)》 is also printed with a PDF line-break space: one title
    assert cited == {title_key("吉林省促进中小企业发展条例"), title_key("柳河县中小企业发展引导资金管理办法（试行）"),
                     title_key(TOURISM_TITLE)}
    for c in citations(text):
        assert text[c.span[0]:c.span[1]] == c.quote
    assert title_key("《柳 河县办法（试行）》") == title_key("《柳河县办法(试行)》")


def test_api_lists_versions_and_citations(backend):
    """GET /api/documents?include_superseded=true, /api/documents/{id}/versions and /citations."""
    from fastapi.testclient import TestClient

    from policykg.api.app import create_app

    statement = "原《柳河县加快旅游业发展的若干意见》同时废止。"
    old = _ingest(backend, TOURISM_TITLED, "older.txt")["document"]
    newer = TOURISM_TITLED.replace("自2019年1月1日起执行，暂定三年。", "自2022年1月1日起执行，暂定三年。" + statement)
    new = _ingest(backend, newer, "newer.txt")["document"]
    policy = _ingest(backend, JILIN_2023, "jilin-2023.txt")["document"]
    with TestClient(create_app(backend.settings, backend=backend)) as client:
        in_force = {d["id"] for d in client.get("/api/documents").json()["items"]}
        everything = client.get("/api/documents", params={"include_superseded": "true"}).json()["items"]
        assert in_force == {new, policy} and {d["id"] for d in everything} == {new, old, policy}
        assert next(d for d in everything if d["id"] == old)["superseded_by"] == [new]
        v_old = client.get(f"/api/documents/{old}/versions").json()
        assert v_old["older"] == [] and [(e["newer"], e["basis"], e["quote"]) for e in v_old["newer"]] == \
            [(new, "repeal_statement", statement)]
        v_new = client.get(f"/api/documents/{new}/versions").json()
        assert [e["older"] for e in v_new["older"]] == [old] and v_new["newer"] == []
        cited = client.get(f"/api/documents/{new}/citations").json()
        # both versions bear the cited title: the citation goes to each
        assert {c["id"] for c in cited["cited_by"]} == {policy}
        out = client.get(f"/api/documents/{policy}/citations").json()
        assert {c["id"] for c in out["cites"]} == {new, old}
        assert {c["quote"] for c in out["cites"]} == {"按照《柳河县加快旅游业发展的若干意见》相关规定"}
        assert {r["title"]: r["resolves_to"] for r in out["references"]}["吉林省促进中小企业发展条例"] is None
        assert client.get("/api/documents/doc-missing/versions").status_code == 404
        assert client.get("/api/documents/doc-missing/citations").status_code == 404


def _plain(id, title, issuers, issued, text="", new=False):
    from policykg.ingest.versions import Doc
    return Doc.of(id, None, title, issuers, issued, text, new=new)


def test_a_general_repeal_supersedes_only_the_same_issuers_earlier_document_on_its_subject():
    from policykg.ingest.versions import relate

    issuers = ["中共柳河县委", "柳河县人民政府"]
    new = _plain("new", "关于支持重点产业加快发展的实施意见", issuers, "2023-02-08", JILIN_2023, new=True)
    earlier = _plain("old", "柳河县关于加快重点产业发展的若干意见", issuers, "2019-05-01")
    (edge,) = relate(new, earlier)
    assert (edge.type, edge.source, edge.target, edge.props["basis"], edge.props["quote"]) == \
        ("SUPERSEDES", "new", "old", "repeal_statement", GENERAL_REPEAL)
    # another issuer's document on the subject: not the repealing body's to repeal
    assert relate(new, _plain("other", "通化市关于加快重点产业发展的若干意见", ["通化市人民政府"], "2019-05-01")) == []
    # a later document is never repealed by an earlier text
    assert relate(new, _plain("later", "柳河县关于加快重点产业发展的若干意见", issuers, "2024-01-01")) == []
    # another subject (the tourism policy the 2023 text cites): nothing
    assert relate(new, _plain("tour", TOURISM_TITLE, issuers, "2018-12-01")) == []
    # the earlier one's issuers or date unknown: only a possibility
    (maybe,) = relate(new, _plain("undated", "柳河县关于加快重点产业发展的若干意见", [], None))
    assert maybe.type == "POSSIBLY_SUPERSEDES" and "issue dates unknown" in maybe.props["reason"]
