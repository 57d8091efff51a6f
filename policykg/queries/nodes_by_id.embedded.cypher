// name: nodes_by_id
MATCH (n)
WHERE n.id IN $ids
RETURN n.id AS id, label(n) AS label, coalesce(n.name, n.title, n.label, n.id) AS name
