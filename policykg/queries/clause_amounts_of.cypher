// name: clause_amounts_of
// title: Amounts the measures state
// description: The money amounts each clause in the list STATES (budget floor, fund scale, threshold, cap, award …) with their evidence: the snapshot reads the awards (给予X万元奖励) and caps (最高X万元) a measure states for its estimates, and its budget floor to say why it is no individual award.
// param ids: string[]  clause ids
// ordered: false
MATCH (c:Clause)-[:STATES]->(a:Amount)
WHERE c.id IN $ids
RETURN c.id AS clause, a.id AS id, a.kind AS kind, a.value AS value, a.currency AS currency, a.value_cny AS value_cny,
       a.qualifier AS qualifier, a.period AS period, a.per AS per, a.unit_text AS unit_text, a.quote AS quote, a.span_start AS span_start,
       a.span_end AS span_end
