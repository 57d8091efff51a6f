// name: document_mentions
// title: What documents name without a measure behind it
// description: Everything the sections and non-measure clauses of the listed documents MENTION (the goals naming the 1+5+N industries and the layout, 附则 2 listing the key industries …), with the quoted words.
// param documents: string[]  PolicyDocument ids
// ordered: false
MATCH (s:Section)-[r:MENTIONS]->(x)
WHERE s.document IN $documents
RETURN s.document AS document, s.id AS source, labels(x)[0] AS label, x.id AS id, r.quote AS quote
UNION ALL
MATCH (s:Clause)-[r:MENTIONS]->(x)
WHERE s.document IN $documents
RETURN s.document AS document, s.id AS source, labels(x)[0] AS label, x.id AS id, r.quote AS quote
