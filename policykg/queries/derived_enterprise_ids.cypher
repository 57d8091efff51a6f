// name: derived_enterprise_ids
// title: The id of every enterprise, in no particular order (for the derived matching index)
// description: Every enterprise's id in one scan, unordered: the derived index sorts them and reads the enterprises' properties and links in ranges of them (derived_enterprises_range, derived_links).
// ordered: false
MATCH (e:Enterprise)
RETURN e.id AS id
