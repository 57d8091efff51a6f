// name: clause_detail
// title: One clause
// description: A clause with its full text, money fields and evidence (document, span, quote), its document (number, title, dates) and its section.
// param id: string  the clause id
// ordered: false
MATCH (c:Clause {id: $id})
OPTIONAL MATCH (d:PolicyDocument)
WHERE d.id = c.document
OPTIONAL MATCH (s:Section)-[:HAS_CLAUSE]->(c)
RETURN c.id AS id, c.label AS label, c.number AS number, c.kind AS kind, c.title AS title, c.text AS text,
       c.ordinal AS ordinal, c.budget_floor_cny AS budget_floor_cny, c.budget_period AS budget_period,
       c.fund_scale_cny AS fund_scale_cny, c.source_doc AS source_doc, c.span_start AS span_start,
       c.span_end AS span_end, d.id AS document, d.doc_number AS doc_number, d.title AS document_title,
       d.issued_date AS issued_date, d.effective_date AS effective_date, d.expiry_date AS expiry_date,
       s.id AS section, s.label AS section_label, s.title AS section_title
