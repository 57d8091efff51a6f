// name: instrument_forms
// title: Instruments and their forms
// description: Each instrument in the list with its rate and base, and the forms an umbrella instrument is paid in: the taxonomy names a form UMBRELLA-FORM (投资资助 → 投资资助-贴息, 投资资助-注册资本). An instrument without forms is its own only row (used = id).
// param ids: string[]  instrument ids
// ordered: false
MATCH (u:Instrument)
WHERE u.id IN $ids
MATCH (f:Instrument)
WHERE f.id = u.id OR f.name STARTS WITH (u.name + '-')
RETURN u.id AS used, u.name AS used_name, f.id AS id, f.name AS name, f.kind AS kind, f.rate_low AS rate_low,
       f.rate_high AS rate_high, f.base AS base
