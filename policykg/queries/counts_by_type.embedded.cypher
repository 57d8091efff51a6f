// name: counts_by_type
// Ladybug reads a relationship's type with label(r).
MATCH ()-[r]->()
RETURN label(r) AS type, count(*) AS count
ORDER BY type
