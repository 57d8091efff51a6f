// name: document_mentions
// Ladybug: label(x) instead of labels(x)[0].
MATCH (s:Section)-[r:MENTIONS]->(x)
WHERE s.document IN $documents
RETURN s.document AS document, s.id AS source, label(x) AS label, x.id AS id, r.quote AS quote
UNION ALL
MATCH (s:Clause)-[r:MENTIONS]->(x)
WHERE s.document IN $documents
RETURN s.document AS document, s.id AS source, label(x) AS label, x.id AS id, r.quote AS quote
