// name: document_sections
// title: Sections of a document
// description: The headings of one document, each with its parent heading, in document order.
// param document: string  id of the PolicyDocument
// ordered: true
MATCH (p)-[:HAS_SECTION]->(s:Section {document: $document})
RETURN s.id AS id, s.label AS label, s.title AS title, s.level AS level, p.id AS parent
ORDER BY s.ordinal
