// name: industry_enterprise_counts
// title: Enterprises per industry
// description: For each industry in the list, the distinct enterprises IN_INDUSTRY it or any narrower industry (SUBINDUSTRY_OF, up to 6 steps). Industries without enterprises are absent.
// param industries: string[]  industry ids
// ordered: false
MATCH (e:Enterprise)-[:IN_INDUSTRY]->(:Industry)-[:SUBINDUSTRY_OF*0..6]->(i:Industry)
WHERE i.id IN $industries
RETURN i.id AS industry, count(DISTINCT e) AS enterprises
