// name: shortest_path
// Ladybug: its own shortest-path syntax, list_transform instead of list comprehensions, label() for types.
MATCH p = (a {id: $source})-[* SHORTEST 1..6]-(b {id: $target})
RETURN list_transform(nodes(p), n -> n.id) AS nodes, list_transform(rels(p), r -> label(r)) AS types,
       length(p) AS length
LIMIT 1
