// name: counts_by_type
// title: Relationships per type
// description: How many relationships of each type the graph holds (types with none are absent).
// ordered: true
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS count
ORDER BY type
