-- 项目支出明细表 (B10): one row per project, with its function code and amounts in 元.
-- The amount columns are the table's columns (catalog measures of B10); NULL where the source
-- does not let the column be told (a text export that dropped empty cells, see ambiguous_columns).
create table if not exists fact_project (
    document_id          varchar not null,
    table_code           varchar not null,   -- B10
    table_title          varchar not null,
    row_no               integer not null,   -- fact_line_item.row_no of the project's row
    seq                  integer,            -- 序号 as printed
    budget_unit          varchar,            -- 预算单位
    func_code            varchar,            -- 功能分类科目编码 (7 digits)
    func_name            varchar,
    project_code         varchar,            -- 50015224T000004234154 (spaces printed inside removed)
    project_name         varchar,
    project_printed      varchar not null,   -- the 项目名称 cell as printed ("code-name")
    total                decimal(18, 2),     -- 合计
    specific_subtotal    decimal(18, 2),     -- 年初特定目标 小计
    specific_personnel   decimal(18, 2),     -- 人员性项目
    specific_general     decimal(18, 2),     -- 一般性项目
    specific_livelihood  decimal(18, 2),     -- 民生配套项目
    superior_subtotal    decimal(18, 2),     -- 上级专项 小计
    superior_advance     decimal(18, 2),     -- 提前下达专项
    carryover_project    decimal(18, 2),     -- 结转项目
    municipal_special    decimal(18, 2),     -- 市级专项
    ambiguous_columns    varchar,            -- columns left NULL because the printed row cannot place them
    unit_printed         varchar not null,
    page                 integer,
    line_no              integer,
    is_group             boolean             -- a category or unit row summing the projects below it
);

-- (added by ALTER in an older warehouse) is_group: 'A category or unit row whose amount sums the projects below it (项目类别/单位行)'
alter table fact_project add column if not exists is_group boolean;
