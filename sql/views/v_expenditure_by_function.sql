-- Current documents: expenditure per function code, total / basic / project (D03 支出决算表), by concept.
create or replace view v_expenditure_by_function as
with spend as (
    select
        document_id,
        func_code,
        min(line_label) as printed_name,
        sum(amount) filter (where concept = 'expenditure_total') as total,
        sum(amount) filter (where concept = 'basic_expenditure') as basic,
        sum(amount) filter (where concept = 'project_expenditure') as project
    from fact_line_item
    where table_code = 'D03' and func_code is not null
    group by document_id, func_code
)
select
    d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department,
    s.func_code, coalesce(fc.name, s.printed_name) as name, fc.level,
    s.total, s.basic, s.project
from spend as s
join dim_document as d using (document_id)
left join dim_function_code as fc on fc.code = s.func_code
where d.is_current and d.status <> 'template';
