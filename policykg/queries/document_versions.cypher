// name: document_versions
// title: Versions of a document
// description: Documents that share a document number, or (when the number is empty) a title: the versions of one document, newest first.
// param doc_number: string  document number (文号); empty to match by title
// param title: string  document title
// ordered: true
MATCH (d:PolicyDocument)
WHERE ($doc_number <> '' AND d.doc_number = $doc_number) OR ($doc_number = '' AND d.title = $title)
RETURN d.id AS id, d.doc_number AS doc_number, d.title AS title, d.issued_date AS issued_date
ORDER BY issued_date DESC, id
