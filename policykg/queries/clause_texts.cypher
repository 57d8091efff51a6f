// name: clause_texts
// title: Texts of the clauses in force
// description: The title and full text of every clause (measures and annex items) of the documents in force on a date (as clauses_in_force decides), optionally of one document: the corpus of the Chinese text search, which runs in Python so that it is the same on both backends.
// param as_of: date  the date the documents must be in force on
// param document: string  id of one PolicyDocument, or '' for every document in force
// ordered: true
MATCH (d:PolicyDocument)
WHERE ($document = '' OR d.id = $document)
  AND (d.effective_date IS NULL OR d.effective_date <= $as_of)
  AND (d.expiry_date IS NULL OR d.expiry_date > $as_of)
  AND NOT EXISTS { MATCH (n:PolicyDocument)-[:SUPERSEDES]->(d) WHERE n.effective_date IS NULL OR n.effective_date <= $as_of }
MATCH (c:Clause)
WHERE c.document = d.id
RETURN d.id AS document, d.doc_number AS doc_number, c.id AS id, c.label AS label, c.number AS number,
       c.kind AS kind, c.title AS title, c.text AS text, c.ordinal AS ordinal
ORDER BY document, ordinal
