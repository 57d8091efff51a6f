// name: nodes_by_id
// title: Nodes by id
// description: The label and display name of each node whose id is in the list.
// param ids: string[]  node ids
// ordered: false
UNWIND $ids AS i
MATCH (n {id: i})
RETURN n.id AS id, labels(n)[0] AS label, coalesce(n.name, n.title, n.label, n.id) AS name
