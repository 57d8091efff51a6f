// name: clause_criteria
// title: What measures name
// description: For each clause in the list, every industry it SUPPORTS, tier it TARGETS, place it APPLIES_IN, programme or fund it REFERS_TO, programme it REQUIRES_SELECTION in and instrument it USES_INSTRUMENT, with the quoted words (evidence) the link was read from and, for an industry, tier or place, its role (criterion, scope, example or context) and the words the role was read from; for an industry or tier, the words by which the text prefers its holders (preference), if any; where the measure's beneficiary statements are alternatives, the words of each statement the criterion is stated in (statements). A programme it REQUIRES_SELECTION in may have role candidate (the fund of a channel decides).
// param clauses: string[]  clause ids
// ordered: false
MATCH (c:Clause)-[r:SUPPORTS|TARGETS|APPLIES_IN|REFERS_TO|REQUIRES_SELECTION|USES_INSTRUMENT]->(x)
WHERE c.id IN $clauses
RETURN c.id AS clause, type(r) AS type, labels(x)[0] AS label, x.id AS id, x.name AS name, r.quote AS quote,
       r.span_start AS span_start, r.span_end AS span_end,
       r.role AS role, r.role_words AS role_words, r.preference AS preference, r.statements AS statements
