// name: counts_by_label
// title: Nodes per label
// description: How many nodes of each label the graph holds (labels with no nodes are absent). The Neo4j backend's own bookkeeping node (label _PolicykgMeta, holding the data version) is not counted.
// ordered: true
MATCH (n)
WHERE NOT n:_PolicykgMeta
RETURN labels(n)[0] AS label, count(*) AS count
ORDER BY label
