-- The column vocabulary (pipelines/catalog/vocabulary.yaml): one row per stored measure code, with
-- what it means. `concept` is the one name of the thing measured across budgets, final accounts and
-- performance tables (budget `personnel` and final-account `personnel_total` are both
-- personnel_expenditure); views join on it. Columns of uncatalogued tables get a row with the printed
-- header as label and no concept.
create table if not exists dim_measure (
    measure     varchar primary key,
    label_zh    varchar not null,
    name_en     varchar,   -- English name
    definition  varchar,   -- what the figure is, in English
    side        varchar,   -- 收入 (a source of funds) | 支出 (a use of funds); NULL for generic amounts
    role        varchar,   -- 总计 | 基本 | 项目 | 人员 | 公用 | 三公 | 财政拨款 | 收入来源 | 结转结余 | 其他支出 | 采购 | 金额
    concept     varchar,   -- dim_concept.concept
    basis       varchar    -- current (the document's own figure) | prior_year | budget | final | carryover
);

-- warehouses created before the vocabulary had only measure and label_zh
alter table dim_measure add column if not exists name_en varchar;
alter table dim_measure add column if not exists definition varchar;
alter table dim_measure add column if not exists side varchar;
alter table dim_measure add column if not exists role varchar;
alter table dim_measure add column if not exists concept varchar;
alter table dim_measure add column if not exists basis varchar;

-- The concepts of the vocabulary: one row per thing measured, whatever a table calls it.
create table if not exists dim_concept (
    concept     varchar primary key,
    label_zh    varchar not null,
    name_en     varchar not null,
    definition  varchar not null,
    side        varchar,
    role        varchar not null
);

-- The digest of the catalog data the vocabulary columns were last written from (one row); when the
-- data files change, dim_measure, dim_concept and fact_line_item.concept are written again.
create table if not exists meta_vocabulary (
    digest      varchar not null,
    written_at  timestamp not null
);
