// name: document_citations
// title: Citations of a document
// description: What one document cites (ingested documents, and References for titles not ingested, with the document each resolves to) and the documents that cite it, each with the quoted words (依据《X》…) and their span in the citing document.
// param document: string  id of the PolicyDocument
MATCH (d:PolicyDocument)-[c:CITES]->(t:PolicyDocument)
WHERE d.id = $document
RETURN 'cites' AS direction, 'PolicyDocument' AS label, t.id AS id, t.title AS title, '' AS resolves_to,
       c.quote AS quote, c.source_doc AS source_doc, c.span_start AS span_start, c.span_end AS span_end
UNION ALL
MATCH (d:PolicyDocument)-[c:CITES]->(t:Reference)
WHERE d.id = $document
OPTIONAL MATCH (t)-[:RESOLVES_TO]->(x:PolicyDocument)
RETURN 'cites' AS direction, 'Reference' AS label, t.id AS id, t.title AS title, coalesce(x.id, '') AS resolves_to,
       c.quote AS quote, c.source_doc AS source_doc, c.span_start AS span_start, c.span_end AS span_end
UNION ALL
MATCH (s:PolicyDocument)-[c:CITES]->(d:PolicyDocument)
WHERE d.id = $document
RETURN 'cited_by' AS direction, 'PolicyDocument' AS label, s.id AS id, s.title AS title, '' AS resolves_to,
       c.quote AS quote, c.source_doc AS source_doc, c.span_start AS span_start, c.span_end AS span_end
