// name: documents
// title: Policy documents
// description: Policy documents with number, title, dates, clause count and the documents that supersede them. By default only the versions in force (superseded by nothing).
// param include_superseded: bool = false  also list documents that a newer one supersedes
// ordered: true
MATCH (d:PolicyDocument)
WHERE $include_superseded OR NOT EXISTS { MATCH (:PolicyDocument)-[:SUPERSEDES]->(d) }
OPTIONAL MATCH (newer:PolicyDocument)-[:SUPERSEDES]->(d)
WITH d, collect(DISTINCT newer.id) AS superseded_by
OPTIONAL MATCH (d)-[:HAS_SECTION]->(:Section)-[:HAS_SECTION*0..3]->(:Section)-[:HAS_CLAUSE]->(c:Clause)
RETURN d.id AS id, d.doc_number AS doc_number, d.title AS title, d.issued_date AS issued_date,
       d.effective_date AS effective_date, superseded_by, count(DISTINCT c) AS clauses
ORDER BY issued_date DESC, id
