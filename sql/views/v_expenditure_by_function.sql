-- Current documents: expenditure per function code, total / basic / project (D03 支出决算表), by concept.
-- Read from agg_document_function (the function lines summed at load), documents first, so a filter on
-- a document column (department, fiscal_year, region) reads that department's few rows.
create or replace view v_expenditure_by_function as
select
    d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department,
    a.func_code, coalesce(fc.name, min(a.line_label)) as name, fc.level,
    sum(a.total) as total, sum(a.basic) as basic, sum(a.project) as project,
    d.department_id
from dim_document as d
join agg_document_function as a using (document_id)
left join dim_function_code as fc on fc.code = a.func_code
where d.is_current and d.status <> 'template' and a.table_code = 'D03'
group by d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department,
    d.department_id, a.func_code, fc.name, fc.level;
