-- Migration 0002: per-document summaries the analyst views read (pipelines/load/summary.py, written at
-- load; meta_summary has them rewritten once in a warehouse made before), and what documents print
-- about departments and units (pipelines/load/departments.py; meta_department_printed: read once).

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

-- What the documents print about departments and units, the evidence of dim_department's parents:
-- a 部门 document's list of its units (预算单位构成, relation 'unit') and a 单位 document's 主管部门
-- line (relation 'supervisor'). pipelines/load/departments.py reads them from doc_text at load.
create table if not exists dim_department_printed (
    document_id    varchar not null,
    department_id  varchar not null,   -- the department of the document that prints it
    relation       varchar not null,   -- unit | supervisor
    seq            integer not null,   -- the item's number in the printed list (1 for a supervisor)
    printed_name   varchar not null,
    norm_name      varchar not null,   -- departments.norm_name of printed_name within the region
    is_self        boolean not null,   -- the department's own 本部 / 本级 item of its list
    own_budget     boolean not null,   -- false when printed 不单列预算 / 并入本部 / 未独立核算
    page           integer,
    primary key (document_id, relation, seq)
);

-- When the documents loaded before dim_department_printed existed were read for it (one row, once).
create table if not exists meta_department_printed (
    read_at  timestamp not null
);

-- The per-document summaries are replaced document by document at load.
create index if not exists agg_document_function_document on agg_document_function (document_id);
create index if not exists agg_document_total_document on agg_document_total (document_id);
create index if not exists agg_document_three_public_document on agg_document_three_public (document_id);
