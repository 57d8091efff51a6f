// name: sparql_check_enterprise
// title: An enterprise's industries and investors (RDF round-trip check)
// description: The industries an enterprise is IN_INDUSTRY, and the funds that MADE an investment INVESTED_IN it (one row per investment, with its id and amount in yuan). The RDF export answers the same question through SPARQL (policykg.export.sparql); the two answers must be equal.
// param uscc: string  the enterprise's id (USCC)
// ordered: false
MATCH (e:Enterprise {id: $uscc})-[:IN_INDUSTRY]->(x:Industry)
RETURN 'industry' AS kind, x.id AS id, x.name AS name, CASE WHEN false THEN '' END AS investment,
       CASE WHEN false THEN 0 END AS amount_cny
UNION ALL
MATCH (e:Enterprise {id: $uscc})<-[:INVESTED_IN]-(v:Investment)<-[:MADE]-(f:Fund)
RETURN 'investor' AS kind, f.id AS id, f.name AS name, v.id AS investment, v.amount_cny AS amount_cny
