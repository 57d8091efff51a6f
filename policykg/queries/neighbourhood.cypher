// name: neighbourhood
// title: A node's neighbours
// description: Every node one relationship away from the node with this id, with the relationship's type and direction.
// param id: string  id of the centre node (any label)
// ordered: false
MATCH (n {id: $id})-[r]-(m)
RETURN labels(m)[0] AS label, m.id AS id, coalesce(m.name, m.title, m.label, m.id) AS name,
       type(r) AS type, CASE WHEN startNode(r) = n THEN 'out' ELSE 'in' END AS direction
