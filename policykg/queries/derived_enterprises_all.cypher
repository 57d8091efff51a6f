// name: derived_enterprises_all
// title: Every enterprise, in no particular order (for the derived matching index)
// description: The properties of every enterprise (the columns of enterprises_by_id) in one scan, unordered: the derived index sorts them itself. For engines that scan a table faster than they page through it (Ladybug); Neo4j pages with derived_enterprises.
// ordered: false
MATCH (e:Enterprise)
RETURN e.id AS id, e.name AS name, e.founded AS founded, e.registered_capital AS registered_capital,
       e.currency AS currency, e.registered_capital_cny AS registered_capital_cny, e.employees AS employees,
       e.listed AS listed, e.ticker AS ticker, e.revenue_cny AS revenue_cny, e.rd_spend_cny AS rd_spend_cny,
       e.figures_year AS figures_year, e.synthetic AS synthetic
