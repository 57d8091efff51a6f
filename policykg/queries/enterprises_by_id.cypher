// name: enterprises_by_id
// title: Enterprises by USCC
// description: The properties of each enterprise whose id (统一社会信用代码) is in the list (looked up one by one through the key index).
// param ids: string[]  enterprise ids (USCC)
// ordered: false
UNWIND $ids AS uscc
MATCH (e:Enterprise {id: uscc})
RETURN e.id AS id, e.name AS name, e.founded AS founded, e.registered_capital AS registered_capital,
       e.currency AS currency, e.registered_capital_cny AS registered_capital_cny, e.employees AS employees,
       e.listed AS listed, e.ticker AS ticker, e.revenue_cny AS revenue_cny, e.rd_spend_cny AS rd_spend_cny,
       e.figures_year AS figures_year, e.synthetic AS synthetic
