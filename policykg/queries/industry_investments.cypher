// name: industry_investments
// title: Fund investments per industry
// description: For each industry in the list and each fund, the investments the fund MADE that went (INVESTED_IN) into enterprises of the industry or a narrower one, and their sum in yuan (amounts not in CNY count as 0).
// param industries: string[]  industry ids
// ordered: false
MATCH (f:Fund)-[:MADE]->(v:Investment)-[:INVESTED_IN]->(:Enterprise)-[:IN_INDUSTRY]->(:Industry)-[:SUBINDUSTRY_OF*0..6]->(i:Industry)
WHERE i.id IN $industries
WITH DISTINCT i.id AS industry, f.id AS fund, f.name AS fund_name, v.id AS investment, v.amount_cny AS amount_cny
RETURN industry, fund, fund_name, count(investment) AS investments, sum(coalesce(amount_cny, 0)) AS invested_cny
