// name: enterprise_links
// title: What one enterprise is linked to
// description: The enterprise's industries (IN_INDUSTRY), places (LOCATED_IN, detail = address | tax | address+tax), tiers (HAS_TIER, detail = issuer, year), programmes (SELECTED_IN, detail = category, year), investors (a Fund that MADE an Investment INVESTED_IN it; detail = the investment, amount_cny) and grants received (RECEIVED, detail = the clause it was GRANTED_UNDER, year, amount_cny).
// param uscc: string  the enterprise's id (USCC)
// ordered: false
MATCH (e:Enterprise {id: $uscc})-[:IN_INDUSTRY]->(x:Industry)
RETURN e.id AS enterprise, 'IN_INDUSTRY' AS type, 'Industry' AS label, x.id AS id, x.name AS name,
       CASE WHEN false THEN '' END AS detail, CASE WHEN false THEN 0 END AS year,
       CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise {id: $uscc})-[r:LOCATED_IN]->(x:Place)
RETURN e.id AS enterprise, 'LOCATED_IN' AS type, 'Place' AS label, x.id AS id, x.name AS name, r.kind AS detail,
       CASE WHEN false THEN 0 END AS year, CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise {id: $uscc})-[r:HAS_TIER]->(x:Tier)
RETURN e.id AS enterprise, 'HAS_TIER' AS type, 'Tier' AS label, x.id AS id, x.name AS name, r.issuer AS detail,
       r.year AS year, CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise {id: $uscc})-[r:SELECTED_IN]->(x:Programme)
RETURN e.id AS enterprise, 'SELECTED_IN' AS type, 'Programme' AS label, x.id AS id, x.name AS name,
       r.category AS detail, r.year AS year, CASE WHEN false THEN 1 END AS amount_cny
UNION ALL
MATCH (e:Enterprise {id: $uscc})<-[:INVESTED_IN]-(v:Investment)<-[:MADE]-(x:Fund)
RETURN e.id AS enterprise, 'INVESTED_IN' AS type, 'Fund' AS label, x.id AS id, x.name AS name, v.id AS detail,
       CASE WHEN false THEN 0 END AS year, v.amount_cny AS amount_cny
UNION ALL
MATCH (e:Enterprise {id: $uscc})-[:RECEIVED]->(g:Grant)-[:GRANTED_UNDER]->(c:Clause)
RETURN e.id AS enterprise, 'RECEIVED' AS type, 'Grant' AS label, g.id AS id, c.title AS name, c.id AS detail,
       g.year AS year, g.amount_cny AS amount_cny
