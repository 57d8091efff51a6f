// name: document_index
// title: Documents for version and citation linking
// description: Every policy document's number, title, issuers and issue date, with its text when the text may repeal or revise another (it contains 废止, 停止执行, 不再执行, 修订 or 修改; otherwise ''). Ingest compares a new document with these.
// ordered: true
MATCH (d:PolicyDocument)
RETURN d.id AS id, d.doc_number AS doc_number, d.title AS title, d.issuers AS issuers, d.issued_date AS issued_date,
       CASE WHEN d.text CONTAINS '废止' OR d.text CONTAINS '停止执行' OR d.text CONTAINS '不再执行'
                 OR d.text CONTAINS '修订' OR d.text CONTAINS '修改' THEN d.text ELSE '' END AS text
ORDER BY id
