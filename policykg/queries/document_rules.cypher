// name: document_rules
// title: Rules of documents
// description: The rules (stacking, upgrade, override …) that the clauses of each document in the list state.
// param documents: string[]  PolicyDocument ids
// ordered: false
MATCH (c:Clause)-[:HAS_RULE]->(r:Rule)
WHERE c.document IN $documents
RETURN c.document AS document, c.id AS clause, r.id AS id, r.kind AS kind, r.policy AS policy, r.quote AS quote
