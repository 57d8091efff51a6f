// name: enterprises_linked
// title: Enterprises linked to industries, tiers or places
// description: The distinct enterprises IN_INDUSTRY one of the industries, holding (HAS_TIER) one of the tiers, or LOCATED_IN one of the places (pass the lists already expanded to subindustries and sub-places). The candidate pool of a measure's matching.
// param industries: string[]  industry ids
// param tiers: string[]  tier ids
// param places: string[]  place ids
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
