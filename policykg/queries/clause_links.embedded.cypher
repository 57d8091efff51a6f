// name: clause_links
// Ladybug: label() for the relationship's type and the node's label.
MATCH (c:Clause {id: $id})-[r]->(x)
RETURN label(r) AS type, label(x) AS label, x.id AS id, coalesce(x.name, x.quote, x.id) AS name,
       r.quote AS quote, r.span_start AS span_start, r.span_end AS span_end
