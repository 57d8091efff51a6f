// name: derived_enterprises
// title: Enterprises, one page in id order (for the derived matching index)
// description: The properties of the enterprises whose id comes after `after` (the columns of enterprises_by_id), in id order, at most `limit` of them. Pages through the whole registry with a key range through the key index (Neo4j), so that no page holds it all; derived_enterprises_range reads it in id ranges, each one scan, where a scan is cheaper (Ladybug).
// param after: string  the last id of the previous page ('' for the first page)
// param limit: int  at most this many enterprises
// ordered: true
MATCH (e:Enterprise)
WHERE e.id > $after
RETURN e.id AS id, e.name AS name, e.founded AS founded, e.registered_capital AS registered_capital,
       e.currency AS currency, e.registered_capital_cny AS registered_capital_cny, e.employees AS employees,
       e.listed AS listed, e.ticker AS ticker, e.revenue_cny AS revenue_cny, e.rd_spend_cny AS rd_spend_cny,
       e.figures_year AS figures_year, e.synthetic AS synthetic
ORDER BY id
LIMIT $limit
