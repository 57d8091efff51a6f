// name: taxonomy_nodes
// title: Tiers, programmes, funds and instruments
// description: Every tier, programme, fund and instrument with its label, name, English name and kind.
// ordered: false
MATCH (x:Tier)
RETURN 'Tier' AS label, x.id AS id, x.name AS name, x.name_en AS name_en, CASE WHEN false THEN '' END AS kind
UNION ALL
MATCH (x:Programme)
RETURN 'Programme' AS label, x.id AS id, x.name AS name, x.name_en AS name_en, x.kind AS kind
UNION ALL
MATCH (x:Fund)
RETURN 'Fund' AS label, x.id AS id, x.name AS name, x.name_en AS name_en, x.kind AS kind
UNION ALL
MATCH (x:Instrument)
RETURN 'Instrument' AS label, x.id AS id, x.name AS name, x.name_en AS name_en, x.kind AS kind
