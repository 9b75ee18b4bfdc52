-- The document's printed text: one row per PDF page or per line of a text export, so text rules
-- (placeholders, contradicting years) and analysts can search what a document says.
create table if not exists doc_text (
    document_id  varchar not null,
    block_no     integer not null,      -- order in the document (1-based)
    page         integer,
    line_no      integer,
    text         varchar not null
);
