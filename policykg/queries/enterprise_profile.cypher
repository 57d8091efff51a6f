// name: enterprise_profile
// title: One enterprise
// description: The properties of the enterprise with this id (统一社会信用代码); no row if there is none.
// param uscc: string  the enterprise's id (USCC)
// ordered: false
MATCH (e:Enterprise {id: $uscc})
RETURN e.id AS id, e.name AS name, e.founded AS founded, e.registered_capital AS registered_capital,
       e.currency AS currency, e.registered_capital_cny AS registered_capital_cny, e.employees AS employees,
       e.listed AS listed, e.ticker AS ticker, e.revenue_cny AS revenue_cny, e.rd_spend_cny AS rd_spend_cny,
       e.figures_year AS figures_year, e.synthetic AS synthetic
