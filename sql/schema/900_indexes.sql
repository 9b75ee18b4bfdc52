-- Lookups by document (the rules of one document, the report, an analyst's "this document") go
-- through an ART index, so they read that document's rows, not every row of the warehouse.
-- Last in sql/schema: columns added by ALTER in the files before are in place when these are made.
create index if not exists fact_line_item_document on fact_line_item (document_id);
create index if not exists dq_result_document on dq_result (document_id);
create index if not exists doc_text_document on doc_text (document_id);
create index if not exists fact_narrative_figure_document on fact_narrative_figure (document_id);
create index if not exists doc_table_document on doc_table (document_id);

-- When each large table was last rewritten in its cluster order (pipelines/load/layout.py).
create table if not exists warehouse_layout (
    table_name      varchar primary key,
    sort_key        varchar not null,
    clustered_rows  bigint not null,
    clustered_at    timestamp not null
);
