-- Plan against outcome: for a department (dim_department, so the 本级 budget and the 部门 final
-- account, or names printed with and without the region, meet) and fiscal year, the current budget
-- (部门支出总表, or the 一般公共预算 expenditure table where the document has no 部门支出总表) and the
-- current final account (支出决算表) side by side by function code. Where no budget document of that
-- year is loaded, the next year's budget's 上年预算数 column stands in (see v_function_by_year).
-- COMMENT ON: 'Budget vs final account by department, year and function code, with execution rate (预决算对比)'
--   execution_pct: 'Final ÷ budget × 100 (预算执行率 %)'; department_id: 'dim_department (所属部门)'
create or replace view v_budget_vs_final as
with b as (select * from v_function_by_year where basis = 'budget'),
f as (select * from v_function_by_year where basis = 'final')
select
    coalesce(b.province, f.province) as province,
    coalesce(b.city, f.city) as city,
    coalesce(b.county, f.county) as county,
    coalesce(b.department, f.department) as department,
    coalesce(b.fiscal_year, f.fiscal_year) as fiscal_year,
    coalesce(b.func_code, f.func_code) as func_code,
    coalesce(b.name, f.name) as name,
    coalesce(b.level, f.level) as level,
    b.total as budget_total, b.basic as budget_basic, b.project as budget_project,
    f.total as final_total, f.basic as final_basic, f.project as final_project,
    f.total - b.total as difference,
    case when b.total <> 0 then round(f.total * 100 / b.total, 2) end as execution_pct,
    b.source as budget_table, b.document_id as budget_document_id, f.document_id as final_document_id,
    coalesce(b.department_id, f.department_id) as department_id
from b
full outer join f
    on f.department_id = b.department_id and f.fiscal_year = b.fiscal_year and f.func_code = b.func_code;
