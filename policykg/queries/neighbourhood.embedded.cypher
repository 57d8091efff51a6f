// name: neighbourhood
// Ladybug: label() instead of labels()/type(); the direction is read from two directed patterns.
MATCH (n {id: $id})-[r]->(m)
RETURN label(m) AS label, m.id AS id, coalesce(m.name, m.title, m.label, m.id) AS name,
       label(r) AS type, 'out' AS direction
UNION ALL
MATCH (n {id: $id})<-[r]-(m)
RETURN label(m) AS label, m.id AS id, coalesce(m.name, m.title, m.label, m.id) AS name,
       label(r) AS type, 'in' AS direction
