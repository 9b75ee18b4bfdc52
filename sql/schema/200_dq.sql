-- The rule catalog, generated from expectations/rules/*.yaml on every run.
create table if not exists dq_rule (
    rule_id         varchar primary key,
    family          varchar not null,   -- H hierarchy | R row | B balance | X cross-table | N narrative | C code | T text | E extraction
    description     varchar not null,   -- English
    description_zh  varchar not null,
    severity        varchar not null,   -- error | warning
    scope           varchar not null,   -- ROW | COL | TAB | NAR | DOC
    doc_kinds       varchar not null,   -- which documents the rule applies to
    comparison      varchar not null,   -- eq | le | ratio | flag
    definition      varchar not null    -- the SQL that yields the rule's checks
);

-- One validation run over one document: when, and what Great Expectations concluded.
create table if not exists dq_run (
    run_id          varchar not null,
    document_id     varchar not null,
    started_at      timestamp not null,
    rules_run       integer not null,
    checks          integer not null,
    failed_errors   integer not null,
    failed_warnings integer not null,
    gx_success      boolean not null,   -- the GX suite's verdict
    primary key (run_id, document_id)
);

-- One row per rule evaluated per document (and per row where the rule is per row).
create table if not exists dq_result (
    run_id       varchar not null,
    document_id  varchar not null,
    rule_id      varchar not null,
    severity     varchar not null,
    table_code   varchar,
    row_key      varchar,               -- the code or line label the check is about
    measure      varchar,               -- the column, when the check is about one
    row_no       integer,               -- fact_line_item.row_no of the row to look at
    expected     decimal(18, 2),        -- 元, or a count, or a percentage (see unit)
    actual       decimal(18, 2),
    difference   decimal(18, 2),        -- actual − expected
    tolerance    decimal(18, 2),
    unit         varchar,               -- 元 | % | count
    passed       boolean not null,
    page         integer,               -- where a reviewer should look
    line_no      integer,               -- line of a text export
    note         varchar                -- "extraction doubt: …" on an error-severity identity that failed on
                                        -- a table read in doubt (doc_table.doubt): stored as a warning
);
