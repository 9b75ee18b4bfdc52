-- Every standard table found in a document, including those published empty (本表无数据).
create table if not exists doc_table (
    document_id   varchar not null,
    table_code    varchar not null,
    table_title   varchar not null,
    unit_printed  varchar not null,
    page_start    integer,
    page_end      integer,
    line_no       integer,
    engine        varchar not null,    -- the reading kept: pdfplumber-lattice | pdfplumber-words |
                                       -- pdfplumber-edges | camelot-lattice | camelot-stream | text …
    n_rows        integer not null,
    n_facts       integer not null,
    is_empty      boolean not null,
    empty_note    varchar,
    warnings      varchar,
    -- how sure the reading is (pipelines/normalise/coverage.py)
    coverage        double,            -- share of the numbers printed in the table's region placed in facts
    printed_numbers integer,           -- numbers printed in the region (PDF) or cells (other formats)
    placed_numbers  integer,
    unplaced        varchar,           -- JSON [{page | line, text, why}] of the printed numbers not placed
    doubt           boolean,           -- the reading failed coverage or the key checks: identities that
                                       -- fail on this table are extraction doubts (warnings), not errors
    doubt_reason    varchar,
    engines_tried   varchar            -- each reading tried, with its coverage ("pdfplumber-words 96.2%, …")
);

-- warehouses made before the coverage columns existed
alter table doc_table add column if not exists coverage double;
alter table doc_table add column if not exists printed_numbers integer;
alter table doc_table add column if not exists placed_numbers integer;
alter table doc_table add column if not exists unplaced varchar;
alter table doc_table add column if not exists doubt boolean;
alter table doc_table add column if not exists doubt_reason varchar;
alter table doc_table add column if not exists engines_tried varchar;
