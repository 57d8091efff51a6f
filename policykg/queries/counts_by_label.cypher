// name: counts_by_label
// title: Nodes per label
// description: How many nodes of each label the graph holds (labels with no nodes are absent).
// ordered: true
MATCH (n)
RETURN labels(n)[0] AS label, count(*) AS count
ORDER BY label
