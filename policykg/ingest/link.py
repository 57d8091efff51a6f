"""Linking what a document says to the taxonomy: industries, tiers, places, programmes, funds and
instruments named in each clause and section, and the instruments its annex defines.

What the text says (quote, span) stays beside what it maps to (taxonomy id, name). A candidate
mention that matches no entry is kept under ``unlinked``, never dropped.

Groups the text defines: a list of industries closed by 等 and the names of one or more industries,
``A、B和C等<group>(和<group>)`` followed by punctuation (未来网络、…和新型储能等未来产业，; 智能物联、…、
新材料等战略性新兴产业和高技术产业。), makes each listed industry a member of each named group
(``groups``: ``{member, group, quote, span}``, the span covering the list and the groups). A list whose
head word is not an industry of the taxonomy (…等新兴产业, …等重点领域) defines nothing. A definition,
``<group>是指A、B、C(等…)`` (鼓励发展类重点产业是指智能物联、…、新材料等…), makes each listed industry a member
of the group it defines too, the span running from the group's name to the end of the list (or of the
groups the list closes with).

Selections: a programme named as what a beneficiary was selected in — a selection verb before the
programme names (列入“领军企业跨越发展计划”的, 入选…的) or after them (“5050”政策、“青链”行动的入选人才
创新项目), within one sentence — is a criterion of the measure (``selections``: ``{id, name, quote,
span}``, the span covering the names and the verb). A programme named otherwise (持续迭代实施“5050”政策,
聚焦“315”科技创新体系) is context, and stays a mere reference.

Roles (:func:`roles`): each industry, tier and place mention of a measure is a ``criterion`` (who may
receive), a ``scope`` (where a beneficiary must be), an ``example`` (an industry of an open list of what a
targeted tier does) or ``context`` (a place to build), with the words the role was read from.

Beneficiary statements (:func:`statements`): where a measure describes who may receive in two or more separate
statements — each opening with its own beneficiary (对…的, 支持…的X) or parallel channels (通过A…，通过B支持X) —
each criterion gets the ``statement`` it is stated in: the statements are alternatives, the criteria within one
all required.

Preferences (:func:`preferences`): a tier or industry the measure targets and says to favour — 给予瞪羚企业
政策倾斜, 向X倾斜, 优先支持X, 重点支持X企业 — gets ``preference``: the words it was read from. Only a firm
property is preferred: 优先保障企业发展空间 says what is given, not to whom, and names no mention.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from policykg.ingest.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:  # pragma: no cover
    from policykg.ingest.document import ParsedDocument, Rule

#: taxonomy kind -> the field of a clause / section that lists its mentions
FIELDS = {"industry": "industries", "tier": "tiers", "place": "places", "programme": "programmes",
          "fund": "funds", "instrument": "instruments"}


#: what joins two items of a list, and two group names
_LIST_JOINS = frozenset({"、", "和", "及", "与", "以及"})
_GROUP_JOINS = frozenset({"和", "及", "与", "以及", "、"})
#: what may follow the group names: the end of the phrase
_AFTER_GROUP = frozenset("，,。；;：:）)")
#: what joins a group's name to the list that defines it
_DEFINES = frozenset({"是指", "指", "包括", "主要包括"})


def groups(text: str, industries: list[Any]) -> list[dict[str, Any]]:
    """The group memberships a range's text defines (see the module doc), from its industry mentions in
    text order (each with ``id`` and ``span``)."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    ms = sorted(industries, key=lambda m: m["span"][0])
    k = 0

    def add(members: list[dict[str, Any]], group: dict[str, Any], s: int, end: int) -> None:
        for member in members:
            key = (member["id"], group["id"])
            if key[0] != key[1] and key not in seen:
                seen.add(key)
                out.append({"member": key[0], "group": key[1], "quote": text[s:end], "span": [s, end]})

    while k < len(ms):
        first = k
        while k + 1 < len(ms) and text[ms[k]["span"][1]:ms[k + 1]["span"][0]] in _LIST_JOINS:
            k += 1
        defined = ms[first - 1] if first > 0 and k > first and \
            text[ms[first - 1]["span"][1]:ms[first]["span"][0]] in _DEFINES else None
        if defined is not None:  # <group>是指A、B、C: the list ends at its last member, or at the groups it closes with
            end = ms[k]["span"][1]
            if k + 1 < len(ms) and text[end:ms[k + 1]["span"][0]] == "等":
                h = k + 1
                while h + 1 < len(ms) and text[ms[h]["span"][1]:ms[h + 1]["span"][0]] in _GROUP_JOINS:
                    h += 1
                end = ms[h]["span"][1]
            add(ms[first:k + 1], defined, defined["span"][0], end)
        if k + 1 < len(ms) and k > first and text[ms[k]["span"][1]:ms[k + 1]["span"][0]] == "等":
            heads = [k + 1]
            while heads[-1] + 1 < len(ms) and \
                    text[ms[heads[-1]]["span"][1]:ms[heads[-1] + 1]["span"][0]] in _GROUP_JOINS:
                heads.append(heads[-1] + 1)
            end = ms[heads[-1]]["span"][1]
            if end >= len(text) or text[end] in _AFTER_GROUP:
                for h in heads:
                    add(ms[first:k + 1], ms[h], ms[first]["span"][0], end)
            k = heads[-1]
        k += 1
    return out


_SENTENCE_END = re.compile(r"[。；;！？!?]")
_PLACEHOLDER = "\x00"  # a programme name in a sentence (never a character of the normalised text)
_NAME = "[“「\"]?\x00[”」\"]?"  # quote marks around a name are its own
_NAMES = rf"{_NAME}(?:[、和及与或]{_NAME})*"
#: a selection verb before the names (…的 / a beneficiary noun after them), or after them
_SELECTED = re.compile(rf"(?:列入|入选|纳入|获评|评为|认定为){_NAMES}(?:的|企业|人才|项目|团队)|{_NAMES}的?(?:入选|获评)")


def selections(text: str, start: int, end: int, programmes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The programmes ``text[start:end]`` names as what a beneficiary was selected in (see the module doc),
    from its programme mentions (each with ``id``, ``name`` and ``span``); the first such phrase of each is
    its evidence."""
    out: dict[str, dict[str, Any]] = {}
    ms = sorted(programmes, key=lambda m: m["span"][0])
    bounds = [start, *(x.end() for x in _SENTENCE_END.finditer(text, start, end)), end]
    for s, e in zip(bounds, bounds[1:], strict=False):
        inside = [m for m in ms if s <= m["span"][0] and m["span"][1] <= e]
        if not inside:
            continue
        # the sentence with each name as one placeholder; where[k]: the text offset of masked[k]
        masked, where, pos = [], [], s
        for m in inside:
            masked.append(text[pos:m["span"][0]])
            where.extend(range(pos, m["span"][0]))
            masked.append(_PLACEHOLDER)
            where.append(m["span"][0])
            pos = m["span"][1]
        masked.append(text[pos:e])
        where.extend(range(pos, e))
        flat = "".join(masked)
        ends = {m["span"][0]: m["span"][1] for m in inside}
        for hit in _SELECTED.finditer(flat):
            a = where[hit.start()]
            last = hit.end() - 1
            b = ends.get(where[last], where[last] + 1) if flat[last] == _PLACEHOLDER else where[last] + 1
            for m in inside:
                if a <= m["span"][0] < b and m["id"] not in out:
                    out[m["id"]] = {"id": m["id"], "name": m["name"], "quote": text[a:b], "span": [a, b]}
    return list(out.values())


def _mentions(taxonomy: Taxonomy, text: str, start: int, end: int) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {f: [] for f in FIELDS.values()}
    linked = taxonomy.link(text, start, end)
    for m in linked:
        found[FIELDS[m.kind]].append({"id": m.id, "name": m.name, "quote": m.quote, "span": list(m.span)})
    found["unlinked"] = [
        {"kind": u["kind"], "quote": u["quote"], "span": list(u["span"])}
        for u in taxonomy.unlinked(text, start, end, linked=linked)
    ]
    found["groups"] = groups(text, found["industries"])
    found["selections"] = selections(text, start, end, found["programmes"])
    roles(text, start, end, found)
    preferences(text, start, end, found)
    statements(text, start, end, found, fund_programmes(taxonomy))
    return found


def fund_programmes(taxonomy: Taxonomy) -> dict[str, tuple[str, str]]:
    """Fund id -> (id, name) of the programme whose selectees it invests in (the taxonomy's ``invests_in``)."""
    out = {}
    for e in taxonomy.entries("fund"):
        prog = taxonomy.get(e.get("invests_in") or "")
        if prog is not None:
            out[e.id] = (prog.id, prog.name)
    return out


def instrument_for(taxonomy: Taxonomy, rule: Rule) -> str | None:
    """The taxonomy instrument an annex rule defines: among entries named like the rule
    (研发资助, 市场拓展资助-境外 ...), the one with the same rates, else the same scope, else the
    same name."""
    if not rule.name:
        return None
    candidates = [e for e in taxonomy.entries("instrument")
                  if e.name == rule.name or e.name.startswith(rule.name + "-")]
    for e in candidates:
        if (e.get("rate_low"), e.get("rate_high")) == (rule.rate_low, rule.rate_high) and rule.rate_high is not None:
            same_scope = not rule.scope or {"domestic": "境内", "overseas": "境外"}.get(rule.scope, "") in e.name
            if same_scope:
                return e.id
    if rule.scope:
        word = {"domestic": "境内", "overseas": "境外"}.get(rule.scope, rule.scope)
        for e in candidates:
            if word in e.name:
                return e.id
    exact = [e for e in candidates if e.name == rule.name]
    return exact[0].id if exact else None


def link_document(doc: ParsedDocument, taxonomy: Taxonomy | None = None) -> ParsedDocument:
    """Fill each clause's and section's mention lists, and each instrument rule's ``instrument``."""
    taxonomy = taxonomy or load_taxonomy()
    text = doc.document.text
    for clause in doc.clauses:
        for name, items in _mentions(taxonomy, text, clause.span[0], clause.span[1]).items():
            setattr(clause, name, items)
    for section in doc.sections:
        if section.text_span:
            for name, items in _mentions(taxonomy, text, section.text_span[0], section.text_span[1]).items():
                setattr(section, name, items)
    for rule in doc.rules:
        if rule.kind == "instrument":
            rule.instrument = instrument_for(taxonomy, rule)
    return doc


# --- the role of each mention in a measure -------------------------------------------------------
#: a place to build or a goal: within the object of one of these verbs, or a list of places that 建设 ends
_GOAL_VERB = re.compile(r"建设|打造|建成|培育|形成")
_BUILD_AFTER = re.compile(r"[”」\"]?(?:建设|打造|建成)(?=[，,。；;：:！？!?]|$)")
#: building an organisation of a tier (组建一批新型研发机构): what the measure builds, not who holds the tier now
_TIER_BUILD_VERB = re.compile(r"(?:建设|建成|组建|筹建)(?!的)")
#: another predicate between the verb and the tier: the tier is not what is built (孵化载体建设作为培育科技企业…)
_OTHER_PREDICATE = re.compile(r"作为|培育|服务|带动|引进|推动|促进|支持|鼓励")
#: who receives, or where a beneficiary acts: after one of these, or with one of these nouns heading the object,
#: a place is where beneficiaries are (培育一批扎根临平的龙头企业), not a place to build
_BENEFICIARY_MARK = re.compile(r"支持|鼓励|对|给予|扶持|面向|针对|落户|入驻|在")
_BENEFICIARY_NOUN = re.compile(r"(?:企业|单位|机构|主体|人才|团队|项目)$")  # the head of the object
#: a list of examples and its head: 从事A、B、C等行业的X (the items need not be in the taxonomy)
_EXAMPLES = re.compile(r"(?:从事|涉及|包括|面向)([^，,。；;：:（）()]{2,80}?)等(?:行业|领域|产业|业务)的")
#: where the words a mention is read from stop, for a criterion or scope
_PHRASE_END = frozenset("，,。；;：:！？!?")
#: roles by strength: one relationship per target keeps the strongest role its mentions have
ROLE_RANK = {"criterion": 0, "scope": 0, "example": 1, "context": 2}


def _phrase(text: str, start: int, end: int, s: int, e: int) -> tuple[int, int]:
    """The span of the phrase (between punctuation) around ``text[s:e]``, within ``[start, end)``."""
    a, b = s, e  # walked outwards to the nearest punctuation: linear in the phrase, not in the measure
    while a > start and text[a - 1] not in _PHRASE_END:
        a -= 1
    while b < end and text[b] not in _PHRASE_END:
        b += 1
    return a, b


def _runs(text: str, ms: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Mentions in text order grouped into lists (A、B和C: nothing but a list join between two)."""
    runs: list[list[dict[str, Any]]] = []
    for m in sorted(ms, key=lambda m: m["span"][0]):
        if runs and text[runs[-1][-1]["span"][1]:m["span"][0]] in _LIST_JOINS:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _built(text: str, start: int, end: int, run: list[dict[str, Any]], verb: re.Pattern[str],
           between: re.Pattern[str] | None = None) -> bool:
    """Mark a list of mentions ``context`` when it is the object of building (``verb`` before it in its phrase,
    no beneficiary — nor ``between`` — between, or 建设 ending it); True if it is."""
    first, last = run[0]["span"][0], run[-1]["span"][1]
    a, b = _phrase(text, start, end, first, last)
    verbs = list(verb.finditer(text, a, first))
    before = verbs[-1] if verbs and not _BENEFICIARY_MARK.search(text, verbs[-1].end(), first) \
        and not (between is not None and between.search(text, verbs[-1].end(), first)) \
        and not _BENEFICIARY_NOUN.search(text[last:b]) else None
    after = _BUILD_AFTER.match(text, last, end)
    if before is not None:
        words = [before.start(), b]
    elif after is not None:
        words = [first, after.end()]
    else:
        return False
    for m in run:
        m.update(role="context", role_words=text[words[0]:words[1]], role_span=words)
    return True


def roles(text: str, start: int, end: int, found: dict[str, list[dict[str, Any]]]) -> None:
    """Give each industry, tier and place mention of a measure ``text[start:end]`` a ``role`` and the
    ``role_words`` (with ``role_span``) it was read from, in place:

    - a place is ``scope`` (where a beneficiary must be: 支持江北区块产业集聚), unless it is in the object of
      building or of a goal — after 建设/打造/建成/培育/形成 in its phrase, with no beneficiary between
      (加快建设智造供给小镇, 形成…数字创意滨江品牌; not 培育一批扎根临平的龙头企业), or a list that 建设 ends
      (加快滨富特别合作区、滨萧特别合作园建设; not 在钱塘新区建设研发中心) — then ``context`` (no condition);
    - industries listed as examples of a tier, 从事A、B、C等行业的X with X a tier, are ``example``: an open
      list of what X does, each one an alternative to the tier criterion, never a condition of its own
      (the tier X is a ``criterion`` read from the same words);
    - a tier in the object of building — after 建设/建成/组建/筹建 in its phrase with no beneficiary between
      (加快组建一批新型研发机构), or a list that 建设 ends (推动…新型研发机构建设) — is ``context``: the
      organisations the measure will build, not holders of the tier it requires (对新认定的新型研发机构给予资助
      is a criterion);
    - every other industry and tier is a ``criterion`` (who may receive).
    """
    for kind in ("industries", "tiers"):
        for m in found[kind]:
            a, b = _phrase(text, start, end, *m["span"])
            m.update(role="criterion", role_words=text[a:b], role_span=[a, b])
    for run in _runs(text, found["places"]):
        if not _built(text, start, end, run, _GOAL_VERB):
            for m in run:
                a, b = _phrase(text, start, end, *m["span"])
                m.update(role="scope", role_words=text[a:b], role_span=[a, b])
    for run in _runs(text, found["tiers"]):
        _built(text, start, end, run, _TIER_BUILD_VERB, _OTHER_PREDICATE)
    tiers = {m["span"][0]: m for m in found["tiers"]}
    for hit in _EXAMPLES.finditer(text, start, end):
        head = tiers.get(hit.end())
        if head is None:
            continue  # 从事A等行业的企业: no tier heads the list, the industries stay criteria
        words = [hit.start(), head["span"][1]]
        head.update(role="criterion", role_words=text[words[0]:words[1]], role_span=words)
        for m in found["industries"]:
            if hit.start(1) <= m["span"][0] and m["span"][1] <= hit.end(1):
                m.update(role="example", role_words=text[words[0]:words[1]], role_span=words)


# --- what a measure says to favour ---------------------------------------------------------------
#: a favouring verb right before a list of mentions (优先支持瞪羚企业和专精特新企业), or 给予/向 before it and
#: 倾斜 after it (给予瞪羚企业政策倾斜, 向专精特新企业倾斜)
_PREFER_BEFORE = re.compile(r"(?:优先|重点|着重)(?:支持|扶持|资助|推荐|考虑|保障|给予)(?:对|给|向)?$")
_TILT_BEFORE = re.compile(r"(?:给予|予以|向|对)$")
_TILT_AFTER = re.compile(r"(?:企业|单位|产业|行业|领域)?(?:政策|资金|资源|项目)?(?:倾斜|优先)")
#: what may stand between the favouring verb and the list (a beneficiary's qualifier): 优先支持认定的X
_QUALIFIER = re.compile(r"(?:经?认定的|符合条件的|获评的)?$")


def preferences(text: str, start: int, end: int, found: dict[str, list[dict[str, Any]]]) -> None:
    """Mark each tier and industry mention of ``text[start:end]`` that the measure says to favour with
    ``preference`` (the words: 给予瞪羚企业政策倾斜) and ``preference_span``, in place. Only a criterion can
    be preferred (an example or context is no one the measure targets)."""
    for kind in ("tiers", "industries"):
        for run in _runs(text, [m for m in found[kind] if m.get("role", "criterion") == "criterion"]):
            first, last = run[0]["span"][0], run[-1]["span"][1]
            a, b = _phrase(text, start, end, first, last)
            before = text[a:first]
            q = _QUALIFIER.search(before)
            head = before[:q.start()] if q else before
            verb = _PREFER_BEFORE.search(head)
            tilt = _TILT_AFTER.match(text, last, b) if _TILT_BEFORE.search(head) else None
            if verb is not None:
                words = [a + verb.start(), last]
            elif tilt is not None:
                words = [a + _TILT_BEFORE.search(head).start(), tilt.end()]
            else:
                continue
            for m in run:
                m.update(preference=text[words[0]:words[1]], preference_span=words)


# --- beneficiary statements: descriptions of who may receive that are alternatives ---------------
#: a beneficiary described on its own at the start of a phrase: 对…的 (对列入“…计划”的，; 对认定的X给予),
#: 支持/扶持…的X (支持…处于行业领头地位的领军企业做强做优); 重点支持/突出/聚焦 are emphasis, never this form, nor
#: a verb that begins with 对 (对接…的, 对外…的, 对标…的)
_OWN_BENEFICIARY = re.compile(r"对(?![接外于标照话口比])[^，,。；;：:]*?的|(?:支持|扶持)[^，,。；;：:]*?的[^，,。；;：:]*?"
                              r"(?:企业|单位|机构|主体|人才|团队|项目)")
#: a channel: a phrase that begins 通过X (通过科技成果转化基金…，通过“5050”人才直投基金…)
_CHANNEL = "通过"
#: the mention lists whose criteria a statement holds (places are scope: required in every statement)
STATEMENT_FIELDS = ("industries", "tiers", "selections")


def _phrase_starts(text: str, s: int, e: int) -> list[int]:
    """Where each phrase of the sentence ``text[s:e]`` begins (after punctuation)."""
    return [s, *(k + 1 for k in range(s, e - 1) if text[k] in _PHRASE_END)]


def statement_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The beneficiary statements of the measure ``text[start:end]`` (see :func:`statements`), in text order;
    empty when it has fewer than two (its criteria are then one statement, all required)."""
    cuts: list[tuple[int, int]] = []
    bounds = [start, *(x.end() for x in _SENTENCE_END.finditer(text, start, end)), end]
    for s, e in zip(bounds, bounds[1:], strict=False):
        phrases = _phrase_starts(text, s, e)
        channels = [a for a in phrases if text.startswith(_CHANNEL, a)]
        opens = sorted({a for a in phrases if _OWN_BENEFICIARY.match(text, a)}
                       | (set(channels) if len(channels) >= 2 else set()))
        cuts += list(zip(opens, [*opens[1:], e], strict=False))
    return cuts if len(cuts) >= 2 else []


def statements(text: str, start: int, end: int, found: dict[str, list[dict[str, Any]]],
               fund_programmes: dict[str, tuple[str, str]] | None = None) -> None:
    """Tag each criterion of a measure ``text[start:end]`` with the beneficiary statement it belongs to, in
    place: ``statement`` (1, 2, … in text order; 0 for the measure's other words: its title, a preamble) and
    ``statement_words`` (its words; "" for 0).

    A statement is a separate description of who may receive: a phrase opening with its own beneficiary form
    (对…的, 支持…的X) up to the end of its sentence, or one of two or more parallel channels of one sentence
    (通过A…，通过B支持X…), each up to the next channel. Statements are alternatives — a firm any one of them
    describes may receive — only when a measure has two or more; otherwise nothing is tagged and every
    criterion is required, as emphasis (重点支持, 突出…重点领域, 聚焦) never opens a statement.

    A channel through a fund that invests in a programme's selectees (``fund_programmes``: fund id ->
    (programme id, name); 通过“5050”人才直投基金…) makes selection in that programme the channel's criterion,
    with role ``candidate``: a selectee is whom the fund may invest in, the fund decides (never met by data alone).
    """
    spans = statement_spans(text, start, end)
    if not spans:
        return

    def where(pos: int) -> int:
        return next((k + 1 for k, (a, b) in enumerate(spans) if a <= pos < b), 0)

    for a, b in spans:
        if not text.startswith(_CHANNEL, a):
            continue
        for f in found.get("funds", []):
            hit = (fund_programmes or {}).get(f["id"])
            if hit and f["span"][0] == a + len(_CHANNEL) and not any(x["id"] == hit[0] for x in found["selections"]):
                words = text[a:b].rstrip("，,。；;")
                found["selections"].append({"id": hit[0], "name": hit[1], "quote": words, "span": [a, a + len(words)],
                                            "role": "candidate", "role_words": words})
    for kind in STATEMENT_FIELDS:
        for m in found.get(kind, []):
            if m.get("role", "criterion") in ("criterion", "example", "candidate"):
                k = where(m["span"][0])
                m["statement"] = k
                m["statement_words"] = text[spans[k - 1][0]:spans[k - 1][1]].rstrip("，,。；;") if k else ""
