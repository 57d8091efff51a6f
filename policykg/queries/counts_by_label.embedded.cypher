// name: counts_by_label
// Ladybug has one label per node, read with label(n); labels(n)[0] does not exist there.
MATCH (n)
RETURN label(n) AS label, count(*) AS count
ORDER BY label
