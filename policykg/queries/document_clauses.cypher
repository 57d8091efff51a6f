// name: document_clauses
// title: Clauses of a document
// description: Every numbered item of one document (measures and annex items), found through its sections, in document order.
// param document: string  id of the PolicyDocument
// ordered: true
MATCH (d:PolicyDocument {id: $document})-[:HAS_SECTION]->(:Section)-[:HAS_SECTION*0..3]->(s:Section)-[:HAS_CLAUSE]->(c:Clause)
RETURN c.id AS id, c.label AS label, c.number AS number, c.kind AS kind, c.title AS title,
       s.label AS section, c.budget_floor_cny AS budget_floor_cny
ORDER BY c.ordinal
