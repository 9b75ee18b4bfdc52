-- One row per numeric cell of every standard table, in 元, with its provenance on the page.
create table if not exists fact_line_item (
    document_id    varchar not null,
    table_code     varchar not null,
    table_title    varchar not null,
    row_no         integer not null,    -- data row position after stitching pages (1-based)
    panel          varchar,             -- income | expenditure for the two-sided tables
    func_code      varchar,
    econ_code      varchar,
    line_label     varchar,
    line_key       varchar,             -- canonical line of summary tables (total_current_income …)
    measure        varchar not null,
    column_header  varchar,
    amount         decimal(18, 2) not null,
    is_blank       boolean not null,    -- the cell was printed empty, which the templates use for 0
    unit_printed   varchar not null,
    value_printed  varchar not null,
    page           integer,
    line_no        integer,             -- line of a text export
    row_top        double,              -- the row's vertical extent on the page, in PDF points
    row_bottom     double,
    spending_unit  varchar,             -- the 预算单位 whose block the row belongs to; NULL: the document's own
    gov_econ_code  varchar,             -- 政府预算支出经济分类 code printed beside econ_code (501 beside 301)
    concept        varchar,             -- dim_concept.concept: the column's, or the line's for a one-amount column
    source         varchar,             -- how the figure was read: text (text layer or cells) | ocr
    ocr_confidence double,              -- OCR only: recognition confidence of the least sure character
    ocr_low_confidence boolean          -- OCR only: below 0.9 (extract/ocr.py), a digit may be misread
);

-- warehouses created before spending_unit existed get the column (NULL for the facts already loaded)
alter table fact_line_item add column if not exists spending_unit varchar;
alter table fact_line_item add column if not exists gov_econ_code varchar;
-- filled from the vocabulary by pipelines/load/warehouse.py (apply_schema migrates older warehouses)
alter table fact_line_item add column if not exists concept varchar;
alter table fact_line_item add column if not exists source varchar;
alter table fact_line_item add column if not exists ocr_confidence double;
alter table fact_line_item add column if not exists ocr_low_confidence boolean;
