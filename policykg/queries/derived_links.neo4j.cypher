// name: derived_links
MATCH (e:Enterprise)-[:IN_INDUSTRY]->(x:Industry)
USING INDEX e:Enterprise(id)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'IN_INDUSTRY' AS type, x.id AS id, x.name AS name,
       CASE WHEN false THEN '' END AS detail, CASE WHEN false THEN 0 END AS year,
       CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise)-[r:LOCATED_IN]->(x:Place)
USING INDEX e:Enterprise(id)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'LOCATED_IN' AS type, x.id AS id, x.name AS name, r.kind AS detail,
       CASE WHEN false THEN 0 END AS year,
       CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise)-[r:HAS_TIER]->(x:Tier)
USING INDEX e:Enterprise(id)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'HAS_TIER' AS type, x.id AS id, x.name AS name, r.issuer AS detail, r.year AS year,
       CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise)-[r:SELECTED_IN]->(x:Programme)
USING INDEX e:Enterprise(id)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'SELECTED_IN' AS type, x.id AS id, x.name AS name, r.category AS detail, r.year AS year,
       CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise)-[:RECEIVED]->(g:Grant)-[:GRANTED_UNDER]->(c:Clause)
USING INDEX e:Enterprise(id)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS enterprise, 'RECEIVED' AS type, g.id AS id, c.title AS name, c.id AS detail, g.year AS year,
       g.amount_cny AS amount_cny
