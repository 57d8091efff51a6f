// name: analytics_policy_edges
// title: The policy projection for network analytics
// description: The clause–industry–tier–place projection that policykg.networks ranks clauses and industries on: every clause's SUPPORTS and MENTIONS of an industry, TARGETS and MENTIONS of a tier, APPLIES_IN and MENTIONS of a place, the industry hierarchy (SUBINDUSTRY_OF) and the place hierarchy (PART_OF); one row per relationship, with the display names of both ends. The source is a Clause except for SUBINDUSTRY_OF (Industry) and PART_OF (Place).
// ordered: false
MATCH (a:Clause)-[r:SUPPORTS|MENTIONS]->(b:Industry)
RETURN a.id AS source, coalesce(a.title, a.label) AS source_name, type(r) AS type, b.id AS target,
       'Industry' AS target_label, b.name AS target_name
UNION ALL
MATCH (a:Clause)-[r:TARGETS|MENTIONS]->(b:Tier)
RETURN a.id AS source, coalesce(a.title, a.label) AS source_name, type(r) AS type, b.id AS target,
       'Tier' AS target_label, b.name AS target_name
UNION ALL
MATCH (a:Clause)-[r:APPLIES_IN|MENTIONS]->(b:Place)
RETURN a.id AS source, coalesce(a.title, a.label) AS source_name, type(r) AS type, b.id AS target,
       'Place' AS target_label, b.name AS target_name
UNION ALL
MATCH (a:Industry)-[:SUBINDUSTRY_OF]->(b:Industry)
RETURN a.id AS source, a.name AS source_name, 'SUBINDUSTRY_OF' AS type, b.id AS target,
       'Industry' AS target_label, b.name AS target_name
UNION ALL
MATCH (a:Place)-[:PART_OF]->(b:Place)
RETURN a.id AS source, a.name AS source_name, 'PART_OF' AS type, b.id AS target,
       'Place' AS target_label, b.name AS target_name
