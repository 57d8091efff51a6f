// name: analytics_enterprise_features
// title: What each enterprise is linked to, for network analytics
// description: One row per enterprise and thing it shares with others: industries (IN_INDUSTRY), places (LOCATED_IN), tiers (HAS_TIER), programmes (SELECTED_IN) and investors (a Fund that MADE an Investment INVESTED_IN it; one row per fund however many investments). policykg.networks builds the enterprise projections (communities, similarity) from it.
// ordered: false
MATCH (e:Enterprise)-[:IN_INDUSTRY]->(x:Industry)
RETURN e.id AS enterprise, 'Industry' AS label, x.id AS id
UNION ALL
MATCH (e:Enterprise)-[:LOCATED_IN]->(x:Place)
RETURN e.id AS enterprise, 'Place' AS label, x.id AS id
UNION ALL
MATCH (e:Enterprise)-[:HAS_TIER]->(x:Tier)
RETURN e.id AS enterprise, 'Tier' AS label, x.id AS id
UNION ALL
MATCH (e:Enterprise)-[:SELECTED_IN]->(x:Programme)
RETURN e.id AS enterprise, 'Programme' AS label, x.id AS id
UNION ALL
MATCH (e:Enterprise)<-[:INVESTED_IN]-(:Investment)<-[:MADE]-(x:Fund)
RETURN DISTINCT e.id AS enterprise, 'Fund' AS label, x.id AS id
