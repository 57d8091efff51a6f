// name: similar_enterprises
// title: Enterprises that share something with one
// description: Other enterprises that share an industry (IN_INDUSTRY), a place (LOCATED_IN), a programme (SELECTED_IN) or an investor (a Fund that MADE investments INVESTED_IN both) with the enterprise, one row per shared thing; for investors, `mine` and `theirs` are the two investments.
// param uscc: string  the enterprise's id (USCC)
// ordered: false
MATCH (e:Enterprise {id: $uscc})-[:IN_INDUSTRY]->(x:Industry)<-[:IN_INDUSTRY]-(o:Enterprise)
WHERE o.id <> e.id
RETURN o.id AS id, o.name AS name, 'IN_INDUSTRY' AS type, 'Industry' AS label, x.id AS shared, x.name AS shared_name,
       CASE WHEN false THEN '' END AS mine, CASE WHEN false THEN 't' END AS theirs
UNION ALL
MATCH (e:Enterprise {id: $uscc})-[:LOCATED_IN]->(x:Place)<-[:LOCATED_IN]-(o:Enterprise)
WHERE o.id <> e.id
RETURN o.id AS id, o.name AS name, 'LOCATED_IN' AS type, 'Place' AS label, x.id AS shared, x.name AS shared_name,
       CASE WHEN false THEN '' END AS mine, CASE WHEN false THEN 't' END AS theirs
UNION ALL
MATCH (e:Enterprise {id: $uscc})-[:SELECTED_IN]->(x:Programme)<-[:SELECTED_IN]-(o:Enterprise)
WHERE o.id <> e.id
RETURN o.id AS id, o.name AS name, 'SELECTED_IN' AS type, 'Programme' AS label, x.id AS shared,
       x.name AS shared_name, CASE WHEN false THEN '' END AS mine, CASE WHEN false THEN 't' END AS theirs
UNION ALL
MATCH (e:Enterprise {id: $uscc})<-[:INVESTED_IN]-(v:Investment)<-[:MADE]-(x:Fund)-[:MADE]->(w:Investment)-[:INVESTED_IN]->(o:Enterprise)
WHERE o.id <> e.id
RETURN o.id AS id, o.name AS name, 'INVESTED_IN' AS type, 'Fund' AS label, x.id AS shared, x.name AS shared_name,
       v.id AS mine, w.id AS theirs
