// name: reference_citers
// title: Citations of a reference
// description: The documents that cite a Reference (a title not ingested when they were), with the evidence of each citation.
// param reference: string  id of the Reference
// ordered: true
MATCH (d:PolicyDocument)-[c:CITES]->(r:Reference)
WHERE r.id = $reference
RETURN d.id AS document, c.source_doc AS source_doc, c.span_start AS span_start, c.span_end AS span_end,
       c.quote AS quote
ORDER BY document
