// name: place_tree
// title: Places with their parents
// description: Every place with its kind and area and the larger places it is PART_OF, one row per place and parent (parent null for a root).
// ordered: false
MATCH (p:Place)
OPTIONAL MATCH (p)-[:PART_OF]->(q:Place)
RETURN p.id AS id, p.name AS name, p.name_en AS name_en, p.kind AS kind, p.area_km2 AS area_km2, q.id AS parent
