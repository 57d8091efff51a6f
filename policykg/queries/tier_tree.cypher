// name: tier_tree
// title: Tiers with their parents
// description: Every tier with its broader tiers (SUBTIER_OF), one row per tier and parent (parent null for a root).
// ordered: false
MATCH (t:Tier)
OPTIONAL MATCH (t)-[:SUBTIER_OF]->(p:Tier)
RETURN t.id AS id, t.name AS name, t.name_en AS name_en, p.id AS parent
