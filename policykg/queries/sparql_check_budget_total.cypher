// name: sparql_check_budget_total
// title: Annual budget total per document (RDF round-trip check)
// description: For each document, the sum of the annual budget floors (budget_floor_cny with budget_period annual) its measures state, and how many measures state one; fund scales are not budgets and are left out. The RDF export answers the same question through SPARQL (policykg.export.sparql); the two answers must be equal.
// ordered: false
MATCH (c:Clause)
WHERE c.kind = 'measure' AND c.budget_period = 'annual' AND c.budget_floor_cny IS NOT NULL
RETURN c.document AS document, sum(c.budget_floor_cny) AS annual_budget_cny, count(c) AS measures
