-- Projects of every current document ranked by amount (项目支出明细表 and the other project tables
-- that fill fact_project), with each project's share of the listed projects' total. A category or
-- unit row summing the projects below it (is_group) is not a project: it is left out.
--   rank: 1 = the largest project of the document; pct_of_listed: total / Σ total of the document's projects
create or replace view v_top_projects as
select
    d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department,
    p.table_code, p.budget_unit, p.project_code, p.project_name, p.func_code, p.func_name, p.total,
    rank() over w_order as rank,
    round(p.total * 100 / nullif(sum(p.total) over w, 0), 2)::decimal(9, 2) as pct_of_listed,
    p.page, d.department_id, p.table_title, dep.canonical_name as canonical_department
from fact_project as p
join dim_document as d using (document_id)
left join dim_department as dep on dep.department_id = d.department_id
where d.is_current and d.status <> 'template' and p.total is not null and not coalesce(p.is_group, false)
-- the document's columns in the partition: a filter on the department or year reaches dim_document
window w as (partition by p.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county,
                 d.department, d.department_id, dep.canonical_name),
    w_order as (w order by p.total desc);
