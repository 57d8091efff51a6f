// name: sparql_check_industry_clauses
// title: Clauses supporting an industry (RDF round-trip check)
// description: Every clause that SUPPORTS the industry or one of its narrower industries (SUBINDUSTRY_OF, up to 6 levels), with the industry it names, the clause's document, number and kind, and the evidence of the link (quote and span). The RDF export answers the same question through SPARQL (policykg.export.sparql); the two answers must be equal.
// param industry: string  industry id
// ordered: false
MATCH (c:Clause)-[r:SUPPORTS]->(x:Industry)-[:SUBINDUSTRY_OF*0..6]->(i:Industry {id: $industry})
RETURN DISTINCT c.id AS clause, x.id AS industry, c.document AS document, c.number AS number, c.kind AS kind,
       r.quote AS quote, r.span_start AS span_start, r.span_end AS span_end
