"""The role of each mention in a measure (link.roles, issue 19 part 5), as a rule over the sentence's words:
each rule on the seed sentence that decides and on sentences of the genre written as another district would."""

from __future__ import annotations

from policykg.ingest.link import groups, preferences, roles
from policykg.ingest.policy import seed_document
from policykg.ingest.taxonomy import load_taxonomy


def found(text: str, **kinds: list[str]) -> dict[str, list[dict]]:
    """Mentions for ``kinds`` (industries=[quote, ...]), each quote's first occurrence, id = the quote."""
    out: dict[str, list[dict]] = {"industries": [], "tiers": [], "places": []}
    for kind, quotes in kinds.items():
        for q in quotes:
            s = text.index(q)
            out[kind].append({"id": q, "quote": q, "span": [s, s + len(q)]})
    roles(text, 0, len(text), out)
    return out


def role_of(f: dict, kind: str) -> dict[str, tuple[str, str]]:
    return {m["id"]: (m["role"], m["role_words"]) for m in f[kind]}


def seed_clause(number: int):
    return next(c for c in seed_document().clauses if c.kind == "measure" and c.number == number)


def test_a_place_to_build_is_context_and_a_place_a_beneficiary_is_in_is_scope():
    # Measure 6: "加快建设智造供给小镇，…加快滨富特别合作区、滨萧特别合作园建设。"
    got = {m["id"]: (m["role"], m["role_words"]) for m in seed_clause(6).places}
    assert got == {"place-smart-manufacturing-supply-town": ("context", "建设智造供给小镇"),
                   "place-binfu-zone": ("context", "滨富特别合作区、滨萧特别合作园建设"),
                   "place-binxiao-park": ("context", "滨富特别合作区、滨萧特别合作园建设")}
    # Measure 20: "支持江北区块楼宇提升服务质效…支持江北区块产业集聚…打造江北区块科技人才蓄水池": the
    # block is where the beneficiaries are; one mention (打造江北区块…) reads as a place to build
    jb = [(m["role"], m["role_words"]) for m in seed_clause(20).places]
    assert ("scope", "支持江北区块产业集聚") in jb and ("context", "打造江北区块科技人才蓄水池") in jb
    # Measure 8: "形成具有国际影响力的数字创意滨江品牌" — a goal, not where a beneficiary must be
    assert [(m["role"], m["role_words"]) for m in seed_clause(8).places] == [
        ("context", "形成具有国际影响力的数字创意滨江品牌")]
    # Measure 7: "立足高新区（滨江）生命健康产业基础" — where the industry it supports is
    assert [m["role"] for m in seed_clause(7).places] == ["scope"]
    # another district's phrasing
    text = "加快建设未来科技城数字经济园，推进临平新城、大江东新城建设，支持钱塘新区企业开展技术改造。"
    got = role_of(found(text, places=["未来科技城数字经济园", "临平新城", "大江东新城", "钱塘新区"]), "places")
    assert got == {"未来科技城数字经济园": ("context", "建设未来科技城数字经济园"),
                   "临平新城": ("context", "临平新城、大江东新城建设"),
                   "大江东新城": ("context", "临平新城、大江东新城建设"),
                   "钱塘新区": ("scope", "支持钱塘新区企业开展技术改造")}
    text = "对落户余杭经济开发区的企业给予房租补贴；着力打造“杭州云谷”，培育萧山科创中心。"
    got = role_of(found(text, places=["余杭经济开发区", "杭州云谷", "萧山科创中心"]), "places")
    assert got["余杭经济开发区"] == ("scope", "对落户余杭经济开发区的企业给予房租补贴")
    assert got["杭州云谷"] == ("context", "打造“杭州云谷”")
    assert got["萧山科创中心"] == ("context", "培育萧山科创中心")
    # a place where beneficiaries act or are, though a goal verb comes first
    text = "支持企业在钱塘新区建设研发中心，培育一批扎根临平的龙头企业，建设富阳银湖科技城。"
    got = role_of(found(text, places=["钱塘新区", "临平", "富阳银湖科技城"]), "places")
    assert got == {"钱塘新区": ("scope", "支持企业在钱塘新区建设研发中心"),
                   "临平": ("scope", "培育一批扎根临平的龙头企业"),
                   "富阳银湖科技城": ("context", "建设富阳银湖科技城")}


def test_industries_listed_as_examples_of_a_tier_are_examples_and_the_tier_is_the_criterion():
    # Measure 17: "围绕从事货物贸易、跨境电子商务、服务贸易等行业的外贸企业"
    c = seed_clause(17)
    words = "从事货物贸易、跨境电子商务、服务贸易等行业的外贸企业"
    assert [(m["id"], m["role"], m["role_words"]) for m in c.industries] == [
        ("ind-cross-border-e-commerce", "example", words)]
    assert [(m["id"], m["role"], m["role_words"]) for m in c.tiers] == [("tier-foreign-trade", "criterion", words)]
    # another district's phrasing
    text = "对从事软件开发、信息技术服务、数字内容等行业的软件企业，按其研发投入给予补助。"
    f = found(text, industries=["软件开发", "信息技术服务", "数字内容"], tiers=["软件企业"])
    words = "从事软件开发、信息技术服务、数字内容等行业的软件企业"
    assert role_of(f, "industries") == {k: ("example", words) for k in ("软件开发", "信息技术服务", "数字内容")}
    assert role_of(f, "tiers") == {"软件企业": ("criterion", words)}
    text = "面向从事生物医药、医疗器械等领域的专精特新企业，给予研发资助。"
    f = found(text, industries=["生物医药", "医疗器械"], tiers=["专精特新企业"])
    assert {r for r, _ in role_of(f, "industries").values()} == {"example"}
    # no tier heads the list (…的企业): the industries stay criteria, any one of them suffices
    text = "对从事集成电路、人工智能等行业的企业给予支持。"
    f = found(text, industries=["集成电路", "人工智能"])
    assert {r for r, _ in role_of(f, "industries").values()} == {"criterion"}
    # an industry outside the list is a criterion still
    text = "支持新能源产业发展，对从事储能、光伏等行业的高新技术企业给予奖励。"
    f = found(text, industries=["新能源", "储能", "光伏"], tiers=["高新技术企业"])
    assert role_of(f, "industries")["新能源"] == ("criterion", "支持新能源产业发展")
    assert role_of(f, "industries")["光伏"][0] == "example"


def test_intelligent_computing_is_named_in_measure_5():
    # Measure 5: "全力打造全省计算产业高地、算力成本洼地" — 计算产业 is 智能计算 (one of the "5")
    c = seed_clause(5)
    assert "ind-intelligent-computing" in {m["id"] for m in c.industries}
    assert not [u for u in c.unlinked if u["quote"] == "计算产业"]


def prefs(text: str, **kinds: list[str]) -> dict[str, str | None]:
    f = found(text, **kinds)
    preferences(text, 0, len(text), f)
    return {m["id"]: m.get("preference") for k in ("tiers", "industries") for m in f[k]}


def test_what_a_measure_favours_is_a_preference_for_a_tier_or_an_industry_it_targets():
    # Measure 14: "对认定的瞪羚企业、专精特新企业给予政策支持，优先保障企业发展空间，并给予瞪羚企业政策倾斜。"
    # — 瞪羚企业 are favoured; 优先保障企业发展空间 says what is given, not to whom.
    c = seed_clause(14)
    assert {m["id"]: m.get("preference") for m in c.tiers} == {"tier-gazelle": "给予瞪羚企业政策倾斜",
                                                                "tier-specialised-sme": None}
    # Measure 23: "…上市企业、总部企业、专精特新企业等，…优先保障企业发展空间" — no firm property favoured
    assert not [m for m in seed_clause(23).tiers if m.get("preference")]
    assert [n for n in range(1, 25) for m in seed_clause(n).tiers + seed_clause(n).industries
            if m.get("preference")] == [14]
    # another district's phrasing: a favouring verb before a list, 倾斜 after it
    text = "对符合条件的企业给予研发补助，优先支持高新技术企业和专精特新企业申报，同等条件下向集成电路产业倾斜。"
    got = prefs(text, tiers=["高新技术企业", "专精特新企业"], industries=["集成电路"])
    assert got == {"高新技术企业": "优先支持高新技术企业和专精特新企业", "专精特新企业": "优先支持高新技术企业和专精特新企业",
                   "集成电路": "向集成电路产业倾斜"}
    text = "重点支持经认定的科技型中小企业开展技术攻关，优先保障用地需求。"
    assert prefs(text, tiers=["科技型中小企业"]) == {"科技型中小企业": "重点支持经认定的科技型中小企业"}
    # named, not favoured: support, a goal, or a priority for what is given
    text = "支持瞪羚企业做大做强，着力打造专精特新企业梯队，优先保障企业发展空间。"
    assert prefs(text, tiers=["瞪羚企业", "专精特新企业"]) == {"瞪羚企业": None, "专精特新企业": None}


def test_a_group_defined_by_its_members_takes_them_as_members():
    # 附则 2: "鼓励发展类重点产业是指智能物联、新一代信息技术、…、新材料等战略性新兴产业和高技术产业。"
    doc = seed_document()
    annex = next(c for c in doc.clauses if "鼓励发展类重点产业是指" in c.text)
    members = {g["member"] for g in annex.groups if g["group"] == "ind-encouraged-key"}
    assert len(members) == 11 and {"ind-integrated-circuits", "ind-ai", "ind-new-materials"} <= members
    quote = next(g["quote"] for g in annex.groups if g["group"] == "ind-encouraged-key")
    assert quote.startswith("鼓励发展类重点产业是指智能物联") and quote.endswith("等战略性新兴产业和高技术产业")
    # measure 20's 鼓励类产业 is that group, a criterion: "对符合鼓励类产业导向的科技型企业给予一定的房租补贴"
    assert [(m["id"], m["role"]) for m in seed_clause(20).industries] == [("ind-encouraged-key", "criterion")]
    # another district's phrasing, the list closed without 等
    text = "本办法所称未来产业主要包括量子传感、类脑智能和低空经济。"
    ms = [{"id": q, "span": [text.index(q), text.index(q) + len(q)]} for q in ("未来产业", "量子传感", "类脑智能", "低空经济")]
    got = groups(text, ms)
    assert [(g["member"], g["group"]) for g in got] == [("量子传感", "未来产业"), ("类脑智能", "未来产业"), ("低空经济", "未来产业")]
    assert got[0]["quote"] == "未来产业主要包括量子传感、类脑智能和低空经济"
    # a name before a list is no definition unless a defining word joins them
    text = "支持未来产业，量子传感、类脑智能企业给予奖励。"
    ms = [{"id": q, "span": [text.index(q), text.index(q) + len(q)]} for q in ("未来产业", "量子传感", "类脑智能")]
    assert groups(text, ms) == []


def test_creative_industries_nest_in_the_cultural_industry():
    # Measure 8 "做优文化产业" lists its lines "数字内容、现代传媒、创意设计等优势行业" and its brand "数字创意":
    # 文化创意 (附则 2) and 数字创意 lie within 文化产业, never the other way round
    tax = load_taxonomy()
    assert [e.id for e in tax.broader("ind-digital-creative")] == ["ind-cultural-creative", "ind-culture"]
    assert [e.id for e in tax.broader("ind-cultural-creative")] == ["ind-culture"]
    assert tax.broader("ind-culture") == []
    # 鼓励类产业 (measure 20) names the group 附则 2 defines, not a class word of the genre
    text = "对符合鼓励类产业导向的科技型企业给予一定的房租补贴"
    assert [(m.id, m.quote) for m in tax.link(text, 0, len(text)) if m.kind == "industry"] == [
        ("ind-encouraged-key", "鼓励类产业")]


def test_a_tier_the_measure_builds_is_context_a_tier_it_funds_is_a_criterion():
    # Measure 4: "推动重大科技基础设施群和水平新型研发机构建设" — institutions the measure builds, around its five
    # fields (the criterion: "围绕区内智能物联、生物医药、高端装备、新材料和绿色能源五大产业领域")
    c = seed_clause(4)
    assert [(m["id"], m["role"], m["role_words"]) for m in c.tiers] == [
        ("tier-new-rd-institution", "context", "新型研发机构建设")]
    assert {m["role"] for m in c.industries} == {"criterion"}
    # Measure 3: "将孵化载体建设作为培育科技企业的重要抓手" — 科技企业 are what the carriers cultivate, not what is built
    assert {m["id"]: m["role"] for m in seed_clause(3).tiers} == {"tier-incubation-carrier": "criterion",
                                                                  "tier-tech-enterprise": "criterion"}
    # another district's phrasing
    text = "加快组建一批新型研发机构，推进孵化器、众创空间建设，对新认定的科技型中小企业给予10万元奖励。"
    got = role_of(found(text, tiers=["新型研发机构", "孵化器", "众创空间", "科技型中小企业"]), "tiers")
    assert got == {"新型研发机构": ("context", "组建一批新型研发机构"), "孵化器": ("context", "孵化器、众创空间建设"),
                   "众创空间": ("context", "孵化器、众创空间建设"),
                   "科技型中小企业": ("criterion", "对新认定的科技型中小企业给予10万元奖励")}
    # a tier that is funded, or that does the building, stays a criterion
    text = "对新建的新型研发机构给予资助，支持高新技术企业建设研发中心。"
    got = role_of(found(text, tiers=["新型研发机构", "高新技术企业"]), "tiers")
    assert {k: r for k, (r, _) in got.items()} == {"新型研发机构": "criterion", "高新技术企业": "criterion"}
