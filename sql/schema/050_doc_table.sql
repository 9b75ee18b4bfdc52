-- Every standard table found in a document, including those published empty (本表无数据).
create table if not exists doc_table (
    document_id   varchar not null,
    table_code    varchar not null,
    table_title   varchar not null,
    unit_printed  varchar not null,
    page_start    integer,
    page_end      integer,
    line_no       integer,
    engine        varchar not null,    -- pdfplumber-lattice | pdfplumber-words | camelot-* | text
    n_rows        integer not null,
    n_facts       integer not null,
    is_empty      boolean not null,
    empty_note    varchar,
    warnings      varchar
);
