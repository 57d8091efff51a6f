// name: clause_links
// title: Everything a clause points to
// description: Every relationship from one clause (SUPPORTS, TARGETS, APPLIES_IN, REFERS_TO, USES_INSTRUMENT, MENTIONS, STATES, HAS_CONDITION, HAS_RULE) with the node at its end and, where the relationship was read from the text, its evidence.
// param id: string  the clause id
// ordered: false
MATCH (c:Clause {id: $id})-[r]->(x)
RETURN type(r) AS type, labels(x)[0] AS label, x.id AS id, coalesce(x.name, x.quote, x.id) AS name,
       r.quote AS quote, r.span_start AS span_start, r.span_end AS span_end
