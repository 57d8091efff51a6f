// name: neighbours
// Ladybug: label() for both the node's label and the relationship's type. (Ladybug 0.22 misaligns
// UNION ALL columns when a branch returns the same expression twice: keep each column distinct.)
MATCH (n)-[r]->(m)
WHERE n.id IN $ids
RETURN n.id AS source, label(r) AS type, m.id AS target, 'out' AS direction, label(m) AS label,
       coalesce(m.name, m.title, m.label, m.id) AS name
UNION ALL
MATCH (n)<-[r]-(m)
WHERE n.id IN $ids
RETURN m.id AS source, label(r) AS type, n.id AS target, 'in' AS direction, label(m) AS label,
       coalesce(m.name, m.title, m.label, m.id) AS name
