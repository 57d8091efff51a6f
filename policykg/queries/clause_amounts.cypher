// name: clause_amounts
// title: Amounts a clause states
// description: The money amounts one clause STATES (budget floor, fund scale, threshold, cap, award …) with their evidence.
// param id: string  the clause id
// ordered: false
MATCH (c:Clause {id: $id})-[:STATES]->(a:Amount)
RETURN a.id AS id, a.kind AS kind, a.value AS value, a.currency AS currency, a.value_cny AS value_cny,
       a.qualifier AS qualifier, a.period AS period, a.per AS per, a.unit_text AS unit_text, a.quote AS quote, a.span_start AS span_start,
       a.span_end AS span_end
