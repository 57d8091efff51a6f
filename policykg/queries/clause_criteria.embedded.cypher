// name: clause_criteria
// Ladybug: label() for the relationship's type and the node's label.
MATCH (c:Clause)-[r:SUPPORTS|TARGETS|APPLIES_IN|REFERS_TO|REQUIRES_SELECTION|USES_INSTRUMENT]->(x)
WHERE c.id IN $clauses
RETURN c.id AS clause, label(r) AS type, label(x) AS label, x.id AS id, x.name AS name, r.quote AS quote,
       r.span_start AS span_start, r.span_end AS span_end,
       r.role AS role, r.role_words AS role_words, r.preference AS preference, r.statements AS statements
