// name: enterprises_linked
// title: Enterprises linked to industries, tiers, places or programmes
// description: The distinct enterprises IN_INDUSTRY one of the industries, holding (HAS_TIER) one of the tiers, LOCATED_IN one of the places (pass the lists already expanded to subindustries, subtiers and sub-places), or SELECTED_IN one of the programmes. The candidate pool of a measure's matching.
// param industries: string[]  industry ids
// param tiers: string[]  tier ids
// param places: string[]  place ids
// param programmes: string[]  programme ids
// ordered: false
MATCH (i:Industry)<-[:IN_INDUSTRY]-(e:Enterprise)
WHERE i.id IN $industries
RETURN DISTINCT e.id AS id
UNION
MATCH (t:Tier)<-[:HAS_TIER]-(e:Enterprise)
WHERE t.id IN $tiers
RETURN DISTINCT e.id AS id
UNION
MATCH (p:Place)<-[:LOCATED_IN]-(e:Enterprise)
WHERE p.id IN $places
RETURN DISTINCT e.id AS id
UNION
MATCH (g:Programme)<-[:SELECTED_IN]-(e:Enterprise)
WHERE g.id IN $programmes
RETURN DISTINCT e.id AS id
