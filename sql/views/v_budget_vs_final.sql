-- Plan against outcome: for a department and fiscal year, the current budget (部门支出总表, or the
-- 一般公共预算 expenditure table where the document has no 部门支出总表) and the current final account
-- (支出决算表) side by side by function code. Departments match with the (本级) scope mark removed.
-- Where no budget document of that year is loaded, the next year's budget's 上年预算数 column stands in.
-- Figures are picked by concept and basis (dim_measure), never by a table's own measure names.
create or replace view v_budget_vs_final as
with docs as (
    select document_id, doc_kind, fiscal_year, province, city, county,
           regexp_replace(department, '[（(]本级[)）]', '') as department
    from dim_document
    where is_current and status <> 'template' and department is not null and fiscal_year is not null
),
budget_source as (  -- per budget document, the table that covers all funds if it printed one
    select document_id, case when bool_or(table_code = 'B08') then 'B08' else 'B02' end as table_code
    from fact_line_item where table_code in ('B02', 'B08') group by document_id
),
budget as (
    select d.province, d.city, d.county, d.department, d.fiscal_year, f.func_code,
           any_value(f.line_label) as printed_name, any_value(d.document_id) as budget_document_id,
           any_value(f.table_code) as budget_table,
           sum(f.amount) filter (where f.concept = 'expenditure_total') as budget_total,
           sum(f.amount) filter (where f.concept = 'basic_expenditure') as budget_basic,
           sum(f.amount) filter (where f.concept = 'project_expenditure') as budget_project
    from fact_line_item as f
    join dim_measure as m on m.measure = f.measure and m.basis = 'current'
    join docs as d using (document_id)
    join budget_source as s on s.document_id = f.document_id and s.table_code = f.table_code
    where d.doc_kind = 'budget' and f.func_code is not null
    group by all
),
budget_any as (
    select * from budget
    union all
    select d.province, d.city, d.county, d.department, d.fiscal_year - 1, f.func_code,
           any_value(f.line_label), any_value(d.document_id), 'B02 上年预算数',
           sum(f.amount), null, null
    from fact_line_item as f join docs as d using (document_id)
    join dim_measure as m on m.measure = f.measure
    where d.doc_kind = 'budget' and f.table_code = 'B02' and f.concept = 'expenditure_total'
      and m.basis = 'prior_year'
      and f.func_code is not null
      and not exists (select 1 from docs as o where o.doc_kind = 'budget' and o.department = d.department
                      and o.fiscal_year = d.fiscal_year - 1)
    group by all
),
final as (
    select d.province, d.city, d.county, d.department, d.fiscal_year, f.func_code,
           any_value(f.line_label) as printed_name, any_value(d.document_id) as final_document_id,
           sum(f.amount) filter (where f.concept = 'expenditure_total') as final_total,
           sum(f.amount) filter (where f.concept = 'basic_expenditure') as final_basic,
           sum(f.amount) filter (where f.concept = 'project_expenditure') as final_project
    from fact_line_item as f join docs as d using (document_id)
    where d.doc_kind = 'final_account' and f.table_code = 'D03' and f.func_code is not null
    group by all
)
select
    coalesce(b.province, f.province) as province,
    coalesce(b.city, f.city) as city,
    coalesce(b.county, f.county) as county,
    coalesce(b.department, f.department) as department,
    coalesce(b.fiscal_year, f.fiscal_year) as fiscal_year,
    coalesce(b.func_code, f.func_code) as func_code,
    coalesce(fc.name, b.printed_name, f.printed_name) as name,
    case length(coalesce(b.func_code, f.func_code)) when 3 then '类' when 5 then '款' else '项' end as level,
    b.budget_total, b.budget_basic, b.budget_project,
    f.final_total, f.final_basic, f.final_project,
    f.final_total - b.budget_total as difference,
    case when b.budget_total <> 0 then round(f.final_total * 100 / b.budget_total, 2) end as execution_pct,
    b.budget_table, b.budget_document_id, f.final_document_id
from budget_any as b
full outer join final as f
    on f.department = b.department and f.fiscal_year = b.fiscal_year and f.func_code = b.func_code
    and f.province is not distinct from b.province and f.county is not distinct from b.county
left join dim_function_code as fc on fc.code = coalesce(b.func_code, f.func_code);
