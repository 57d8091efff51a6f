"""The taxonomy (policykg/data/taxonomy.yaml) and its loader, resolver and linker; no database.

Expected mentions were read off the seed document (杭高新〔2024〕16号) itself.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from policykg.graph.schema import load_schema, validate_node, validate_rel
from policykg.ingest.parse import ParsedDocument, parse_bytes
from policykg.ingest.policy import SEED, seed_bytes
from policykg.ingest.taxonomy import (
    KINDS,
    Entry,
    Mention,
    Taxonomy,
    TaxonomyError,
    load_taxonomy,
    normalise,
    parse_taxonomy,
)

ROOT = Path(__file__).resolve().parent.parent
ONE = ["智能物联"]
FIVE = ["集成电路", "智能计算", "高端装备", "生命健康", "绿色能源"]
N = ["未来网络", "通用人工智能", "类脑智能", "人形机器人", "智能网联汽车", "低空经济", "量子传感", "零磁医疗装备", "新型储能"]
KEY = ["智能物联", "新一代信息技术", "人工智能", "集成电路", "数据要素", "高端装备制造", "生命健康", "文化创意",
       "新能源", "节能环保", "新材料"]


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="module")
def seed() -> ParsedDocument:
    return parse_bytes(seed_bytes(), SEED)


def clause(doc: ParsedDocument, local: str):
    return next(c for c in doc.clauses if c.id == f"{doc.document.id}:{local}")


def links(tax: Taxonomy, doc: ParsedDocument, local: str) -> list[Mention]:
    c = clause(doc, local)
    return tax.link(doc.document.text, *c.span)


def names(mentions: list[Mention], kind: str) -> list[str]:
    return [m.name for m in mentions if m.kind == kind]


def raw() -> dict:
    from importlib import resources
    return yaml.safe_load(resources.files("policykg.data").joinpath("taxonomy.yaml").read_text(encoding="utf-8"))


# --- the file ---------------------------------------------------------------------------------

def test_file_loads_cached_with_every_kind(tax):
    assert load_taxonomy() is tax
    for kind in KINDS:
        assert tax.entries(kind), kind
    assert len(tax.entries()) == sum(len(tax.entries(k)) for k in KINDS)
    assert tax.entries("industries") == tax.entries("industry")
    with pytest.raises(TaxonomyError):
        tax.entries("enterprise")


def test_file_has_a_header_naming_its_sources():
    from importlib import resources
    head = resources.files("policykg.data").joinpath("taxonomy.yaml").read_text(encoding="utf-8")[:2000]
    assert head.startswith("#")
    assert "binjiang-2024-16.md" in head and "domain.md" in head


def test_ids_and_surface_forms_are_unique(tax):
    ids = [e.id for e in tax.entries()]
    assert len(ids) == len(set(ids))
    for kind in KINDS:
        owner: dict[str, str] = {}
        for e in tax.entries(kind):
            for form in (e.id, e.name, *e.synonyms, *([e.name_en] if e.name_en else [])):
                key = normalise(form)
                assert owner.setdefault(key, e.id) == e.id, f"{form!r}: {owner[key]} and {e.id}"
    # linked forms are unique across kinds too, so a mention has one reading
    forms = Counter(normalise(f) for e in tax.entries() for f in e.surface_forms)
    assert [f for f, n in forms.items() if n > 1] == []


def test_the_1_5_n_system(tax):
    groups = {e.name: e.get("group") for e in tax.entries("industry") if e.get("group") in ("1", "5", "N")}
    assert groups == {**dict.fromkeys(ONE, "1"), **dict.fromkeys(FIVE, "5"), **dict.fromkeys(N, "N")}
    assert {e.get("group") for e in tax.entries("industry")} == {"1", "5", "N", "sector"}


def test_the_11_key_industries(tax):
    key = [e for e in tax.entries("industry") if e.get("key_industry")]
    assert len(key) == 11
    assert {tax.resolve("industry", name).id for name in KEY} == {e.id for e in key}
    # in both lists: one entry with group and key_industry both set
    both = {e.name: e.get("group") for e in key if e.get("group") != "sector"}
    assert both == {"智能物联": "1", "集成电路": "5", "高端装备": "5", "生命健康": "5"}
    assert tax.resolve("industry", "高端装备制造") is tax.resolve("industry", "高端装备")


def test_parents_exist_without_cycles(tax):
    for e in tax.entries("industry"):
        seen = {e.id}
        up = e.parent
        while up:
            parent = tax.get(up)
            assert parent is not None and parent.kind == "industry", (e.id, up)
            assert up not in seen, f"cycle through {up}"
            seen.add(up)
            up = parent.parent
    parent = {e.name: tax.get(e.parent).name for e in tax.entries("industry") if e.parent}
    assert parent["生物医药"] == "生命健康"
    assert parent["跨境电商"] == "新电商"
    assert parent["通用人工智能"] == "人工智能"
    assert parent["新一代人工智能"] == "人工智能"
    assert parent["物联网"] == "智能物联"
    assert [b.name for b in tax.broader("ind-cross-border-e-commerce")] == ["新电商", "电子商务"]


def test_tier_parents_are_the_national_definitions(tax):
    """科技型中小企业 and 高新技术企业 are 科技型企业 (《科技型中小企业评价办法》, 《高新技术企业认定管理
    办法》); measure 13's four kinds are 总部企业. No other tier has a parent, and each link's source is
    cited in the file beside it."""
    parent = {e.id: e.parent for e in tax.entries("tier") if e.parent}
    assert parent == {"tier-tech-sme": "tier-tech-enterprise", "tier-high-new-tech": "tier-tech-enterprise",
                      "tier-headquarters-scale": "tier-headquarters", "tier-headquarters-rd": "tier-headquarters",
                      "tier-headquarters-listed": "tier-headquarters", "tier-headquarters-other": "tier-headquarters"}
    assert [b.name for b in tax.broader("tier-high-new-tech")] == ["科技型企业"]
    text = (ROOT / "policykg" / "data" / "taxonomy.yaml").read_text(encoding="utf-8")
    for source in ("国科发政〔2017〕115号", "国科发火〔2016〕32号", "按…等分类"):
        assert source in text, source


def test_places_and_the_layout_without_invented_members(tax):
    layout = [e for e in tax.entries("place") if e.get("kind") == "layout"]
    assert [e.name for e in layout] == ["一园三谷五镇"]
    assert layout[0].members == ()
    batch = tax.to_batch()
    assert not [r for r in batch.relationships[("PART_OF", "Place", "Place")] if r["to"] == layout[0].id]
    town = tax.resolve("place", "智造供给小镇")
    assert town.get("kind") == "town" and town.get("area_km2") == 3.75
    assert tax.resolve("place", "江北区块").get("kind") == "block"
    for name, district in (("滨富特别合作区", "富阳区"), ("滨萧特别合作园", "萧山区")):
        zone = tax.resolve("place", name)
        assert zone.get("kind") == "cooperation_zone"
        assert [b.name for b in tax.broader(zone.id)] == [district]   # not inside 滨江
    assert tax.resolve("place", "滨江区") is tax.resolve("place", "高新区（滨江）")
    assert tax.resolve("place", "滨江区").get("kind") == "district"


def test_tiers_programmes_funds_instruments(tax):
    for name in ("领军企业", "总部企业", "瞪羚企业", "专精特新企业", "上市企业", "拟上市企业", "科技型中小企业",
                 "科技型企业", "高新技术企业", "外贸企业", "孵化载体", "新型研发机构", "链主企业",
                 "规模型总部", "研发型总部", "上市企业总部", "其他总部"):
        assert tax.resolve("tier", name) is not None, name
    kinds = {e.name: e.get("kind") for e in tax.entries("programme")}
    assert kinds["5050计划"] == "talent" and kinds["青链行动"] == "talent"
    assert kinds["领军企业跨越发展计划"] == "enterprise"
    assert kinds["315科技创新体系"] == kinds["415X先进制造业集群"] == "frame"
    assert {e.name for e in tax.entries("fund")} == {"科创产业基金", "科技成果转化基金", "5050人才直投基金",
                                                     "重大产业专项基金"}
    assert tax.resolve("fund", "重大直投项目") is None          # a channel, not a fund
    rates = {e.name: (e.get("rate_low"), e.get("rate_high")) for e in tax.entries("instrument")}
    assert rates["研发资助"] == (None, 0.30)
    assert rates["投资资助-贴息"] == (None, 1.0)
    assert rates["投资资助-注册资本"] == (0.05, 0.10)
    assert rates["项目资助"] == (None, 0.20)
    assert rates["市场拓展资助-境内"] == (None, 0.20)
    assert rates["市场拓展资助-境外"] == (None, 0.50)
    assert tax.resolve("instrument", "银行贷款贴息").name == "投资资助-贴息"
    assert tax.resolve("instrument", "研发经费资助").name == "研发资助"


# --- linking the seed -------------------------------------------------------------------------

def test_measure_4_supports_five_industries(tax, seed):
    assert names(links(tax, seed, "m4"), "industry") == ["智能物联", "生物医药", "高端装备", "新材料", "绿色能源"]


def test_measure_5_new_generation_ai(tax, seed):
    ms = links(tax, seed, "m5")
    assert ms[0].name == "新一代人工智能" and ms[0].quote == "新一代人工智能"
    assert "新一代人工智能" in names(ms, "industry")
    assert all(not (m.quote == "人工智能" and seed.document.text[m.span[0] - 3:m.span[0]] == "新一代") for m in ms)


def test_measure_14_targets_gazelles_and_specialised(tax, seed):
    ms = links(tax, seed, "m14")
    assert set(names(ms, "tier")) == {"瞪羚企业", "专精特新企业"}
    assert "“专精特新”企业" in [m.quote for m in ms]


def test_measure_19_refers_to_5050_and_qinglian(tax, seed):
    ms = links(tax, seed, "m19")
    progs = [(m.id, m.quote) for m in ms if m.kind == "programme"]
    assert ("prog-5050", "“5050”政策") in progs
    assert {p for p, _ in progs} == {"prog-5050", "prog-qinglian"}
    assert any(q.endswith("“青链”行动") for _, q in progs)
    assert set(names(ms, "industry")) == {"集成电路", "人工智能", "生命健康", "新材料", "高端装备"}


def test_measure_22_refers_to_the_funds(tax, seed):
    ms = links(tax, seed, "m22")
    assert set(names(ms, "fund")) == {"科创产业基金", "科技成果转化基金", "5050人才直投基金", "重大产业专项基金"}
    assert "“5050”人才直投基金" in [m.quote for m in ms]
    assert not [m for m in ms if m.kind == "programme"]     # the fund, not the 5050 plan
    assert names(ms, "instrument") == ["重大直投项目"]
    assert names(ms, "tier") == ["链主企业"]


def test_measure_6_names_the_places(tax, seed):
    ms = links(tax, seed, "m6")
    assert names(ms, "place") == ["智造供给小镇", "滨富特别合作区", "滨萧特别合作园"]
    assert "智造供给" in names(ms, "industry")               # the industry, apart from the town


def test_other_measures(tax, seed):
    assert names(links(tax, seed, "m12"), "programme") == ["领军企业跨越发展计划"]
    assert "上市企业总部" in names(links(tax, seed, "m13"), "tier")
    assert set(names(links(tax, seed, "m16"), "instrument")) == {"房租补贴", "研发资助", "投资资助-贴息", "投资资助",
                                                                 "市场拓展资助"}
    assert names(links(tax, seed, "m18"), "programme") == ["天堂硅谷人才行动", "315科技创新体系",
                                                           "415X先进制造业集群", "滨朋远至·江成大业"]
    assert set(names(links(tax, seed, "m20"), "place")) == {"江北区块"}
    assert "高新技术企业" in names(links(tax, seed, "m20"), "tier")   # 重点高新技术企业
    a2 = links(tax, seed, "a2")
    assert {m.id for m in a2 if m.kind == "industry" and tax.get(m.id).get("key_industry")} == {
        e.id for e in tax.entries("industry") if e.get("key_industry")}
    assert set(names(links(tax, seed, "a4"), "instrument")) == {"研发资助", "投资资助", "投资资助-贴息", "项目资助",
                                                                "市场拓展资助"}


def test_goals_paragraph_names_the_whole_1_5_n(tax, seed):
    goals = next(s for s in seed.sections if s.title == "目标任务")
    ms = tax.link(seed.document.text, *goals.text_span)
    assert names(ms, "industry")[:15] == ONE + FIVE + N
    assert names(ms, "place") == ["一园三谷五镇"]
    assert ms[0].quote == "一园三谷五镇"


def test_every_span_quotes_the_full_text(tax, seed):
    text = seed.document.text
    everything = tax.link(text)
    assert len(everything) > 150
    per_clause = [m for c in seed.clauses for m in tax.link(text, *c.span)]
    for m in everything + per_clause:
        assert text[m.span[0]:m.span[1]] == m.quote
    spans = [m.span for m in everything]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))   # no overlaps
    for c in seed.clauses:
        for m in tax.link(text, *c.span):
            assert c.span[0] <= m.span[0] < m.span[1] <= c.span[1]


def test_longest_match_wins(tax):
    def first(s: str) -> tuple[str, str]:
        m = tax.link(s)[0]
        return m.name, m.quote

    assert first("培育新一代人工智能产业") == ("新一代人工智能", "新一代人工智能")
    assert first("发展人工智能") == ("人工智能", "人工智能")
    assert [m.name for m in tax.link("智能")] == []
    assert first("通用人工智能") == ("通用人工智能", "通用人工智能")
    assert first("上市企业总部") == ("上市企业总部", "上市企业总部")
    assert first("拟上市企业") == ("拟上市企业", "拟上市企业")
    assert first("列入“领军企业跨越发展计划”的") == ("领军企业跨越发展计划", "领军企业跨越发展计划")
    assert first("高端装备制造等") == ("高端装备", "高端装备制造")
    assert first("建设智造供给小镇") == ("智造供给小镇", "智造供给小镇")


def test_quotes_fold_and_codes(tax):
    text = "对“5050”政策、\"5050\"政策、《青链》行动、ｌｅａｄｉｎｇ与「专精特新」企业、5050万元、“415X”集群、全 生命 健康"
    ms = tax.link(text)
    for m in ms:
        assert text[m.span[0]:m.span[1]] == m.quote
    quotes = [(m.id, m.quote) for m in ms]
    assert ("prog-5050", "“5050”政策") in quotes
    assert ("prog-5050", "\"5050\"政策") in quotes
    assert ("prog-qinglian", "《青链》行动") in quotes
    assert ("tier-specialised-sme", "「专精特新」企业") in quotes
    assert ("prog-415x-manufacturing-clusters", "“415X”") in quotes      # a code links between quotes only
    assert ("ind-life-health", "生命 健康") in quotes                    # a PDF line wrap inside a name
    assert [m for m in tax.link("5050万元，415X") if m.kind == "programme"] == []
    assert tax.link("CIRCUIT 集成电路")[0].span == (8, 12)
    assert tax.link("一园三谷五镇", 2) == []
    with pytest.raises(ValueError):
        tax.link("abc", 2, 1)


def test_link_by_kind(tax, seed):
    ms = tax.link(seed.document.text, kinds=["fund"])
    assert ms and {m.kind for m in ms} == {"fund"}


def test_link_is_fast(tax, seed):
    text = seed.document.text
    spans = [c.span for c in seed.clauses] * 100
    t0 = time.perf_counter()
    for s, e in spans:
        tax.link(text, s, e)
    assert time.perf_counter() - t0 < 10, "linking 2900 clauses took too long"


# --- resolve ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "text", "expected"), [
    ("industry", "集成电路", "ind-integrated-circuits"),
    ("industry", "  集成电路 ", "ind-integrated-circuits"),
    ("industry", "集成电路产业", "ind-integrated-circuits"),      # without the class noun
    ("industry", "Integrated Circuits", "ind-integrated-circuits"),
    ("industry", "ind-integrated-circuits", "ind-integrated-circuits"),
    ("industry", "IND-AI", "ind-ai"),
    ("industry", "高端装备制造业", "ind-high-end-equipment"),
    ("industry", "跨境电子商务", "ind-cross-border-e-commerce"),
    ("industry", "文化产业", "ind-culture"),                         # an entry before the fallback
    ("industry", "artificial intelligence", "ind-ai"),
    ("tier", "“专精特新”", "tier-specialised-sme"),
    ("tier", "专精特新", "tier-specialised-sme"),
    ("tier", "瞪羚", "tier-gazelle"),
    ("tier", "上市公司", "tier-listed"),
    ("tier", "Gazelle enterprise", "tier-gazelle"),
    ("place", "高新区(滨江)", "place-binjiang"),                      # half-width brackets
    ("place", "高新区（滨江）", "place-binjiang"),
    ("place", "滨富特别合作区", "place-binfu-zone"),
    ("programme", "“5050”计划", "prog-5050"),
    ("programme", "5050", "prog-5050"),
    ("programme", "《5050计划》", "prog-5050"),
    ("programme", "“青链”行动", "prog-qinglian"),
    ("programme", "４１５Ｘ", "prog-415x-manufacturing-clusters"),    # full-width
    ("programme", "415x先进制造业集群", "prog-415x-manufacturing-clusters"),
    ("programme", "滨朋远至・江成大业", "prog-binpeng-brand"),       # another middle dot
    ("fund", "“5050”人才直投基金", "fund-5050-talent-direct"),
    ("fund", "5050 人才直投基金", "fund-5050-talent-direct"),
    ("instrument", "投资资助－贴息", "inst-interest-subsidy"),        # full-width hyphen
    ("instrument", "Rent subsidy", "inst-rent-subsidy"),
    (None, "滨萧特别合作园", "place-binxiao-park"),
])
def test_resolve(tax, kind, text, expected):
    e = tax.resolve(kind, text)
    assert e is not None and e.id == expected


@pytest.mark.parametrize(("kind", "text"), [
    ("industry", "不存在的产业"), ("industry", ""), ("industry", None), ("tier", "集成电路"),
    ("fund", "5050计划"), ("place", "一园"), ("industry", "产业"),
])
def test_resolve_misses(tax, kind, text):
    assert tax.resolve(kind, text) is None


# --- unlinked ---------------------------------------------------------------------------------

def test_unlinked_on_the_seed(tax, seed):
    text = seed.document.text
    found = tax.unlinked(text)
    assert [(u["kind"], u["quote"]) for u in found] == [
        ("tier", "科技型初创企业"),
        ("programme", "创新链产业链深度融合行动"),
        ("tier", "高成长企业"),
        ("industry", "高新产业"),
        ("tier", "江北孵化企业"),
    ]
    linked = tax.link(text)
    for u in found:
        s, e = u["span"]
        assert text[s:e] == u["quote"]
        assert not any(m.span[0] < e and s < m.span[1] for m in linked)
        assert tax.resolve(u["kind"], u["quote"]) is None
    # per clause, with the mentions already computed
    m14 = clause(seed, "m14")
    assert [u["quote"] for u in tax.unlinked(text, *m14.span, linked=tax.link(text, *m14.span))] == ["高成长企业"]


def test_unlinked_phrases(tax):
    text = ("支持“未来工厂”计划和“雄鹰行动”，鼓励国有企业、独角兽企业、相关企业参与，设立天使投资基金，"
            "建设人工智能小镇、云栖小镇与五大产业，支持智能物联产业和品牌电商类企业。")
    found = [(u["kind"], u["quote"]) for u in tax.unlinked(text)]
    assert found == [
        ("programme", "“未来工厂”计划"),
        ("programme", "“雄鹰行动”"),
        ("tier", "国有企业"),
        ("tier", "独角兽企业"),
        ("fund", "天使投资基金"),
        ("place", "人工智能小镇"),     # a place named after an industry is new
        ("place", "云栖小镇"),
    ]


# --- graph rows -------------------------------------------------------------------------------

def test_to_batch_validates_against_the_schema(tax):
    schema = load_schema()
    batch = tax.to_batch()
    assert set(batch.nodes) == {"Industry", "Place", "Tier", "Programme", "Fund", "Instrument"}
    ids: dict[str, set[str]] = {}
    for label, rows in batch.nodes.items():
        declared = set(schema.node(label).properties)
        for row in rows:
            assert set(row) <= declared, (label, set(row) - declared)
            validate_node(schema, label, row)
            ids.setdefault(label, set()).add(row["id"])
    assert sum(len(v) for v in ids.values()) == len(tax.entries())
    assert set(batch.relationships) == {("SUBINDUSTRY_OF", "Industry", "Industry"), ("SUBTIER_OF", "Tier", "Tier"),
                                        ("PART_OF", "Place", "Place")}
    for (rel, a, b), rows in batch.relationships.items():
        for row in rows:
            validate_rel(schema, rel, a, b, row)
            assert row["from"] in ids[a] and row["to"] in ids[b]
    industries = {r["id"]: r for r in batch.nodes["Industry"]}
    assert industries["ind-intelligent-iot"]["key_industry"] is True
    assert industries["ind-intelligent-iot"]["group"] == "1"
    assert industries["ind-biomedicine"]["key_industry"] is False
    town = next(r for r in batch.nodes["Place"] if r["name"] == "智造供给小镇")
    assert town["area_km2"] == 3.75 and "members" not in town


# --- bad files --------------------------------------------------------------------------------

def _entry(data: dict, eid: str) -> dict:
    return next(e for section in data.values() if isinstance(section, list) for e in section
                if isinstance(e, dict) and e.get("id") == eid)


@pytest.mark.parametrize("change", [
    lambda d: _entry(d, "ind-integrated-circuits").update(synonyms=["智能物联"]),      # a form twice
    lambda d: d["tiers"].append({"id": "tier-x", "name": "物联网"}),                    # across kinds
    lambda d: _entry(d, "ind-intelligent-iot").update(parent="ind-nowhere"),
    lambda d: _entry(d, "ind-ai").update(parent="ind-agi"),                            # ai -> agi -> ai
    lambda d: _entry(d, "place-binjiang").update(part_of="place-smart-manufacturing-supply-town"),
    lambda d: _entry(d, "ind-intelligent-iot").update(group="key"),
    lambda d: _entry(d, "ind-intelligent-iot").update(colour="red"),                   # not in the schema
    lambda d: _entry(d, "tier-gazelle").update(parent="ind-ai"),                        # not a tier
    lambda d: _entry(d, "tier-tech-enterprise").update(parent="tier-tech-sme"),         # a cycle of tiers
    lambda d: _entry(d, "place-layout-1p3v5t").update(members=["place-nowhere"]),
    lambda d: d["tiers"].append(dict(d["tiers"][0])),                                  # id twice
    lambda d: _entry(d, "inst-rd-support").update(rate_high=30),
    lambda d: _entry(d, "fund-major-industry").update(id="Fund One"),
    lambda d: d.update(enterprises=[]),
])
def test_bad_taxonomies_are_refused(change):
    data = raw()
    parse_taxonomy(data, "test")
    change(data)
    with pytest.raises(TaxonomyError):
        parse_taxonomy(data, "test")


def test_load_from_a_path(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"industries": [
        {"id": "ind-a", "name": "甲", "group": "sector", "synonyms": ["甲产业"]}]}, allow_unicode=True),
        encoding="utf-8")
    t = load_taxonomy(path)
    assert load_taxonomy(str(path)) is t
    assert isinstance(t.get("ind-a"), Entry) and t.get("nope") is None
    assert t.resolve("industry", "甲产业").id == "ind-a"
    with pytest.raises(TaxonomyError):
        load_taxonomy(tmp_path / "missing.yaml")
