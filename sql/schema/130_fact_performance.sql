-- Performance tables (绩效目标表 on the budget side, 绩效自评表 on the final-account side).
-- table_code: B11 整体绩效目标表 · B12 项目绩效目标表 · PS1 部门整体(支出)绩效自评表 · PS2 项目(支出)绩效自评表.
-- table_no numbers the performance tables of a document in print order, so the four 表十一 of a
-- budget (one per project) stay four tables.

-- One row per performance table: what its head prints (project, departments, total score).
create table if not exists doc_performance_table (
    document_id          varchar not null,
    table_code           varchar not null,
    table_no             integer not null,
    table_title          varchar not null,
    table_kind           varchar not null,    -- targets_whole | targets_project | selfeval_whole | selfeval_project
    layout               varchar not null,    -- tsv | cells (DOCX dump) | spaced (PDF text)
    project_code         varchar,             -- 50015224T000004234131 (spaces printed inside removed)
    project_name         varchar,
    dept_name            varchar,             -- 部门(单位)名称 of the 整体 tables
    supervising_dept     varchar,             -- 主管部门
    implementing_unit    varchar,             -- 实施单位
    total_score          decimal(9, 2),       -- 自评总分, or the 合计 row's score
    total_score_printed  varchar,
    unit_printed         varchar,             -- 万元 / 元 as printed for the money; NULL when none is printed
    annual_goal          varchar,             -- 年初 / 当年绩效目标
    n_indicators         integer not null,
    n_fund_lines         integer not null,
    page                 integer,             -- the title's page (PDF) …
    line_no              integer              -- … or line (text export)
);

-- One row per indicator (绩效指标) row. Targets and actuals stay in the row's own unit (次, %, 万元/年).
create table if not exists fact_performance_indicator (
    document_id       varchar not null,
    table_code        varchar not null,
    table_no          integer not null,
    table_title       varchar not null,
    row_no            integer not null,       -- position among the table's indicator rows (1-based)
    project_code      varchar,
    project_name      varchar,
    level1            varchar,                -- 一级指标 (产出/效益/满意度/成本指标), filled down over merged cells
    level1_points     decimal(9, 2),          -- "总体绩效（65分）" → 65
    level1_inferred   boolean not null,       -- level1 not printed for the group, taken from level2 (数量指标 → 产出指标)
    level2            varchar,                -- 二级指标
    level2_points     decimal(9, 2),
    level3            varchar,                -- 三级指标 / 指标名称: the indicator itself
    operator          varchar,                -- ≥ | ≤ | = | 定性 (> and < kept when printed)
    operator_printed  varchar,
    target_value      decimal(24, 6),         -- numeric target, NULL for worded ones
    target_text       varchar,                -- the 指标值 cell as printed ("≥600次", "满意", "14,859,110.71")
    actual_value      decimal(24, 6),
    actual_text       varchar,                -- 全年完成值 / 实际完成值 as printed
    unit              varchar,                -- 计量单位 (NULL when printed 无 or absent)
    weight            decimal(9, 2),          -- 指标权重 / 指标分值 ("9%" → 9)
    weight_printed    varchar,
    score             decimal(9, 2),          -- 指标得分 / 自评得分
    score_printed     varchar,
    deviation_pct     decimal(9, 4),          -- 偏离度（%）
    score_coeff_pct   decimal(9, 4),          -- 得分系数（%）
    is_core           boolean,                -- 是否核心指标
    note              varchar,                -- 说明 / 未完成原因分析 / 偏差原因分析及改进措施 / 备注
    row_printed       varchar not null,       -- the row's cells as printed, " | " between cells (" / " between PDF lines)
    page              integer,
    line_no           integer
);

-- The money block of each table, one row per printed line (年度总金额, 其中：财政拨款, 一般公共预算 …),
-- in 元. Budget-side tables print one amount (资金总额 / 当年预算 / 部门支出预算数): one 'total' row
-- with it as initial_budget.
create table if not exists fact_performance_budget (
    document_id       varchar not null,
    table_code        varchar not null,
    table_no          integer not null,
    project_code      varchar,
    project_name      varchar,
    line_order        integer not null,
    line_label        varchar not null,       -- as printed
    line_key          varchar,                -- total | fiscal | gpb | gf | soe | social_insurance | special_account | unit_funds | other
    initial_budget    decimal(18, 2),         -- 年初预算数
    adjusted_budget   decimal(18, 2),         -- 全年（调整）预算数 / 调整后预算数
    executed          decimal(18, 2),         -- 全年执行数 / 预算执行数
    execution_rate    decimal(9, 4),          -- 执行率, percent ("100", "92.71%")
    rate_weight       decimal(9, 2),          -- 执行率权重 / 权重
    rate_score        decimal(9, 2),          -- 执行率得分 / 得分
    unit_printed      varchar,                -- NULL: no unit printed, read as 元 (seed 000)
    initial_printed   varchar,
    adjusted_printed  varchar,
    executed_printed  varchar,
    rate_printed      varchar,
    weight_printed    varchar,
    score_printed     varchar,
    note              varchar,                -- 原因
    row_printed       varchar not null,
    page              integer,
    line_no           integer,
    concept           varchar                 -- dim_concept.concept of the line: total → expenditure_total (整体) / project_expenditure
);
-- warehouses created before the measure vocabulary; filled by pipelines/load/warehouse.py
alter table fact_performance_budget add column if not exists concept varchar;
