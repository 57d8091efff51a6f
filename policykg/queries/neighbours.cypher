// name: neighbours
// title: Neighbours of several nodes
// description: One step of a neighbourhood expansion: every relationship touching a node whose id is in the list; `direction` says whether the listed node is its source (out) or its target (in), and `label`/`name` describe the node at the other end.
// param ids: string[]  ids of the nodes to expand
// ordered: false
UNWIND $ids AS i
MATCH (n {id: i})-[r]->(m)
RETURN n.id AS source, type(r) AS type, m.id AS target, 'out' AS direction, labels(m)[0] AS label,
       coalesce(m.name, m.title, m.label, m.id) AS name
UNION ALL
UNWIND $ids AS i
MATCH (n {id: i})<-[r]-(m)
RETURN m.id AS source, type(r) AS type, n.id AS target, 'in' AS direction, labels(m)[0] AS label,
       coalesce(m.name, m.title, m.label, m.id) AS name
