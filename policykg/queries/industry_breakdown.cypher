// name: industry_breakdown
// title: Enterprises per industry by place and by tier
// description: For each industry in the list (with its narrower industries), the distinct enterprises per place they are LOCATED_IN and per tier they hold (HAS_TIER).
// param industries: string[]  industry ids
// ordered: false
MATCH (p:Place)<-[:LOCATED_IN]-(e:Enterprise)-[:IN_INDUSTRY]->(:Industry)-[:SUBINDUSTRY_OF*0..6]->(i:Industry)
WHERE i.id IN $industries
RETURN i.id AS industry, 'Place' AS label, p.id AS id, p.name AS name, count(DISTINCT e) AS enterprises
UNION ALL
MATCH (t:Tier)<-[:HAS_TIER]-(e:Enterprise)-[:IN_INDUSTRY]->(:Industry)-[:SUBINDUSTRY_OF*0..6]->(i:Industry)
WHERE i.id IN $industries
RETURN i.id AS industry, 'Tier' AS label, t.id AS id, t.name AS name, count(DISTINCT e) AS enterprises
