// name: enterprises_links
// title: What many enterprises are linked to (for matching)
// description: For each enterprise in the list (looked up through the key index), its industries (IN_INDUSTRY), places (LOCATED_IN, detail = address | tax | address+tax), tiers (HAS_TIER, detail = issuer, year) and programmes (SELECTED_IN, detail = category, year): what eligibility needs. enterprise_links gives one enterprise's links with its investors and grants.
// param ids: string[]  enterprise ids (USCC)
// ordered: false
UNWIND $ids AS uscc
MATCH (e:Enterprise {id: uscc})
OPTIONAL MATCH (e)-[:IN_INDUSTRY]->(x:Industry)
WITH e, x WHERE x IS NOT NULL
RETURN e.id AS enterprise, 'IN_INDUSTRY' AS type, x.id AS id, x.name AS name,
       CASE WHEN false THEN '' END AS detail, CASE WHEN false THEN 0 END AS year
UNION ALL
UNWIND $ids AS uscc
MATCH (e:Enterprise {id: uscc})
OPTIONAL MATCH (e)-[r:LOCATED_IN]->(x:Place)
WITH e, r, x WHERE x IS NOT NULL
RETURN e.id AS enterprise, 'LOCATED_IN' AS type, x.id AS id, x.name AS name, r.kind AS detail,
       CASE WHEN false THEN 0 END AS year
UNION ALL
UNWIND $ids AS uscc
MATCH (e:Enterprise {id: uscc})
OPTIONAL MATCH (e)-[r:HAS_TIER]->(x:Tier)
WITH e, r, x WHERE x IS NOT NULL
RETURN e.id AS enterprise, 'HAS_TIER' AS type, x.id AS id, x.name AS name, r.issuer AS detail, r.year AS year
UNION ALL
UNWIND $ids AS uscc
MATCH (e:Enterprise {id: uscc})
OPTIONAL MATCH (e)-[r:SELECTED_IN]->(x:Programme)
WITH e, r, x WHERE x IS NOT NULL
RETURN e.id AS enterprise, 'SELECTED_IN' AS type, x.id AS id, x.name AS name, r.category AS detail, r.year AS year
