// name: document_versions
// title: Version edges of a document
// description: The SUPERSEDES and POSSIBLY_SUPERSEDES edges that start or end at one document, each with its basis, reason and evidence (the words of the newer text, for a repeal statement). The API walks them into the chain of older and newer versions.
// param document: string  id of the PolicyDocument
MATCH (a:PolicyDocument)-[r:SUPERSEDES]->(b:PolicyDocument)
WHERE a.id = $document OR b.id = $document
RETURN 'SUPERSEDES' AS type, a.id AS newer, a.title AS newer_title, a.issued_date AS newer_issued_date,
       b.id AS older, b.title AS older_title, b.issued_date AS older_issued_date, r.basis AS basis,
       r.reason AS reason, r.quote AS quote, r.source_doc AS source_doc, r.span_start AS span_start,
       r.span_end AS span_end
UNION ALL
MATCH (a:PolicyDocument)-[r:POSSIBLY_SUPERSEDES]->(b:PolicyDocument)
WHERE a.id = $document OR b.id = $document
RETURN 'POSSIBLY_SUPERSEDES' AS type, a.id AS newer, a.title AS newer_title, a.issued_date AS newer_issued_date,
       b.id AS older, b.title AS older_title, b.issued_date AS older_issued_date, r.basis AS basis,
       r.reason AS reason, r.quote AS quote, r.source_doc AS source_doc, r.span_start AS span_start,
       r.span_end AS span_end
