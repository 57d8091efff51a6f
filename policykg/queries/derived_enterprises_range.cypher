// name: derived_enterprises_range
// title: Enterprises in an id range, in no particular order (for the derived matching index)
// description: The properties of every enterprise whose id lies between `low` and `high` (inclusive; the columns of enterprises_by_id), unordered: the derived index sorts them itself. One scan of the table filtered by range, for engines that scan faster than they page through a key index (Ladybug), in ranges so that no answer holds the whole registry (Ladybug keeps an answer in its buffer pool until it is read); Neo4j pages with derived_enterprises.
// param low: string  the first enterprise id of the range
// param high: string  the last enterprise id of the range
// ordered: false
MATCH (e:Enterprise)
WHERE e.id >= $low AND e.id <= $high
RETURN e.id AS id, e.name AS name, e.founded AS founded, e.registered_capital AS registered_capital,
       e.currency AS currency, e.registered_capital_cny AS registered_capital_cny, e.employees AS employees,
       e.listed AS listed, e.ticker AS ticker, e.revenue_cny AS revenue_cny, e.rd_spend_cny AS rd_spend_cny,
       e.figures_year AS figures_year, e.synthetic AS synthetic
