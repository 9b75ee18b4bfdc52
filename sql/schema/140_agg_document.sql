-- Per-document summaries of fact_line_item, written at load with the document's facts
-- (pipelines/load/summary.py) and read by the analyst views. They hold the few lines those views
-- sum (function-code lines of the spending tables, the code-less total lines), a few % of the
-- facts, so a view reads them instead of scanning millions of facts.

-- One row per document, spending table (B02 / B08 / D03), function code and column basis.
create table if not exists agg_document_function (
    document_id   varchar not null,
    table_code    varchar not null,
    func_code     varchar not null,
    basis         varchar,            -- dim_measure.basis: current | prior_year | budget | final …
    line_label    varchar,            -- the first label printed for the code
    total         decimal(18, 2),     -- concept expenditure_total
    basic         decimal(18, 2),     -- concept basic_expenditure
    project       decimal(18, 2),     -- concept project_expenditure
    prior_final   boolean             -- a prior_year column whose header says 决算/执行
);

-- The first code-less line of each (document, table, column, line key) whose concept is a total,
-- a 三公 item or a share the views report: tables' 合计 rows and the 三公 lines.
create table if not exists agg_document_total (
    document_id   varchar not null,
    table_code    varchar not null,
    measure       varchar not null,
    line_key      varchar,
    concept       varchar not null,
    basis         varchar,
    amount        decimal(18, 2),
    row_no        integer
);

-- The 三公 lines of agg_document_total summed per document and column basis, from the table(s) that
-- print the document's 三公 total: what v_three_public shows, kept at load.
create table if not exists agg_document_three_public (
    document_id            varchar not null,
    basis                  varchar,            -- dim_measure.basis: current | prior_year | budget | final | carryover
    three_public_total     decimal(18, 2),
    outbound_travel        decimal(18, 2),
    vehicle_total          decimal(18, 2),
    vehicle_purchase       decimal(18, 2),
    vehicle_operation      decimal(18, 2),
    reception_total        decimal(18, 2),
    agency_operating_cost  decimal(18, 2),
    meeting_fee            decimal(18, 2),
    training_fee           decimal(18, 2),
    table_codes            varchar             -- tables the figures come from, comma-separated
);

-- Which version of the summaries' definitions (pipelines/load/summary.py VERSION) the rows follow: a
-- warehouse made before, or by an older definition, has them written again when opened.
create table if not exists meta_summary (
    version     integer not null,
    written_at  timestamp not null
);
