// name: shortest_path
// title: Shortest path between two nodes
// description: One shortest path (up to 6 relationships, either direction) between two nodes, as the ids of its nodes and the types of its relationships.
// param source: string  id of the first node
// param target: string  id of the second node
// ordered: true
MATCH (a {id: $source}), (b {id: $target})
MATCH p = shortestPath((a)-[*..6]-(b))
RETURN [n IN nodes(p) | n.id] AS nodes, [r IN relationships(p) | type(r)] AS types,
       length(p) AS length
