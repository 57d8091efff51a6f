// name: clauses_in_force
// title: Measures in force
// description: Every measure of the documents in force on a date, optionally of one document: a document is in force when it is effective by then (effective_date <= as_of, or no date), not expired (expiry_date > as_of, or none) and not superseded by a document that is itself effective by then. With each measure's section, budget floor and fund scale. Annex items state rules, not measures, and are left out; clause_criteria gives each measure's industries, tiers, places, programmes, funds and instruments.
// param as_of: date  the date the documents must be in force on
// param document: string  id of one PolicyDocument, or '' for every document in force
// ordered: true
MATCH (d:PolicyDocument)
WHERE ($document = '' OR d.id = $document)
  AND (d.effective_date IS NULL OR d.effective_date <= $as_of)
  AND (d.expiry_date IS NULL OR d.expiry_date > $as_of)
  AND NOT EXISTS { MATCH (n:PolicyDocument)-[:SUPERSEDES]->(d) WHERE n.effective_date IS NULL OR n.effective_date <= $as_of }
MATCH (c:Clause)
WHERE c.document = d.id AND c.kind = 'measure'
OPTIONAL MATCH (s:Section)-[:HAS_CLAUSE]->(c)
RETURN d.id AS document, d.doc_number AS doc_number, d.title AS document_title, c.id AS id, c.label AS label,
       c.number AS number, c.title AS title, c.ordinal AS ordinal, s.id AS section, s.label AS section_label,
       s.title AS section_title, c.budget_floor_cny AS budget_floor_cny, c.budget_period AS budget_period,
       c.fund_scale_cny AS fund_scale_cny
ORDER BY document, ordinal
