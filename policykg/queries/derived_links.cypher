// name: derived_links
// title: Industries, places, tiers, programmes and grants of the enterprises in an id range (for the derived index)
// description: For every enterprise whose id lies between `low` and `high` (inclusive), each industry it is IN_INDUSTRY, each place it is LOCATED_IN (detail = address | tax | address+tax), each tier it holds (HAS_TIER, detail = issuer, year) and each programme it was SELECTED_IN (detail = category, year) and each grant it RECEIVED (name = the clause's title, detail = the clause it was GRANTED_UNDER, year, amount_cny): the rows of enterprise_links without investors, for a whole range of the registry at once (direct targets only; the index expands narrower industries and places inside).
// param low: string  the first enterprise id of the range
// param high: string  the last enterprise id of the range
// ordered: false
MATCH (e:Enterprise)-[:IN_INDUSTRY]->(x:Industry)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'IN_INDUSTRY' AS type, x.id AS id, x.name AS name,
       CASE WHEN false THEN '' END AS detail, CASE WHEN false THEN 0 END AS year,
       CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise)-[r:LOCATED_IN]->(x:Place)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'LOCATED_IN' AS type, x.id AS id, x.name AS name, r.kind AS detail,
       CASE WHEN false THEN 0 END AS year,
       CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise)-[r:HAS_TIER]->(x:Tier)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'HAS_TIER' AS type, x.id AS id, x.name AS name, r.issuer AS detail, r.year AS year,
       CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise)-[r:SELECTED_IN]->(x:Programme)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'SELECTED_IN' AS type, x.id AS id, x.name AS name, r.category AS detail, r.year AS year,
       CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise)-[:RECEIVED]->(g:Grant)-[:GRANTED_UNDER]->(c:Clause)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'RECEIVED' AS type, g.id AS id, c.title AS name, c.id AS detail, g.year AS year,
       g.amount_cny AS amount_cny
