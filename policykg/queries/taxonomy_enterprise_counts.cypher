// name: taxonomy_enterprise_counts
// title: Enterprises per tier, place and programme
// description: The distinct enterprises that hold each tier or a narrower one (HAS_TIER, SUBTIER_OF up to 6 steps), are LOCATED_IN each place or a place inside it (PART_OF, up to 6 steps), and were SELECTED_IN each programme. Entries without enterprises are absent.
// ordered: false
MATCH (e:Enterprise)-[:HAS_TIER]->(:Tier)-[:SUBTIER_OF*0..6]->(x:Tier)
RETURN 'Tier' AS label, x.id AS id, count(DISTINCT e) AS enterprises
UNION ALL
MATCH (e:Enterprise)-[:LOCATED_IN]->(:Place)-[:PART_OF*0..6]->(x:Place)
RETURN 'Place' AS label, x.id AS id, count(DISTINCT e) AS enterprises
UNION ALL
MATCH (x:Programme)<-[:SELECTED_IN]-(e:Enterprise)
RETURN 'Programme' AS label, x.id AS id, count(DISTINCT e) AS enterprises
