-- Facts by the year they are about, and by canonical department (dim_department).
-- v_function_by_year picks its figures by concept and basis (dim_measure), not by a table's measure names.
--
-- v_line_item_by_year: every current fact with the fiscal year it is for. A prior-year column
-- (上年预算数, 上年三公 …, measure prior_year_*) is a fact of fiscal_year − 1 with basis budget (or
-- final when its header says 决算/执行); a final account's 预算数 columns (budget_*) are basis budget.
-- COMMENT ON (for the lead): 'Current facts with the year they are about and their basis (按年度事实)'
--   fact_year: 'The year the figure is for: fiscal_year − 1 for 上年 columns (数据所属年度)'
--   basis: 'budget (预算数) or final (决算数)'; base_measure: 'measure without prior_year_ (基础指标)'
--   is_prior_year: 'Printed in a 上年 column of a later document (上年数)'
create or replace view v_line_item_by_year as
select
    f.*,
    d.department_id, d.doc_kind, d.fiscal_year,
    case when starts_with(f.measure, 'prior_year_') then d.fiscal_year - 1 else d.fiscal_year end
        as fact_year,
    case when starts_with(f.measure, 'prior_year_') then substr(f.measure, 12) else f.measure end
        as base_measure,
    case
        when starts_with(f.measure, 'prior_year_')
            then case when regexp_matches(coalesce(f.column_header, ''), '决算|执行') then 'final'
                else 'budget' end
        when starts_with(f.measure, 'budget_') then 'budget'
        when starts_with(f.measure, 'final_') then 'final'
        when d.doc_kind = 'budget' then 'budget'
        when d.doc_kind = 'final_account' then 'final'
    end as basis,
    starts_with(f.measure, 'prior_year_') as is_prior_year
from fact_line_item as f
join dim_document as d using (document_id)
where d.is_current and d.status <> 'template';

-- v_function_by_year: per canonical department, function code, year and basis (budget | final): total,
-- basic, project (concepts expenditure_total / basic_expenditure / project_expenditure), the previous
-- year's figure of the same basis, the change and the change in %.
-- Budget: the table covering all funds (B08 部门支出总表, else B02); a budget's 上年预算数 column stands
-- for year − 1 when no budget of that year is loaded. Final: D03 支出决算表.
-- Read from agg_document_function (the documents' function lines, summed at load), documents first:
-- a filter on the department or year reaches the few documents it names.
-- Written so that a filter on the department (its name, id or region) reaches dim_department before
-- anything is summed: every window and group carries the department's columns as keys, and the
-- documents are joined to their department first.
create or replace view v_function_by_year as
with docs as not materialized (  -- one document per department, year and kind: the consolidated one before a 本级
    select dep.department_id, dep.canonical_name as department, dep.province, dep.city, dep.county,
        dep.level as department_level, d.document_id, d.doc_kind, d.fiscal_year
    from dim_department as dep
    join dim_document as d using (department_id)
    where d.is_current and d.status <> 'template' and d.fiscal_year is not null
    qualify row_number() over (
        partition by dep.department_id, dep.canonical_name, dep.province, dep.city, dep.county, dep.level,
            d.fiscal_year, d.doc_kind
        order by d.scope = '本级' nulls first, d.document_id) = 1
),
docs_years as not materialized (  -- whether a document of the same kind exists for the year before
    select d.*,
        coalesce(lag(d.fiscal_year) over (
            partition by d.department_id, d.department, d.province, d.city, d.county, d.department_level,
                d.doc_kind
            order by d.fiscal_year) = d.fiscal_year - 1, false) as has_previous_year
    from docs as d
),
lines as not materialized (
    select d.*, a.table_code, a.func_code, a.basis, a.line_label, a.total, a.basic, a.project,
        -- the budget's widest table: B08 where the document prints one
        bool_or(a.table_code = 'B08') over (
            partition by d.department_id, d.department, d.province, d.city, d.county, d.department_level,
                d.document_id) as has_b08
    from docs_years as d join agg_document_function as a using (document_id)
),
-- one pass over the lines: a budget's widest table (current columns), a budget's 上年预算数 column where no
-- budget of the year before is loaded (it stands for that year), a final account's D03
picked as (
    select *, doc_kind = 'budget' and basis = 'prior_year' as is_prior
    from lines
    where doc_kind = 'budget' and basis = 'current'
        and table_code = case when has_b08 then 'B08' else 'B02' end
       or doc_kind = 'budget' and basis = 'prior_year' and table_code = 'B02' and total is not null
          and not has_previous_year
       or doc_kind = 'final_account' and table_code = 'D03'
),
yearly as (
    select department_id, department, province, city, county, department_level,
        fiscal_year - case when is_prior then 1 else 0 end as fiscal_year, func_code,
        case when doc_kind = 'budget' then 'budget' else 'final' end as basis,
        min(line_label) as printed, sum(total) as total,
        case when not is_prior then sum(basic) end as basic,
        case when not is_prior then sum(project) end as project,
        case when is_prior then 'B02 上年预算数' else min(table_code) end as source, document_id
    from picked
    group by department_id, department, province, city, county, department_level, fiscal_year, func_code,
        doc_kind, is_prior, document_id
),
with_prior as (
    select y.*,
        case when lag(y.fiscal_year) over w = y.fiscal_year - 1 then lag(y.total) over w end as prior_total
    from yearly as y
    window w as (partition by y.department_id, y.department, y.province, y.city, y.county,
                 y.department_level, y.func_code, y.basis order by y.fiscal_year)
)
select
    y.department_id, y.department, y.province, y.city, y.county, y.department_level,
    y.func_code, coalesce(fc.name, y.printed) as name,
    case length(y.func_code) when 3 then '类' when 5 then '款' else '项' end as level,
    y.fiscal_year, y.basis, y.total, y.basic, y.project,
    y.prior_total,
    y.total - y.prior_total as change,
    case when y.prior_total <> 0 then round((y.total - y.prior_total) * 100 / y.prior_total, 2)::decimal(9, 2)
    end as change_pct,
    y.source, y.document_id
from with_prior as y
left join dim_function_code as fc on fc.code = y.func_code;
