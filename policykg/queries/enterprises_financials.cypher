// name: enterprises_financials
// title: Yearly figures of many enterprises
// description: The figures each enterprise in the list REPORTED (looked up through the key index), one row per enterprise and year.
// param ids: string[]  enterprise ids (USCC)
// ordered: false
UNWIND $ids AS uscc
MATCH (e:Enterprise {id: uscc})
OPTIONAL MATCH (e)-[:REPORTED]->(f:Financial)
WITH e, f WHERE f IS NOT NULL
RETURN e.id AS enterprise, f.id AS id, f.year AS year, f.revenue_cny AS revenue_cny, f.rd_spend_cny AS rd_spend_cny
