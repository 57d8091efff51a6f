// name: clause_rates
// title: Rates a clause states
// description: The percentages one clause STATES (support rates, caps, shares, thresholds) with their evidence.
// param id: string  the clause id
// ordered: false
MATCH (c:Clause {id: $id})-[:STATES]->(r:Rate)
RETURN r.id AS id, r.kind AS kind, r.value AS value, r.low AS low, r.high AS high, r.base AS base, r.quote AS quote,
       r.span_start AS span_start, r.span_end AS span_end
