-- Plan against outcome: for a department (dim_department, so the 本级 budget and the 部门 final
-- account, or names printed with and without the region, meet) and fiscal year, the current budget
-- (部门支出总表, or the 一般公共预算 expenditure table where the document has no 部门支出总表) and the
-- current final account (支出决算表) side by side by function code. Where no budget document of that
-- year is loaded, the next year's budget's 上年预算数 column stands in (see v_function_by_year).
-- One group per department, year and function code (not a full outer join), so a filter on the
-- department or year reaches the documents.
create or replace view v_budget_vs_final as
with paired as (
    select province, city, county, department, fiscal_year, func_code, department_id,
        any_value(name) as name, any_value(level) as level,
        max(total) filter (where basis = 'budget') as budget_total,
        max(basic) filter (where basis = 'budget') as budget_basic,
        max(project) filter (where basis = 'budget') as budget_project,
        max(total) filter (where basis = 'final') as final_total,
        max(basic) filter (where basis = 'final') as final_basic,
        max(project) filter (where basis = 'final') as final_project,
        max(source) filter (where basis = 'budget') as budget_table,
        max(document_id) filter (where basis = 'budget') as budget_document_id,
        max(document_id) filter (where basis = 'final') as final_document_id
    from v_function_by_year
    group by province, city, county, department, fiscal_year, func_code, department_id
)
select
    province, city, county, department, fiscal_year, func_code, name, level,
    budget_total, budget_basic, budget_project, final_total, final_basic, final_project,
    final_total - budget_total as difference,
    case when budget_total <> 0 then round(final_total * 100 / budget_total, 2)::decimal(9, 2) end
        as execution_pct,
    budget_table, budget_document_id, final_document_id, department_id
from paired;
