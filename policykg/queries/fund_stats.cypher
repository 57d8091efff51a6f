// name: fund_stats
// title: Funds with their investments
// description: Every fund with its kind and size, the investments it MADE, their sum in yuan (amounts not in CNY count as 0) and the distinct enterprises they went into.
// ordered: false
MATCH (f:Fund)
OPTIONAL MATCH (f)-[:MADE]->(v:Investment)
OPTIONAL MATCH (v)-[:INVESTED_IN]->(e:Enterprise)
RETURN f.id AS id, f.name AS name, f.name_en AS name_en, f.kind AS kind, f.size_cny AS size_cny,
       count(DISTINCT v) AS investments, sum(coalesce(v.amount_cny, 0)) AS invested_cny,
       count(DISTINCT e) AS enterprises
