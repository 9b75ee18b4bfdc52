-- Current documents: expenditure per function code, total / basic / project (D03 支出决算表), by concept.
-- Documents are joined before the facts are summed, so a filter on a document column (department,
-- fiscal_year, region) reaches the fact scan: a department's rows are read, not the whole warehouse's.
create or replace view v_expenditure_by_function as
select
    d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department,
    f.func_code, coalesce(fc.name, min(f.line_label)) as name, fc.level,
    sum(f.amount) filter (where f.concept = 'expenditure_total') as total,
    sum(f.amount) filter (where f.concept = 'basic_expenditure') as basic,
    sum(f.amount) filter (where f.concept = 'project_expenditure') as project
from dim_document as d
join fact_line_item as f using (document_id)
left join dim_function_code as fc on fc.code = f.func_code
where d.is_current and d.status <> 'template' and f.table_code = 'D03' and f.func_code is not null
group by d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department,
    f.func_code, fc.name, fc.level;
