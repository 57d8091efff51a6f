// name: similar_by_fund
// title: Enterprises that share an investor with one
// description: Other enterprises in which a Fund that invested in the enterprise also invested (a Fund that MADE an Investment INVESTED_IN each): the investor branch of similar_enterprises, one row per pair of investments, `mine` the fund's investment in the enterprise and `theirs` its investment in the other (the other's name is left to the derived index, which has it). The derived index counts the other shared things (industries, places, programmes) from its own link rows.
// param uscc: string  the enterprise's id (USCC)
// ordered: false
MATCH (e:Enterprise {id: $uscc})<-[:INVESTED_IN]-(v:Investment)<-[:MADE]-(x:Fund)-[:MADE]->(w:Investment)-[:INVESTED_IN]->(o:Enterprise)
WHERE o.id <> e.id
RETURN o.id AS id, x.id AS shared, x.name AS shared_name, v.id AS mine, w.id AS theirs
