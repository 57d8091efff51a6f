// name: industry_tree
// title: Industries with their parents
// description: Every industry with its group (1 | 5 | N | sector), key-industry flag and broader industries: the taxonomy's (SUBINDUSTRY_OF) and the groups a document makes it a member of (MEMBER_OF), one row per industry, parent and type (parent and rel null for a root); a membership names the document it holds for (source_doc).
// ordered: false
MATCH (i:Industry)
OPTIONAL MATCH (i)-[r:SUBINDUSTRY_OF|MEMBER_OF]->(p:Industry)
RETURN i.id AS id, i.name AS name, i.name_en AS name_en, i.`group` AS `group`, i.key_industry AS key_industry,
       p.id AS parent, type(r) AS rel,
       CASE type(r) WHEN 'MEMBER_OF' THEN r.source_doc END AS source_doc
