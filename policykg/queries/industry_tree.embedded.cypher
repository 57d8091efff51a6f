// name: industry_tree
// Ladybug: label() for the relationship's type.
MATCH (i:Industry)
OPTIONAL MATCH (i)-[r:SUBINDUSTRY_OF|MEMBER_OF]->(p:Industry)
RETURN i.id AS id, i.name AS name, i.name_en AS name_en, i.`group` AS `group`, i.key_industry AS key_industry,
       p.id AS parent, CASE WHEN p.id IS NULL THEN NULL ELSE label(r) END AS rel,
       CASE WHEN label(r) = 'MEMBER_OF' THEN r.source_doc ELSE NULL END AS source_doc
