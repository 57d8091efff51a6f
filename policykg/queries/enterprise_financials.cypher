// name: enterprise_financials
// title: An enterprise's yearly figures
// description: The figures the enterprise REPORTED, one row per year.
// param uscc: string  the enterprise's id (USCC)
// ordered: false
MATCH (e:Enterprise {id: $uscc})-[:REPORTED]->(f:Financial)
RETURN e.id AS enterprise, f.id AS id, f.year AS year, f.revenue_cny AS revenue_cny, f.rd_spend_cny AS rd_spend_cny
