// name: policy_fingerprint
// title: The documents in the graph
// description: The id of every policy document. A document's id is the hash of its text, so this set changes whenever a document (or a new version) is ingested: a cached snapshot of the measures in force is reused while it is unchanged.
// ordered: false
MATCH (d:PolicyDocument)
RETURN d.id AS id
