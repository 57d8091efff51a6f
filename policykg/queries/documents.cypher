// name: documents
// title: Policy documents
// description: Every policy document with its number, title, dates and how many clauses it has.
// ordered: true
MATCH (d:PolicyDocument)
OPTIONAL MATCH (d)-[:HAS_SECTION]->(:Section)-[:HAS_SECTION*0..3]->(:Section)-[:HAS_CLAUSE]->(c:Clause)
RETURN d.id AS id, d.doc_number AS doc_number, d.title AS title, d.issued_date AS issued_date,
       d.effective_date AS effective_date, count(DISTINCT c) AS clauses
ORDER BY issued_date DESC, id
