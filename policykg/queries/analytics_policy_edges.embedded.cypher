// name: analytics_policy_edges
// Ladybug: label(r) for the relationship's type.
MATCH (a:Clause)-[r:SUPPORTS|MENTIONS]->(b:Industry)
RETURN a.id AS source, coalesce(a.title, a.label) AS source_name, label(r) AS type, b.id AS target,
       'Industry' AS target_label, b.name AS target_name
UNION ALL
MATCH (a:Clause)-[r:TARGETS|MENTIONS]->(b:Tier)
RETURN a.id AS source, coalesce(a.title, a.label) AS source_name, label(r) AS type, b.id AS target,
       'Tier' AS target_label, b.name AS target_name
UNION ALL
MATCH (a:Clause)-[r:APPLIES_IN|MENTIONS]->(b:Place)
RETURN a.id AS source, coalesce(a.title, a.label) AS source_name, label(r) AS type, b.id AS target,
       'Place' AS target_label, b.name AS target_name
UNION ALL
MATCH (a:Industry)-[:SUBINDUSTRY_OF]->(b:Industry)
RETURN a.id AS source, a.name AS source_name, 'SUBINDUSTRY_OF' AS type, b.id AS target,
       'Industry' AS target_label, b.name AS target_name
UNION ALL
MATCH (a:Place)-[:PART_OF]->(b:Place)
RETURN a.id AS source, a.name AS source_name, 'PART_OF' AS type, b.id AS target,
       'Place' AS target_label, b.name AS target_name
