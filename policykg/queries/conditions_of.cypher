// name: conditions_of
// title: Conditions of clauses and instruments
// description: The typed conditions (field, operator, value, unit, alternative group) that each clause or instrument in the list HAS_CONDITION, with their quoted words.
// param ids: string[]  ids of clauses and/or instruments
// ordered: false
MATCH (o:Clause)-[:HAS_CONDITION]->(k:Condition)
WHERE o.id IN $ids
RETURN o.id AS owner, 'Clause' AS owner_label, k.id AS id, k.field AS field, k.operator AS operator, k.value AS value,
       k.unit AS unit, k.alternative_group AS alternative_group, k.quote AS quote
UNION ALL
MATCH (o:Instrument)-[:HAS_CONDITION]->(k:Condition)
WHERE o.id IN $ids
RETURN o.id AS owner, 'Instrument' AS owner_label, k.id AS id, k.field AS field, k.operator AS operator,
       k.value AS value, k.unit AS unit, k.alternative_group AS alternative_group, k.quote AS quote
