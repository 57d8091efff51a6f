// name: enterprises_search
// title: Search enterprises
// description: Enterprises whose name contains `q` or whose USCC starts with `code`, optionally IN_INDUSTRY one of `industries`, LOCATED_IN one of `places`, holding one of `tiers` (empty lists: no filter; pass them expanded to narrower industries and places), with registered capital (CNY) and founding date within bounds when `filter_capital` / `filter_founded` is true. Largest registered capital first, then by USCC; one page, either the rows after `skip` others or (keyset paging, for deep pages) the rows that come after the enterprise `after_id` in that order, whose registered capital (-1 when unknown) is `after_capital`.
// param q: string  part of the name ('' for any)
// param code: string  start of the USCC ('' for any)
// param industries: string[]  industry ids
// param places: string[]  place ids
// param tiers: string[]  tier ids
// param filter_capital: bool  whether to require registered_capital_cny within [capital_min, capital_max]
// param capital_min: int  lower bound, yuan
// param capital_max: int  upper bound, yuan
// param filter_founded: bool  whether to require founded within [founded_min, founded_max]
// param founded_min: date  earliest founding date
// param founded_max: date  latest founding date
// param skip: int  rows to skip (never past the last row: Ladybug crashes on an ordered SKIP far past the end)
// param after_id: string  '' for the first page, else the USCC of the last row of the previous page
// param after_capital: int  that row's registered_capital_cny, -1 when it has none
// param limit: int  rows to return
// ordered: true
MATCH (e:Enterprise)
WHERE (($q = '' AND $code = '') OR ($q <> '' AND e.name CONTAINS $q) OR ($code <> '' AND e.id STARTS WITH $code))
  AND (size($industries) = 0 OR EXISTS { MATCH (e)-[:IN_INDUSTRY]->(i:Industry) WHERE i.id IN $industries })
  AND (size($places) = 0 OR EXISTS { MATCH (e)-[:LOCATED_IN]->(p:Place) WHERE p.id IN $places })
  AND (size($tiers) = 0 OR EXISTS { MATCH (e)-[:HAS_TIER]->(t:Tier) WHERE t.id IN $tiers })
  AND (NOT $filter_capital OR (e.registered_capital_cny >= $capital_min AND e.registered_capital_cny <= $capital_max))
  AND (NOT $filter_founded OR (e.founded >= $founded_min AND e.founded <= $founded_max))
  AND ($after_id = '' OR coalesce(e.registered_capital_cny, -1) < $after_capital
       OR (coalesce(e.registered_capital_cny, -1) = $after_capital AND e.id > $after_id))
RETURN e.id AS id, e.name AS name, e.founded AS founded, e.registered_capital AS registered_capital,
       e.currency AS currency, e.registered_capital_cny AS registered_capital_cny, e.employees AS employees,
       e.revenue_cny AS revenue_cny
ORDER BY coalesce(registered_capital_cny, -1) DESC, id
SKIP $skip LIMIT $limit
