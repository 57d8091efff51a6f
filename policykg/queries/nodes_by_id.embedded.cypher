// name: nodes_by_id
UNWIND $ids AS i
MATCH (n {id: i})
RETURN n.id AS id, label(n) AS label, coalesce(n.name, n.title, n.label, n.id) AS name
