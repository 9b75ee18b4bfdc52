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
            then case when regexp_matches(coalesce(f.column_header, ''), '决算|执行')
                then 'final' else 'budget' end
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
-- COMMENT ON: 'Expenditure by function code, department and year, budget and final, year on year (分年度功能科目支出)'
--   prior_total: 'The same basis one year earlier (上年数)'; change / change_pct: '增减额 / 增减率 (%)'
--   source: 'Table the figure comes from: B08, B02, "B02 上年预算数" or D03 (来源表)'
create or replace view v_function_by_year as
with docs as (
    select document_id, department_id, doc_kind, fiscal_year from dim_document
    where is_current and status <> 'template' and department_id is not null and fiscal_year is not null
),
budget_source as (
    select document_id, case when bool_or(table_code = 'B08') then 'B08' else 'B02' end as table_code
    from fact_line_item where table_code in ('B02', 'B08') group by document_id
),
budget as (
    select d.department_id, d.fiscal_year, f.func_code, 'budget' as basis, any_value(f.line_label) as printed,
        sum(f.amount) filter (where f.concept = 'expenditure_total') as total,
        sum(f.amount) filter (where f.concept = 'basic_expenditure') as basic,
        sum(f.amount) filter (where f.concept = 'project_expenditure') as project,
        any_value(f.table_code) as source, any_value(d.document_id) as document_id
    from fact_line_item as f
    join dim_measure as m on m.measure = f.measure and m.basis = 'current'
    join docs as d using (document_id)
    join budget_source as s on s.document_id = f.document_id and s.table_code = f.table_code
    where d.doc_kind = 'budget' and f.func_code is not null
    group by all
),
prior_budget as (
    select d.department_id, d.fiscal_year - 1 as fiscal_year, f.func_code, 'budget' as basis,
        any_value(f.line_label) as printed, sum(f.amount) as total, null::decimal(18, 2) as basic,
        null::decimal(18, 2) as project, 'B02 上年预算数' as source, any_value(d.document_id) as document_id
    from fact_line_item as f join docs as d using (document_id)
    join dim_measure as m on m.measure = f.measure
    where d.doc_kind = 'budget' and f.table_code = 'B02' and f.concept = 'expenditure_total'
      and m.basis = 'prior_year'
      and f.func_code is not null
      and not exists (select 1 from docs as o
                      where o.doc_kind = 'budget' and o.department_id = d.department_id
                        and o.fiscal_year = d.fiscal_year - 1)
    group by all
),
final as (
    select d.department_id, d.fiscal_year, f.func_code, 'final' as basis, any_value(f.line_label) as printed,
        sum(f.amount) filter (where f.concept = 'expenditure_total') as total,
        sum(f.amount) filter (where f.concept = 'basic_expenditure') as basic,
        sum(f.amount) filter (where f.concept = 'project_expenditure') as project,
        'D03' as source, any_value(d.document_id) as document_id
    from fact_line_item as f join docs as d using (document_id)
    where d.doc_kind = 'final_account' and f.table_code = 'D03' and f.func_code is not null
    group by all
),
yearly as (
    select * from budget
    union all
    select * from prior_budget
    union all
    select * from final
)
select
    y.department_id, dep.canonical_name as department, dep.province, dep.city, dep.county,
    dep.level as department_level,
    y.func_code, coalesce(fc.name, y.printed) as name,
    case length(y.func_code) when 3 then '类' when 5 then '款' else '项' end as level,
    y.fiscal_year, y.basis, y.total, y.basic, y.project,
    p.total as prior_total,
    y.total - p.total as change,
    case when p.total <> 0 then round((y.total - p.total) * 100 / p.total, 2)::decimal(9, 2) end
        as change_pct,
    y.source, y.document_id
from yearly as y
join dim_department as dep using (department_id)
left join yearly as p
    on p.department_id = y.department_id and p.func_code = y.func_code and p.basis = y.basis
    and p.fiscal_year = y.fiscal_year - 1
left join dim_function_code as fc on fc.code = y.func_code;
