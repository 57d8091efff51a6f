// name: neighbours
// Ladybug: label() for both the node's label and the relationship's type. (Ladybug 0.22 misaligns
// UNION ALL columns when a branch returns the same expression twice: keep each column distinct.)
UNWIND $ids AS i
MATCH (n {id: i})-[r]->(m)
RETURN n.id AS source, label(r) AS type, m.id AS target, 'out' AS direction, label(m) AS label,
       coalesce(m.name, m.title, m.label, m.id) AS name
UNION ALL
UNWIND $ids AS i
MATCH (n {id: i})<-[r]-(m)
RETURN m.id AS source, label(r) AS type, n.id AS target, 'in' AS direction, label(m) AS label,
       coalesce(m.name, m.title, m.label, m.id) AS name
