-- Figures the 说明 (narrative) states, with the sentence and page, for the N rules.
-- One statement ("支出合计1989.05万元，与2023年度相比减少333.36万元，下降14.4%") gives several rows
-- sharing statement_no: the amount, the change and the percentage.
create table if not exists fact_narrative_figure (
    document_id    varchar not null,
    figure_no      integer not null,    -- order of the figure in the document (1-based)
    statement_no   integer not null,    -- figures of one statement share it
    metric         varchar not null,    -- total_expenditure, basic_expenditure, function_class, three_public_total …
    qualifier      varchar,             -- the class / item the metric is about (function code or name), if any
    subject        varchar,             -- the label as printed before the figure
    kind           varchar not null,    -- amount | count | share | change | change_pct | rate | component
    basis          varchar,             -- prior_year | budget for change / change_pct / rate
    ref_year       integer,             -- the year a comparison names ("与2023年度相比")
    direction      varchar,             -- increase | decrease | flat for change / change_pct
    value          decimal(18, 2),      -- 元 for amounts (万元 × 10000), the count for counts
    percent        decimal(9, 4),       -- the stated percentage for share / change_pct / rate
    signed_percent decimal(9, 4),       -- percent with the sign of its verb: − for 减少/下降 (change_pct)
    decimals       integer,             -- decimals printed (the tolerance depends on them)
    unit_printed   varchar,             -- 万元 | 元 | % | 个 | 辆 | 人 …
    value_printed  varchar not null,
    sentence       varchar not null,
    page           integer,
    line_no        integer,
    section_no     integer              -- the 说明 section (heading) the figure is stated under, 0 before any
);
-- warehouses created before section_no existed get the column (NULL for the figures already loaded)
alter table fact_narrative_figure add column if not exists section_no integer;

-- (added by ALTER in an older warehouse) signed_percent: 'Stated percentage with its sign: − for 减少/下降, + for 增长/增加 (带符号百分比)'
alter table fact_narrative_figure add column if not exists signed_percent decimal(9, 4);
