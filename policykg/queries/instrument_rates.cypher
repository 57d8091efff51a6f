// name: instrument_rates
// title: Rates stated for instruments
// description: The Rate nodes each instrument in the list STATES (read from a document's annex, e.g. 附则 4's 最高 30%), with their quoted words and where they stand in the document.
// param ids: string[]  instrument ids
// ordered: false
MATCH (i:Instrument)-[:STATES]->(r:Rate)
WHERE i.id IN $ids
RETURN i.id AS instrument, r.id AS id, r.kind AS kind, r.value AS value, r.low AS low, r.high AS high, r.base AS base,
       r.source_doc AS source_doc, r.quote AS quote, r.span_start AS span_start, r.span_end AS span_end
